/**
 * @module ProcessAllWindowFunction (Flink's): evaluates a fired window of a non-keyed stream
 * (`windowAll`) with the window's elements (or the one result of an incremental reduce or aggregate)
 * and a context: the window, time, per-window and operator-wide state, side outputs. No key.
 */
import { RichFunction, type Collector } from '../functions.ts';
import type { ProcessWindowFunctionContext } from './process-window-function.ts';
import type { Window } from './window.ts';

/**
 * What a ProcessAllWindowFunction sees besides the elements: `window()`, `currentProcessingTime()`,
 * `currentWatermark()`, `windowState()` (state of this window; clear it in `clear()`), `globalState()`
 * (state across all windows of the operator) and `output(tag, value)`.
 */
export type ProcessAllWindowFunctionContext<W extends Window> = ProcessWindowFunctionContext<W>;

/**
 * Evaluates a fired window of `stream.windowAll(assigner)`. With `reduce(fn, processAllWindowFunction)`
 * or `aggregate(fn, processAllWindowFunction)` the elements are the one incremental result.
 *
 * @example
 * class ClicksPerMinute extends ProcessAllWindowFunction<Click, [number, number], TimeWindow> {
 *   process(ctx: ProcessAllWindowFunctionContext<TimeWindow>, clicks: Iterable<Click>, out: Collector<[number, number]>) {
 *     out.collect([ctx.window().start, [...clicks].length]);
 *   }
 * }
 */
export abstract class ProcessAllWindowFunction<IN, OUT, W extends Window> extends RichFunction {
  abstract process(context: ProcessAllWindowFunctionContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;

  /** The window is purged for good (after its allowed lateness): clear what `windowState()` holds for it. */
  clear(_context: ProcessAllWindowFunctionContext<W>): void {}
}

/** A ProcessAllWindowFunction or a plain function with its `process` signature. */
export type ProcessAllWindowFunctionLike<IN, OUT, W extends Window> =
  | ProcessAllWindowFunction<IN, OUT, W>
  | ((context: ProcessAllWindowFunctionContext<W>, elements: Iterable<IN>, out: Collector<OUT>) => void);
