/**
 * @module The user functions that reducing and aggregating state apply on every `add` (Flink's
 * `ReduceFunction` and `AggregateFunction`).
 */

/**
 * Combines two values of one type into one; must be associative, because window merging and
 * rescaling combine partial results in any grouping.
 */
export type ReduceFunction<T> = (a: T, b: T) => T;

/**
 * An incremental aggregation with an accumulator (Flink's `AggregateFunction`): the accumulator is
 * what state stores, `getResult` is what `get()` returns.
 *
 * @example
 * const average: AggregateFunction<number, { sum: number; count: number }, number> = {
 *   createAccumulator: () => ({ sum: 0, count: 0 }),
 *   add: (value, acc) => ({ sum: acc.sum + value, count: acc.count + 1 }),
 *   getResult: (acc) => acc.sum / acc.count,
 *   merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
 * };
 */
export interface AggregateFunction<IN, ACC, OUT> {
  /** A fresh, empty accumulator; called for the first value of a key (and namespace). */
  createAccumulator(): ACC;
  /** Adds `value` to `accumulator` and returns the accumulator (the same object or a new one). */
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  /** Combines two accumulators; used when merging windows. */
  merge(a: ACC, b: ACC): ACC;
}
