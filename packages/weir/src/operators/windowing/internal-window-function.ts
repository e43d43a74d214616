/**
 * @module InternalWindowFunction: what a window operator applies to a fired window's contents, built
 * from the user's functions: all elements to a ProcessWindowFunction, or the one result of a reduce
 * or aggregate passed through (or handed to a ProcessWindowFunction). A window with an evictor keeps
 * its elements and reduces or aggregates them when it fires. A ProcessAllWindowFunction (windowAll)
 * takes a ProcessWindowFunction's place through AllWindowFunctionAdapter.
 */
import type { Key } from '../../core/key-groups.ts';
import type { AggregateFunction, ReduceFunction } from '../../state/aggregate-function.ts';
import type { Collector, RichFunction } from '../functions.ts';
import type { ProcessAllWindowFunctionLike } from './process-all-window-function.ts';
import type { ProcessWindowFunctionContext, ProcessWindowFunctionLike } from './process-window-function.ts';
import type { Window } from './window.ts';

export interface InternalWindowFunction<IN, OUT, K extends Key, W extends Window> {
  /** The user's rich function, if any: opened and closed with the operator, told about checkpoints. */
  readonly userFunction: RichFunction | undefined;
  /** `input` is what the window state holds: the elements (an iterable) or the incremental result. */
  readonly process: (key: K, context: ProcessWindowFunctionContext<W>, input: IN, out: Collector<OUT>) => void;
  readonly clear: (context: ProcessWindowFunctionContext<W>) => void;
}

/**
 * A ProcessAllWindowFunction where a ProcessWindowFunction is expected. `windowAll` runs the keyed
 * window operators with one constant key (Flink's NullByteKeySelector); the adapter keeps that key
 * from the user's function, and keeps the user's object as `userFunction` so open, close and
 * checkpoint callbacks reach it.
 */
export class AllWindowFunctionAdapter<T, OUT, W extends Window> implements InternalWindowFunction<Iterable<T>, OUT, Key, W> {
  readonly userFunction: RichFunction | undefined;
  readonly process: (key: Key, context: ProcessWindowFunctionContext<W>, input: Iterable<T>, out: Collector<OUT>) => void;
  readonly clear: (context: ProcessWindowFunctionContext<W>) => void;

  constructor(fn: ProcessAllWindowFunctionLike<T, OUT, W>) {
    if (typeof fn === 'function') {
      this.userFunction = undefined;
      this.process = (_key, context, input, out) => fn(context, input, out);
      this.clear = () => {};
    } else {
      this.userFunction = fn;
      this.process = (_key, context, input, out) => fn.process(context, input, out);
      this.clear = (context) => fn.clear(context);
    }
  }
}

/** A user's window function: a ProcessWindowFunction, or an adapted ProcessAllWindowFunction. */
export type WindowFunctionLike<T, OUT, K extends Key, W extends Window> = ProcessWindowFunctionLike<T, OUT, K, W> | AllWindowFunctionAdapter<T, OUT, W>;

/** Every element of the window to a ProcessWindowFunction (or an adapted ProcessAllWindowFunction). */
export function iterableWindowFunction<T, OUT, K extends Key, W extends Window>(fn: WindowFunctionLike<T, OUT, K, W>): InternalWindowFunction<Iterable<T>, OUT, K, W> {
  if (fn instanceof AllWindowFunctionAdapter) return fn;
  if (typeof fn === 'function') return { userFunction: undefined, process: fn, clear: () => {} };
  return {
    userFunction: fn,
    process: (key, context, input, out) => {
      fn.process(key, context, input, out);
    },
    clear: (context) => {
      fn.clear(context);
    },
  };
}

/** The incremental result as it is, or as the one element a ProcessWindowFunction gets. */
export function singleValueWindowFunction<V, OUT, K extends Key, W extends Window>(fn: WindowFunctionLike<V, OUT, K, W> | undefined): InternalWindowFunction<V, OUT, K, W> {
  if (fn === undefined) {
    return { userFunction: undefined, process: (_key, _context, input, out) => (out as unknown as Collector<V>).collect(input), clear: () => {} };
  }
  const inner = iterableWindowFunction(fn);
  return { userFunction: inner.userFunction, process: (key, context, input, out) => inner.process(key, context, [input], out), clear: inner.clear };
}

/** For windows with an evictor: reduces the remaining elements, then as `singleValueWindowFunction`. */
export function reducingWindowFunction<T, OUT, K extends Key, W extends Window>(
  reduce: ReduceFunction<T>,
  fn: WindowFunctionLike<T, OUT, K, W> | undefined,
): InternalWindowFunction<Iterable<T>, OUT, K, W> {
  const then = singleValueWindowFunction(fn);
  return {
    userFunction: then.userFunction,
    process: (key, context, input, out) => {
      let result: T | undefined;
      let first = true;
      for (const value of input) {
        result = first ? value : reduce(result as T, value);
        first = false;
      }
      if (!first) then.process(key, context, result as T, out);
    },
    clear: then.clear,
  };
}

/** For windows with an evictor: aggregates the remaining elements, then as `singleValueWindowFunction`. */
export function aggregatingWindowFunction<T, ACC, V, OUT, K extends Key, W extends Window>(
  aggregate: AggregateFunction<T, ACC, V>,
  fn: WindowFunctionLike<V, OUT, K, W> | undefined,
): InternalWindowFunction<Iterable<T>, OUT, K, W> {
  const then = singleValueWindowFunction(fn);
  return {
    userFunction: then.userFunction,
    process: (key, context, input, out) => {
      let accumulator = aggregate.createAccumulator();
      for (const value of input) accumulator = aggregate.add(value, accumulator);
      then.process(key, context, aggregate.getResult(accumulator), out);
    },
    clear: then.clear,
  };
}
