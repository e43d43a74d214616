/**
 * @module One key group's share of one state without namespaces (Flink's `StateMap`): values by
 * normalized key, plus the original form of tuple keys, and the bookkeeping of copy-on-write snapshots.
 */
import type { Key } from '../core/key-groups.ts';
import type { NormalizedKey } from './internal-key-context.ts';
import type { OriginalKeys } from './original-keys.ts';

/** The values of one state for the keys of one key group. */
export class StateMap<V> {
  readonly entries: Map<NormalizedKey, V>;
  /** Undefined until the first tuple key, so states keyed by primitives pay nothing. */
  originalKeys: OriginalKeys | undefined;
  /** How many snapshots hold this map. Above 0 the map is frozen: a write replaces it by a `copy()`. */
  snapshotRefs = 0;
  /**
   * Defined while this map may share values with a frozen map (it is a copy of one and a snapshot is
   * outstanding): the keys whose values it has since copied for in-place updates, so each is copied
   * once. Keys only ever join: a value can become shared again only by copying the whole map.
   */
  ownedKeys: Set<NormalizedKey> | undefined = undefined;

  constructor(entries: Map<NormalizedKey, V> = new Map(), originalKeys?: OriginalKeys) {
    this.entries = entries;
    this.originalKeys = originalKeys;
  }

  /** The key as the operator passed it, for an entry's normalized key. */
  originalKey(normalizedKey: NormalizedKey): Key {
    return this.originalKeys === undefined ? normalizedKey : this.originalKeys.originalKey(normalizedKey);
  }

  /** A writable copy of this (frozen) map: its own entries, the values still shared. */
  copy(): StateMap<V> {
    const copy = new StateMap<V>(new Map(this.entries), this.originalKeys?.copy());
    copy.ownedKeys = new Set();
    return copy;
  }
}
