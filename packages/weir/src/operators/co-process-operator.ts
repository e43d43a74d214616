/**
 * @module The co-process operator for non-keyed connected streams: a CoProcessFunction sees each
 * record's timestamp and the current time; timers need keyed inputs.
 */
import { WeirError } from '../core/errors.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { CoProcessFunction } from './co-functions.ts';
import type { ProcessContext, TimerService } from './functions.ts';
import type { OutputTag } from './output-tag.ts';
import type { Output, StreamOperatorContext } from './stream-operator.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { TwoInputFunctionOperator } from './two-input-function-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class CoProcessOperator<IN1, IN2, OUT> extends TwoInputFunctionOperator<CoProcessFunction<IN1, IN2, OUT>, IN1, IN2, OUT> implements ProcessContext, TimerService {
  readonly #output: Output<OUT>;
  readonly #collector: TimestampedCollector<OUT>;

  constructor(fn: CoProcessFunction<IN1, IN2, OUT>, context: StreamOperatorContext, output: Output<OUT>) {
    super(fn, context, output);
    this.#output = output;
    this.#collector = new TimestampedCollector(output);
  }

  processElement1(value: IN1, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.fn.processElement1(value, this, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'processElement1()', error);
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.fn.processElement2(value, this, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'processElement2()', error);
    }
  }

  timestamp(): number | undefined {
    const t = this.#collector.timestamp;
    return t === NO_TIMESTAMP ? undefined : t;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    this.#output.collectSide(tag, value, this.#collector.timestamp);
  }

  timerService(): TimerService {
    return this;
  }

  currentProcessingTime(): number {
    return this.context.processingTimeService.now();
  }

  currentWatermark(): number {
    return this.watermark.current;
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
    throw new WeirError('STATE_ACCESS', `${this.context.description}: setting timers is only supported on keyed connected streams`, {
      hint: 'connect two keyed streams (or call keyBy(key1, key2) on the connected streams) and use a KeyedCoProcessFunction',
    });
  }
}
