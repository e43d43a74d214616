/**
 * @module `AggregatingState` on the heap backend: the state table stores the accumulator; `get`
 * computes the result from it.
 */
import type { AggregateFunction } from './aggregate-function.ts';
import type { AggregatingState } from './state.ts';
import type { InternalMergingState } from './internal-kv-state.ts';
import type { StateTable } from './state-table.ts';

/** Heap `AggregatingState<IN, OUT>`; created by `HeapKeyedStateBackend.getState`. */
export class HeapAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT>, InternalMergingState {
  readonly name: string;
  private readonly table: StateTable<ACC>;
  private readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>;

  constructor(table: StateTable<ACC>, aggregateFunction: AggregateFunction<IN, ACC, OUT>) {
    this.name = table.name;
    this.table = table;
    this.aggregateFunction = aggregateFunction;
  }

  get(): OUT | undefined {
    const accumulator = this.table.get();
    return accumulator === undefined ? undefined : this.aggregateFunction.getResult(accumulator);
  }

  add(value: IN | undefined): void {
    if (value === undefined) {
      this.table.remove();
      return;
    }
    // getForUpdate: aggregate functions usually mutate the accumulator in place
    const accumulator = this.table.getForUpdate() ?? this.aggregateFunction.createAccumulator();
    this.table.put(this.aggregateFunction.add(value, accumulator));
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
    const aggregateFunction = this.aggregateFunction;
    this.table.mergeNamespaces(target, sources, (a, b) => aggregateFunction.merge(a, b));
  }
}
