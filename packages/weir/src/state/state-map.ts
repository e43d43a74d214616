/**
 * @module One key group's share of one state (Flink's `StateMap`): values by normalized key, plus the
 * original form of tuple keys so iteration can hand back the key the operator used.
 */
import type { Key } from '../core/key-groups.ts';
import type { NormalizedKey } from './internal-key-context.ts';

/** The values of one state for the keys of one key group. */
export class StateMap<V> {
  readonly entries = new Map<NormalizedKey, V>();
  /**
   * Original tuple keys by their normalized string; undefined until the first tuple key. Primitive
   * keys are their own normalized form and need no entry.
   */
  tupleKeys: Map<string, Key> | undefined = undefined;

  /** Called when a tuple key gets its first entry. */
  rememberKey(normalizedKey: string, key: Key): void {
    (this.tupleKeys ??= new Map()).set(normalizedKey, key);
  }

  forgetKey(normalizedKey: string): void {
    this.tupleKeys?.delete(normalizedKey);
  }

  /** The key as the operator passed it for an entry's normalized key. */
  originalKey(normalizedKey: NormalizedKey): Key {
    if (this.tupleKeys !== undefined && typeof normalizedKey === 'string') {
      const key = this.tupleKeys.get(normalizedKey);
      if (key !== undefined) return key;
    }
    return normalizedKey;
  }
}
