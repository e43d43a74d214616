/**
 * @module One key group's share of one state without namespaces (Flink's `StateMap`): values by
 * normalized key, plus the original form of tuple keys.
 */
import type { Key } from '../core/key-groups.ts';
import type { NormalizedKey } from './internal-key-context.ts';
import type { OriginalKeys } from './original-keys.ts';

/** The values of one state for the keys of one key group. */
export class StateMap<V> {
  readonly entries = new Map<NormalizedKey, V>();
  /** Undefined until the first tuple key, so states keyed by primitives pay nothing. */
  originalKeys: OriginalKeys | undefined = undefined;

  /** The key as the operator passed it, for an entry's normalized key. */
  originalKey(normalizedKey: NormalizedKey): Key {
    return this.originalKeys === undefined ? normalizedKey : this.originalKeys.originalKey(normalizedKey);
  }
}
