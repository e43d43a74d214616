/**
 * @module How records of an edge are distributed over the consumer's subtasks (Flink's partitioners).
 */
import type { Key } from '../core/key-groups.ts';

export type PartitionerKind = 'forward' | 'rebalance' | 'rescale' | 'shuffle' | 'broadcast' | 'hash' | 'global';

export type Partitioner =
  | { readonly kind: Exclude<PartitionerKind, 'hash'> }
  | { readonly kind: 'hash'; readonly keySelector: (value: unknown) => Key };

/** Flink's display names, as `weir plan` prints them. */
export function partitionerName(partitioner: Partitioner): string {
  switch (partitioner.kind) {
    case 'forward':
      return 'FORWARD';
    case 'rebalance':
      return 'REBALANCE';
    case 'rescale':
      return 'RESCALE';
    case 'shuffle':
      return 'SHUFFLE';
    case 'broadcast':
      return 'BROADCAST';
    case 'hash':
      return 'HASH';
    case 'global':
      return 'GLOBAL';
  }
}
