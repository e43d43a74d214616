/**
 * @module The process operator for non-keyed streams: a ProcessFunction sees each record's timestamp
 * and the current time; timers need a keyed stream.
 */
import { WeirError } from '../core/errors.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import { closeFunction, openFunction, type ProcessContext, type ProcessFunction, type TimerService } from './functions.ts';
import { createRuntimeContext } from './runtime-context.ts';
import type { OneInputStreamOperator, Output, StreamOperatorContext } from './stream-operator.ts';
import type { OutputTag } from './output-tag.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class ProcessOperator<IN, OUT> implements OneInputStreamOperator<IN, OUT>, ProcessContext, TimerService {
  readonly #fn: ProcessFunction<IN, OUT>;
  readonly #context: StreamOperatorContext;
  readonly #output: Output<OUT>;
  readonly #collector: TimestampedCollector<OUT>;
  #watermark = Number.NEGATIVE_INFINITY;

  constructor(fn: ProcessFunction<IN, OUT>, context: StreamOperatorContext, output: Output<OUT>) {
    this.#fn = fn;
    this.#context = context;
    this.#output = output;
    this.#collector = new TimestampedCollector(output);
  }

  get userFunction(): unknown {
    return this.#fn;
  }

  async open(): Promise<void> {
    await openFunction(this.#fn, createRuntimeContext(this.#context));
  }

  processElement(value: IN, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.#fn.processElement(value, this, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'processElement()', error);
    }
  }

  processWatermark(timestamp: number): void {
    this.#watermark = timestamp;
    this.#output.emitWatermark(timestamp);
  }

  finish(): void {}

  async close(): Promise<void> {
    await closeFunction(this.#fn);
  }

  timestamp(): number | undefined {
    const t = this.#collector.timestamp;
    return t === NO_TIMESTAMP ? undefined : t;
  }

  timerService(): TimerService {
    return this;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    this.#output.collectSide(tag, value, this.#collector.timestamp);
  }

  currentProcessingTime(): number {
    return this.#context.processingTimeService.now();
  }

  currentWatermark(): number {
    return this.#watermark;
  }

  registerProcessingTimeTimer(): void {
    this.#timersNeedKeys();
  }

  registerEventTimeTimer(): void {
    this.#timersNeedKeys();
  }

  deleteProcessingTimeTimer(): void {
    this.#timersNeedKeys();
  }

  deleteEventTimeTimer(): void {
    this.#timersNeedKeys();
  }

  #timersNeedKeys(): never {
    throw new WeirError('STATE_ACCESS', `${this.#context.description}: setting timers is only supported on a keyed stream`, {
      hint: 'apply keyBy() first and use a KeyedProcessFunction',
    });
  }
}
