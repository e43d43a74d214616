/**
 * @module ProgressiveTimestampsAndWatermarks: runs a WatermarkStrategy inside a source task, as
 * Flink's does. Each split the reader emits through (`createOutputForSplit`) gets its own timestamp
 * assigner and watermark generator; a reader that emits through its main output is one such part.
 * The task's watermark is the minimum over the parts that are not idle, and the task is idle when
 * they all are (or when the reader has no splits at all).
 */
import type { Clock } from '../core/clock.ts';
import { MAX_WATERMARK } from '../core/stream-element.ts';
import type { ReaderOutput } from './source.ts';
import type { Output } from './stream-operator.ts';
import type { WatermarkGenerator, WatermarkOutput } from './watermark-generator.ts';
import type { WatermarkStrategy } from './watermark-strategy.ts';

export interface ProgressiveTimestampsAndWatermarksOptions<T> {
  readonly strategy: WatermarkStrategy<T>;
  readonly clock: Clock;
  /** `source 'name' (uid x) subtask i/p`, for error messages. */
  readonly description: string;
  /** Where records, watermarks and statuses go: the source's chain. */
  readonly output: Output<T>;
  /** False when the reader was given no split: it is idle from the start. */
  readonly hasSplits: boolean;
  /** Called for every record (the task counts them). */
  readonly onRecord?: (() => void) | undefined;
}

/** The records, generator and watermark of one split (or of the reader's main output). */
class SplitPart<T> implements ReaderOutput<T>, WatermarkOutput {
  watermark = Number.NEGATIVE_INFINITY;
  idle = false;
  /** True once a record went through this part. */
  used = false;
  readonly #owner: ProgressiveTimestampsAndWatermarks<T>;
  readonly #generator: WatermarkGenerator<T>;
  readonly #assign: (event: T, recordTimestamp: number) => number;
  readonly #output: Output<T>;
  readonly #onRecord: (() => void) | undefined;

  constructor(owner: ProgressiveTimestampsAndWatermarks<T>, options: ProgressiveTimestampsAndWatermarksOptions<T>, what: string) {
    this.#owner = owner;
    const description = `${options.description} (${what})`;
    this.#generator = options.strategy.createWatermarkGenerator({ clock: options.clock, description });
    this.#assign = options.strategy.createTimestampAssigner(description);
    this.#output = options.output;
    this.#onRecord = options.onRecord;
  }

  collect(value: T, timestamp?: number): void {
    const eventTimestamp = this.#assign(value, timestamp ?? Number.NEGATIVE_INFINITY);
    this.used = true;
    this.#onRecord?.();
    if (this.idle) {
      this.idle = false;
      this.#owner.update();
    }
    this.#output.collect(value, eventTimestamp);
    this.#generator.onEvent(value, eventTimestamp, this);
  }

  emitPeriodic(): void {
    this.#generator.onPeriodicEmit(this);
  }

  emitWatermark(timestamp: number): void {
    if (timestamp <= this.watermark && !this.idle) return;
    if (timestamp > this.watermark) this.watermark = timestamp;
    this.idle = false;
    this.#owner.update();
  }

  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.#owner.update();
  }

  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.#owner.update();
  }
}

export class ProgressiveTimestampsAndWatermarks<T> {
  readonly #options: ProgressiveTimestampsAndWatermarksOptions<T>;
  /** Split parts by split id. */
  readonly #splits = new Map<string, SplitPart<T>>();
  /** The reader's main output; dropped once the reader emits through split outputs instead. */
  #main: SplitPart<T> | undefined;
  #lastWatermark = Number.NEGATIVE_INFINITY;
  #idle = false;
  /** The ReaderOutput the task hands to `pollNext`. */
  readonly readerOutput: ReaderOutput<T>;

  constructor(options: ProgressiveTimestampsAndWatermarksOptions<T>) {
    this.#options = options;
    const main = new SplitPart<T>(this, options, 'main output');
    this.#main = options.hasSplits ? main : undefined;
    this.readerOutput = {
      collect: (value, timestamp) => {
        if (this.#main !== main) {
          // A reader without splits, or one that also used split outputs: its main output is a part again.
          this.#main = main;
        }
        main.collect(value, timestamp);
      },
      createOutputForSplit: (splitId) => this.#splitOutput(splitId),
      releaseOutputForSplit: (splitId) => {
        // Releasing the last split leaves watermark and status as they were (Flink's multiplexer does
        // the same): going idle here would let downstream run ahead of records still in flight from it.
        if (this.#splits.delete(splitId) && (this.#splits.size > 0 || this.#main !== undefined)) this.update();
      },
    };
    this.update();
  }

  /** True while the source's output is idle. */
  get idle(): boolean {
    return this.#idle;
  }

  /** Asks every generator for its periodic watermark (every `pipeline.auto-watermark-interval`). */
  emitPeriodicWatermark(): void {
    this.#main?.emitPeriodic();
    for (const part of this.#splits.values()) part.emitPeriodic();
  }

  /** The end of input: the final watermark, after marking the output active if it was idle. */
  emitFinalWatermark(): void {
    if (this.#idle) {
      this.#idle = false;
      this.#options.output.emitWatermarkStatus(false);
    }
    if (this.#lastWatermark < MAX_WATERMARK) {
      this.#lastWatermark = MAX_WATERMARK;
      this.#options.output.emitWatermark(MAX_WATERMARK);
    }
  }

  /** Recomputes the combined watermark and status, emitting what changed. */
  update(): void {
    let min = Number.POSITIVE_INFINITY;
    let active = false;
    const main = this.#main;
    if (main !== undefined && !main.idle) {
      active = true;
      min = main.watermark;
    }
    for (const part of this.#splits.values()) {
      if (part.idle) continue;
      active = true;
      if (part.watermark < min) min = part.watermark;
    }
    const output = this.#options.output;
    if (!active) {
      if (!this.#idle) {
        this.#idle = true;
        output.emitWatermarkStatus(true);
      }
      return;
    }
    if (this.#idle) {
      this.#idle = false;
      output.emitWatermarkStatus(false);
    }
    if (min > this.#lastWatermark) {
      this.#lastWatermark = min;
      output.emitWatermark(min);
    }
  }

  #splitOutput(splitId: string): ReaderOutput<T> {
    let part = this.#splits.get(splitId);
    if (part === undefined) {
      part = new SplitPart<T>(this, this.#options, `split ${splitId}`);
      this.#splits.set(splitId, part);
      // The reader emits per split: its unused main output must not hold the watermark back.
      if (this.#main !== undefined && !this.#main.used) this.#main = undefined;
      this.update();
    }
    return part;
  }
}
