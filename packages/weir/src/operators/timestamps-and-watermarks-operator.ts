/**
 * @module The operator behind `assignTimestampsAndWatermarks` (Flink's TimestampsAndWatermarksOperator):
 * it gives each record its event timestamp and makes watermarks with the strategy's generator, on
 * events and every auto-watermark interval. Watermarks from upstream are dropped, except the final
 * one, which ends event time.
 */
import { MAX_WATERMARK } from '../core/stream-element.ts';
import type { OneInputStreamOperator, Output, StreamOperatorContext } from './stream-operator.ts';
import type { WatermarkGenerator, WatermarkOutput } from './watermark-generator.ts';
import type { WatermarkStrategy } from './watermark-strategy.ts';

export class TimestampsAndWatermarksOperator<T> implements OneInputStreamOperator<T, T>, WatermarkOutput {
  readonly #strategy: WatermarkStrategy<T>;
  readonly #interval: number;
  readonly #context: StreamOperatorContext;
  readonly #output: Output<T>;
  #generator: WatermarkGenerator<T> | undefined;
  #assign: ((event: T, recordTimestamp: number) => number) | undefined;
  #currentWatermark = Number.NEGATIVE_INFINITY;
  #idle = false;
  #cancelTimer: (() => void) | undefined;

  /** `autoWatermarkInterval` in ms; 0 emits no periodic watermarks. */
  constructor(strategy: WatermarkStrategy<T>, autoWatermarkInterval: number, context: StreamOperatorContext, output: Output<T>) {
    this.#strategy = strategy;
    this.#interval = autoWatermarkInterval;
    this.#context = context;
    this.#output = output;
  }

  open(): void {
    this.#generator = this.#strategy.createWatermarkGenerator({ clock: this.#context.clock, description: this.#context.description });
    this.#assign = this.#strategy.createTimestampAssigner(this.#context.description);
    if (this.#interval > 0) this.#schedule(this.#context.processingTimeService.now() + this.#interval);
  }

  processElement(value: T, timestamp: number): void {
    const eventTimestamp = (this.#assign as (event: T, recordTimestamp: number) => number)(value, timestamp);
    if (this.#idle) this.markActive();
    this.#output.collect(value, eventTimestamp);
    (this.#generator as WatermarkGenerator<T>).onEvent(value, eventTimestamp, this);
  }

  processWatermark(timestamp: number): void {
    // Only the end of input passes: this operator makes the watermarks from here on.
    if (timestamp === MAX_WATERMARK && this.#currentWatermark !== MAX_WATERMARK) {
      if (this.#idle) this.markActive();
      this.#currentWatermark = MAX_WATERMARK;
      this.#output.emitWatermark(MAX_WATERMARK);
    }
  }

  /** Upstream idleness is not passed on: this operator's own generator decides (withIdleness). */
  processWatermarkStatus(): void {}

  finish(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  close(): void {
    this.finish();
  }

  emitWatermark(timestamp: number): void {
    if (timestamp <= this.#currentWatermark) return;
    if (this.#idle) this.markActive();
    this.#currentWatermark = timestamp;
    this.#output.emitWatermark(timestamp);
  }

  markIdle(): void {
    if (this.#idle) return;
    this.#idle = true;
    this.#output.emitWatermarkStatus(true);
  }

  markActive(): void {
    if (!this.#idle) return;
    this.#idle = false;
    this.#output.emitWatermarkStatus(false);
  }

  #schedule(time: number): void {
    this.#cancelTimer = this.#context.processingTimeService.registerTimer(time, (fired) => {
      (this.#generator as WatermarkGenerator<T>).onPeriodicEmit(this);
      this.#schedule(Math.max(fired + this.#interval, this.#context.processingTimeService.now()));
    });
  }
}
