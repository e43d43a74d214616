/**
 * @module Broadcast state (Flink's `BroadcastState`): a map per operator subtask that every subtask of
 * a broadcast operator holds alike, because each receives every broadcast record. It lives in the
 * operator state backend; a restore hands every new subtask one old subtask's copy.
 */

/** What the non-broadcast side of a broadcast operator sees: the map, without writes. */
export interface ReadOnlyBroadcastState<K, V> {
  get(key: K): V | undefined;
  contains(key: K): boolean;
  /** The entries as fresh pairs; do not change the values (they are shared with the state). */
  immutableEntries(): Iterable<readonly [K, V]>;
}

/**
 * The broadcast side's view. Keep every subtask's copy the same: change it only from the broadcast
 * records (which every subtask receives in the same order) and only as a function of them.
 */
export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V> {
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]>): void;
  remove(key: K): void;
  clear(): void;
  /** A live view of the entries: do not keep it across a write. */
  entries(): Iterable<[K, V]>;
  [Symbol.iterator](): Iterator<[K, V]>;
}

/** Broadcast state on the heap: one `Map`, copied into a snapshot in the synchronous phase. */
export class HeapBroadcastState<K, V> implements BroadcastState<K, V> {
  readonly name: string;
  #map: Map<K, V>;

  constructor(name: string, entries: Iterable<readonly [K, V]> = []) {
    this.name = name;
    this.#map = new Map(entries);
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  contains(key: K): boolean {
    return this.#map.has(key);
  }

  *immutableEntries(): Iterable<readonly [K, V]> {
    for (const [key, value] of this.#map) yield [key, value] as const;
  }

  put(key: K, value: V): void {
    this.#map.set(key, value);
  }

  putAll(entries: Iterable<readonly [K, V]>): void {
    for (const [key, value] of entries) this.#map.set(key, value);
  }

  remove(key: K): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map = new Map();
  }

  entries(): Iterable<[K, V]> {
    return this.#map.entries();
  }

  [Symbol.iterator](): Iterator<[K, V]> {
    return this.#map.entries();
  }

  get size(): number {
    return this.#map.size;
  }

  /** The entries as `[key, value]` pairs, for a snapshot. */
  toPairs(): [K, V][] {
    return Array.from(this.#map);
  }
}

/** A read-only view of `state`, for the non-broadcast side. */
export function readOnlyBroadcastState<K, V>(state: BroadcastState<K, V>): ReadOnlyBroadcastState<K, V> {
  return {
    get: (key) => state.get(key),
    contains: (key) => state.contains(key),
    immutableEntries: () => state.immutableEntries(),
  };
}
