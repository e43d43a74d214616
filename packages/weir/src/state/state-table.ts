/**
 * @module Where the heap backend keeps one state's values (Flink's `StateTable`): one map per key
 * group, scoped by the backend's current key and the table's current namespace.
 *
 * Layout: `stateMaps[keyGroup - keyGroupRange.start]` is that key group's map (`StateMap`, or
 * `NamespacedStateMap` for state kept per namespace), created on the first write. Nothing is kept in
 * one flat map across key groups, on purpose:
 * - copy-on-write snapshots freeze each key group's map at the barrier and clone it on the first
 *   write after, so the synchronous part of a snapshot is O(key groups), not O(keys), and the
 *   asynchronous part writes one key group after the other;
 * - rescaling hands whole key-group maps to the subtask that now owns the group.
 * Values are mutated in place (list arrays, user maps, accumulators), so every in-place write goes
 * through `getForUpdate()`: the one seam where copy-on-write copies a value that a snapshot still
 * references. Tuple keys are stored by their normalized string; without namespaces the tuple is
 * parsed back from it (`denormalizeKey`), with namespaces `OriginalKeys` keeps it.
 *
 * Copy-on-write: `freeze()` counts a snapshot on every key group's current map (`snapshotRefs`). A
 * write to a map with `snapshotRefs > 0` first replaces it by a copy (the map is copied, the values
 * are shared), and the copy remembers which keys' values it owns, so `getForUpdate()` copies a shared
 * value once (`copyForUpdate`) before the caller mutates it. Values written with `put` are new
 * objects by contract; values are never mutated except through `getForUpdate()`.
 *
 * Change tracking (incremental checkpoints): once a snapshot is frozen with `changes`, every write
 * (`put`, an actual `remove`, a `getForUpdate` that hands out a value, and so `mergeNamespaces`) marks
 * its key (and namespace) in a change set per key group, kept on the table beside `stateMaps`
 * because the maps themselves are replaced by copies after a freeze. A `'delta'` freeze takes the
 * change sets and starts new ones. With namespaces, its writer looks each changed key up in the
 * frozen map: present is an upsert with the frozen value, absent a removal. Without namespaces the
 * change sets hold each key's last value (or its removal) themselves, so a delta freezes no map and
 * later writes copy none; `getForUpdate()` copies a value a delta not yet written holds, once, as
 * for a full snapshot. Until the first such freeze the write path pays one field check.
 */
import type { Key } from '../core/key-groups.ts';
import type { DataInput } from '../types/data-input.ts';
import type { DataOutput } from '../types/data-output.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';

/** The serializers one state's entries are written to and read from a snapshot with. */
export interface StateSerializers {
  readonly namespace: TypeSerializer<unknown>;
  /** What the table holds per key: the value, the list's array, the user map or the accumulator. */
  readonly value: TypeSerializer<unknown>;
}

/**
 * How a freeze relates to change tracking: `'full'` (re)starts it, `'delta'` also captures the changes
 * since the previous `changes` freeze; without it a freeze leaves tracking alone.
 */
export type SnapshotChanges = 'full' | 'delta';

/** One state's key-group maps as a snapshot froze them; written later, off the record path. */
export interface FrozenStateTable {
  /**
   * Writes the entries of one key group (`keyGroupIndex` counts from the range start), or, for a
   * `'delta'` freeze, its changes (see `keyed-state-snapshot.ts` for both layouts).
   */
  writeKeyGroup(keyGroupIndex: number, out: DataOutput, serializers: StateSerializers): void;
  /**
   * For a `'delta'` freeze whose checkpoint was aborted: hands its changes back to the table, so that
   * its next delta writes them too (under any newer change); call before `release()`. False when it
   * cannot: a full freeze, released already, or the table stopped tracking changes since.
   */
  giveBack(): boolean;
  /** Drops the snapshot's hold on the maps; idempotent. */
  release(): void;
}

/** One state's values for every key (and namespace) of a backend's key-group range. */
export interface StateTable<S> {
  readonly name: string;
  /** True when values are kept per (key, namespace); false for the void namespace only. */
  readonly namespaced: boolean;
  /** The value for the current key and namespace. */
  get(): S | undefined;
  /** Like `get`, for a caller about to mutate the returned value in place. */
  getForUpdate(): S | undefined;
  put(value: S): void;
  /** Removes the value for the current key and namespace, if any. */
  remove(): void;
  setCurrentNamespace(namespace: unknown): void;
  getCurrentNamespace(): unknown;
  /**
   * For the current key, combines the values under `sources` into `target` with `merge`, removes the
   * sources and restores the current namespace.
   */
  mergeNamespaces(target: unknown, sources: Iterable<unknown>, merge: (a: S, b: S) => S): void;
  /** Keys with a value under `namespace`, or with any value when `namespace` is undefined. */
  keys(namespace?: unknown): IterableIterator<Key>;
  keysAndNamespaces(): IterableIterator<[Key, unknown]>;
  /** How many keys have a value (under any namespace). */
  numKeys(): number;
  /** How many values there are: one per key, or per (key, namespace); in time proportional to key groups and namespaces. */
  numEntries(): number;
  /** Drops every value of every key group, and any tracked changes (dispose). */
  clearAll(): void;
  /**
   * Copies a value that a snapshot may share before `getForUpdate` hands it out for mutation: the
   * list's array, the user map, the accumulator. Set by the backend from the state's kind.
   */
  copyForUpdate: (value: S) => S;
  /**
   * Freezes every key group's current map for a snapshot, in time proportional to key groups. With
   * `changes`, change tracking (re)starts at this moment; `'delta'` requires it to be running already
   * and hands the changes since the previous `changes` freeze to the frozen table.
   */
  freeze(changes?: SnapshotChanges): FrozenStateTable;
  /** Starts tracking changes with an empty change set, as for a table created after a `changes` freeze. */
  trackChanges(): void;
  /** Stops tracking changes and drops them (state changed wholesale: a later delta must be a full snapshot). */
  stopTrackingChanges(): void;
  /**
   * Loads one key group's entries as `FrozenStateTable.writeKeyGroup` wrote them (restore). Throws
   * SERIALIZATION_FAILED for a key that does not belong to `keyGroup`.
   */
  readKeyGroup(keyGroup: number, input: DataInput, serializers: StateSerializers): void;
  /**
   * Applies one key group's changes as a `'delta'` freeze wrote them onto what earlier reads restored
   * (restore): upserts replace values, removals delete them. Throws SERIALIZATION_FAILED like `readKeyGroup`.
   */
  readKeyGroupChanges(keyGroup: number, input: DataInput, serializers: StateSerializers): void;
  /** Replaces every value by `migrate(value)` (schema migration after a restore); frozen maps are copied first. */
  transformValues(migrate: (value: S) => S): void;
}
