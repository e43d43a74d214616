/**
 * @module `ValueState` on the heap backend: the value itself is what the state table stores.
 */
import type { ValueState } from './state.ts';
import type { InternalKvState } from './internal-kv-state.ts';
import type { StateTable } from './state-table.ts';

/** Heap `ValueState<T>`; created by `HeapKeyedStateBackend.getState`. */
export class HeapValueState<T> implements ValueState<T>, InternalKvState {
  readonly name: string;
  private readonly table: StateTable<T>;

  constructor(table: StateTable<T>) {
    this.name = table.name;
    this.table = table;
  }

  value(): T | undefined {
    return this.table.get();
  }

  update(value: T | undefined): void {
    if (value === undefined) this.table.remove();
    else this.table.put(value);
  }

  clear(): void {
    this.table.remove();
  }

  setCurrentNamespace(namespace: unknown): void {
    this.table.setCurrentNamespace(namespace);
  }

  getCurrentNamespace(): unknown {
    return this.table.getCurrentNamespace();
  }
}
