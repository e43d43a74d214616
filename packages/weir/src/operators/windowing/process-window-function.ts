/**
 * @module ProcessWindowFunction (Flink's): gets all elements of a fired window (or the one result of
 * an incremental reduce or aggregate) with its key and a context: the window, time, per-window and
 * per-key state, side outputs.
 */
import { RichFunction, type Collector, type RuntimeContext } from '../functions.ts';
import type { OutputTag } from '../output-tag.ts';
import type { Key } from '../../core/key-groups.ts';
import type { Window } from './window.ts';

/** Keyed state a window function reaches: scoped to the key (and, for `windowState()`, to the window). */
export type KeyedStateStore = Pick<RuntimeContext, 'getState' | 'getListState' | 'getMapState' | 'getReducingState' | 'getAggregatingState'>;

/** What a ProcessWindowFunction sees besides the elements. */
export interface ProcessWindowFunctionContext<W extends Window> {
  /** The window being evaluated. */
  window(): W;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** State of this key and window; clear it in `clear()`, which runs when the window is purged for good. */
  windowState(): KeyedStateStore;
  /** State of this key, across its windows. */
  globalState(): KeyedStateStore;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Evaluates a fired window. With `reduce(fn, processWindowFunction)` or `aggregate(fn,
 * processWindowFunction)` the elements are the one incremental result.
 *
 * @example
 * class CountPerWindow extends ProcessWindowFunction<Click, [string, number, number], string, TimeWindow> {
 *   process(user: string, ctx: ProcessWindowFunctionContext<TimeWindow>, clicks: Iterable<Click>, out: Collector<[string, number, number]>) {
 *     out.collect([user, ctx.window().start, [...clicks].length]);
 *   }
 * }
 */
export abstract class ProcessWindowFunction<IN, OUT, K extends Key, W extends Window> extends RichFunction {
  abstract process(key: K, context: ProcessWindowFunctionContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;

  /** The window is purged for good (after its allowed lateness): clear what `windowState()` holds for it. */
  clear(_context: ProcessWindowFunctionContext<W>): void {}
}

/** A ProcessWindowFunction or a plain function with its `process` signature. */
export type ProcessWindowFunctionLike<IN, OUT, K extends Key, W extends Window> =
  | ProcessWindowFunction<IN, OUT, K, W>
  | ((key: K, context: ProcessWindowFunctionContext<W>, elements: Iterable<IN>, out: Collector<OUT>) => void);
