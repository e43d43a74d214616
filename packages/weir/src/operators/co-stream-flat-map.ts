/**
 * @module The co-flatMap operator: zero or more records out per record of either input, stamped with
 * the input record's timestamp; emits the minimum of both inputs' watermarks.
 */
import type { CoFlatMapFunction } from './co-functions.ts';
import { closeFunction, openFunction } from './functions.ts';
import { createRuntimeContext } from './runtime-context.ts';
import type { Output, StreamOperatorContext } from './stream-operator.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { TwoInputWatermark, type InputIndex, type TwoInputStreamOperator } from './two-input-stream-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class CoStreamFlatMap<IN1, IN2, OUT> implements TwoInputStreamOperator<IN1, IN2, OUT> {
  readonly #fn: CoFlatMapFunction<IN1, IN2, OUT>;
  readonly #context: StreamOperatorContext;
  readonly #collector: TimestampedCollector<OUT>;
  readonly #watermark: TwoInputWatermark;

  constructor(fn: CoFlatMapFunction<IN1, IN2, OUT>, context: StreamOperatorContext, output: Output<OUT>) {
    this.#fn = fn;
    this.#context = context;
    this.#watermark = new TwoInputWatermark(output);
    this.#collector = new TimestampedCollector(output);
  }

  get userFunction(): unknown {
    return this.#fn;
  }

  async open(): Promise<void> {
    await openFunction(this.#fn, createRuntimeContext(this.#context));
  }

  processElement1(value: IN1, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.#fn.flatMap1(value, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'flatMap1()', error);
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.#fn.flatMap2(value, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'flatMap2()', error);
    }
  }

  processWatermark1(timestamp: number): void {
    this.#watermark.watermark(1, timestamp);
  }

  processWatermark2(timestamp: number): void {
    this.#watermark.watermark(2, timestamp);
  }

  processWatermarkStatus1(idle: boolean): void {
    this.#watermark.status(1, idle);
  }

  processWatermarkStatus2(idle: boolean): void {
    this.#watermark.status(2, idle);
  }

  endInput(input: InputIndex): void {
    this.#watermark.endInput(input);
  }

  finish(): void {}

  async close(): Promise<void> {
    await closeFunction(this.#fn);
  }
}
