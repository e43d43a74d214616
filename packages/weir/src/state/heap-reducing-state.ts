/**
 * @module `ReducingState` on the heap backend: the state table stores the reduced value.
 */
import type { ReduceFunction } from './aggregate-function.ts';
import type { ReducingState } from './state.ts';
import type { InternalMergingState } from './internal-kv-state.ts';
import type { StateTable } from './state-table.ts';

/** Heap `ReducingState<T>`; created by `HeapKeyedStateBackend.getState`. */
export class HeapReducingState<T> implements ReducingState<T>, InternalMergingState {
  readonly name: string;
  private readonly table: StateTable<T>;
  private readonly reduceFunction: ReduceFunction<T>;

  constructor(table: StateTable<T>, reduceFunction: ReduceFunction<T>) {
    this.name = table.name;
    this.table = table;
    this.reduceFunction = reduceFunction;
  }

  get(): T | undefined {
    return this.table.get();
  }

  add(value: T | undefined): void {
    if (value === undefined) {
      this.table.remove();
      return;
    }
    // getForUpdate: the reduce function may mutate and return its first argument
    const current = this.table.getForUpdate();
    this.table.put(current === undefined ? value : this.reduceFunction(current, value));
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

  mergeNamespaces(target: unknown, sources: Iterable<unknown>): void {
    this.table.mergeNamespaces(target, sources, this.reduceFunction);
  }
}
