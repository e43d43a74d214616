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
 * through `getForUpdate()`: the one seam where copy-on-write will copy a value that a snapshot still
 * references. Tuple keys are stored by their normalized string; `OriginalKeys` keeps the tuple.
 */
import type { Key } from '../core/key-groups.ts';

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
  /** Drops every value of every key group (dispose). */
  clearAll(): void;
}
