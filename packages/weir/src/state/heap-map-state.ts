/**
 * @module `MapState` on the heap backend: the state table stores one `Map` per key (and namespace);
 * a key whose map becomes empty has no state.
 */
import type { MapState } from './state.ts';
import type { InternalKvState } from './internal-kv-state.ts';
import type { StateTable } from './state-table.ts';

const EMPTY: readonly never[] = Object.freeze([]);

/** Heap `MapState<UK, UV>`; created by `HeapKeyedStateBackend.getState`. */
export class HeapMapState<UK, UV> implements MapState<UK, UV>, InternalKvState {
  readonly name: string;
  private readonly table: StateTable<Map<UK, UV>>;

  constructor(table: StateTable<Map<UK, UV>>) {
    this.name = table.name;
    this.table = table;
  }

  get(key: UK): UV | undefined {
    return this.table.get()?.get(key);
  }

  put(key: UK, value: UV): void {
    const map = this.table.getForUpdate();
    if (map === undefined) this.table.put(new Map([[key, value]]));
    else map.set(key, value);
  }

  putAll(entries: Iterable<readonly [UK, UV]>): void {
    let map = this.table.getForUpdate();
    for (const [key, value] of entries) {
      if (map === undefined) {
        map = new Map();
        this.table.put(map);
      }
      map.set(key, value);
    }
  }

  remove(key: UK): void {
    const map = this.table.getForUpdate();
    if (map === undefined || !map.delete(key)) return;
    // an empty map is no state, as in Flink, so isEmpty and key iteration stay exact
    if (map.size === 0) this.table.remove();
  }

  contains(key: UK): boolean {
    return this.table.get()?.has(key) ?? false;
  }

  entries(): Iterable<[UK, UV]> {
    return this.table.get()?.entries() ?? EMPTY;
  }

  keys(): Iterable<UK> {
    return this.table.get()?.keys() ?? EMPTY;
  }

  values(): Iterable<UV> {
    return this.table.get()?.values() ?? EMPTY;
  }

  isEmpty(): boolean {
    return this.table.get() === undefined;
  }

  clear(): void {
    this.table.remove();
  }

  [Symbol.iterator](): Iterator<[UK, UV]> {
    return this.entries()[Symbol.iterator]();
  }

  setCurrentNamespace(namespace: unknown): void {
    this.table.setCurrentNamespace(namespace);
  }

  getCurrentNamespace(): unknown {
    return this.table.getCurrentNamespace();
  }
}
