/**
 * @module The WatermarkGenerator contract (Flink's): a generator sees every event's timestamp and
 * emits watermarks, on events (punctuated) or when asked periodically, through a WatermarkOutput
 * that can also mark the input idle.
 */
import type { Clock } from '../core/clock.ts';

/** Where a generator emits watermarks and declares its input idle or active. */
export interface WatermarkOutput {
  /** Emits a watermark: no event with a timestamp at or below it should follow. Lower or equal ones are ignored. */
  emitWatermark(timestamp: number): void;
  /** No events arrive for now: this input's watermark does not hold event time back downstream. */
  markIdle(): void;
  /** Events arrive again; emitting a watermark marks the output active as well. */
  markActive(): void;
}

/**
 * Makes watermarks from the events' timestamps. `onEvent` runs after each event is emitted;
 * `onPeriodicEmit` every `pipeline.auto-watermark-interval` (200 ms by default).
 *
 * @example
 * // a punctuated generator: a watermark after every event that carries one
 * const punctuated: WatermarkGenerator<Tick> = {
 *   onEvent: (tick, timestamp, output) => { if (tick.isMarker) output.emitWatermark(timestamp); },
 *   onPeriodicEmit: () => {},
 * };
 */
export interface WatermarkGenerator<T> {
  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void;
  onPeriodicEmit(output: WatermarkOutput): void;
}

/** What a strategy gets when it creates a generator (one per source split, or per operator subtask). */
export interface WatermarkGeneratorSupplierContext {
  /** Processing time, for generators that measure it (idleness). */
  readonly clock: Clock;
  /** `source 'name' (uid x) subtask i/p` (or an operator's), for error messages. */
  readonly description: string;
}

/** Creates a generator; a strategy calls it once per split or subtask. */
export type WatermarkGeneratorSupplier<T> = (context: WatermarkGeneratorSupplierContext) => WatermarkGenerator<T>;

/**
 * Extracts an event's timestamp in epoch milliseconds; `recordTimestamp` is the one the source gave
 * the record (`-Infinity` when it had none).
 */
export type TimestampAssigner<T> = ((event: T, recordTimestamp: number) => number) | { extractTimestamp(event: T, recordTimestamp: number): number };
