/**
 * @module The current key of a keyed state backend (Flink's `InternalKeyContext`): the key, its
 * normalized identity and its key group, computed once per `setCurrentKey` and read by every state.
 */
import { WeirError } from '../core/errors.ts';
import { keyGroupOf, normalizeKey } from '../core/key-groups.ts';
import type { Key, KeyGroupRange } from '../core/key-groups.ts';

/** The identity of a key in hash maps (see `normalizeKey`). */
export type NormalizedKey = string | number | bigint | boolean;

/**
 * Mutable, shared by a backend and all its state tables. Fields are plain properties, written only
 * by `setCurrentKey`, so the per-record read path is a few property loads.
 */
export class InternalKeyContext {
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  readonly operatorDescription: string;
  /** The current key as the operator passed it; undefined outside a keyed context. */
  key: Key | undefined = undefined;
  normalizedKey: NormalizedKey = '';
  /** -1 outside a keyed context. */
  keyGroup = -1;
  /** `keyGroup - keyGroupRange.start`: the slot in every state table; -1 outside a keyed context. */
  keyGroupIndex = -1;
  /** True when the key is a tuple, whose normalized form differs from the key itself. */
  tupleKey = false;
  disposed = false;

  constructor(keyGroupRange: KeyGroupRange, maxParallelism: number, operatorDescription: string) {
    this.keyGroupRange = keyGroupRange;
    this.maxParallelism = maxParallelism;
    this.operatorDescription = operatorDescription;
  }

  setCurrentKey(key: Key): void {
    // operators set the key for every record, and consecutive records often share it
    if (key === this.key) return;
    const keyGroup = keyGroupOf(key, this.maxParallelism);
    const range = this.keyGroupRange;
    if (keyGroup < range.start || keyGroup > range.end) {
      throw keyGroupOutOfRange(key, keyGroup, range, this.operatorDescription);
    }
    this.key = key;
    this.keyGroup = keyGroup;
    this.keyGroupIndex = keyGroup - range.start;
    if (typeof key === 'object') {
      this.normalizedKey = normalizeKey(key);
      this.tupleKey = true;
    } else {
      this.normalizedKey = key;
      this.tupleKey = false;
    }
  }

  clearCurrentKey(): void {
    this.key = undefined;
    this.normalizedKey = '';
    this.keyGroup = -1;
    this.keyGroupIndex = -1;
    this.tupleKey = false;
  }

  /** Throws unless a key is set; called by state tables only on their slow paths. */
  checkKeyedContext(stateName: string): void {
    if (this.disposed) {
      throw new WeirError('STATE_ACCESS', `keyed state '${stateName}' accessed after the state backend of ${this.operatorDescription} was disposed`, {
        hint: 'this is a bug in the operator lifecycle: state must not be used after close()',
      });
    }
    if (this.keyGroupIndex < 0) {
      throw new WeirError(
        'STATE_ACCESS',
        `keyed state '${stateName}' accessed outside a keyed context in ${this.operatorDescription}: no current key is set`,
        {
          hint:
            'keyed state is available only on a keyed stream (after keyBy(), e.g. in a KeyedProcessFunction) while a record or timer ' +
            'of that key is processed; in open() or a non-keyed operator, create the state object but do not read or write it',
        },
      );
    }
  }
}

/** The error for a key that does not belong to this subtask: records reached the wrong subtask. */
export function keyGroupOutOfRange(key: Key, keyGroup: number, range: KeyGroupRange, where: string): WeirError {
  return new WeirError(
    'STATE_ACCESS',
    `key ${describeKey(key)} belongs to key group ${keyGroup}, outside the key-group range ${range.toString()} of ${where}`,
    { hint: 'this is a bug: records must be partitioned by key group before keyed state is used; please report it with the job' },
  );
}

/** A key as error messages show it: strings quoted, bigints with `n`, tuples in brackets. */
export function describeKey(key: Key): string {
  if (typeof key === 'object') return `[${key.map((part) => describeKey(part)).join(', ')}]`;
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'bigint') return `${key}n`;
  return String(key);
}
