/**
 * @module One key group's share of one state without namespaces (Flink's `StateMap`): values by
 * normalized key (a tuple key by its canonical string, which gives the tuple back), and the
 * bookkeeping of copy-on-write snapshots.
 */
import type { NormalizedKey } from './internal-key-context.ts';

/** The values of one state for the keys of one key group. */
export class StateMap<V> {
  readonly entries: Map<NormalizedKey, V>;
  /** How many full snapshots hold this map. Above 0 the map is frozen: a write replaces it by a `copy()`. */
  snapshotRefs = 0;
  /**
   * Defined while this map may share values with a frozen map (it is a copy of one and a snapshot is
   * outstanding): the keys whose values it has since copied for in-place updates, so each is copied
   * once. Keys only ever join: a value can become shared again only by copying the whole map.
   */
  ownedKeys: Set<NormalizedKey> | undefined = undefined;

  constructor(entries: Map<NormalizedKey, V> = new Map()) {
    this.entries = entries;
  }

  /** A writable copy of this (frozen) map: its own entries, the values still shared. */
  copy(): StateMap<V> {
    const copy = new StateMap<V>(new Map(this.entries));
    copy.ownedKeys = new Set();
    return copy;
  }
}
