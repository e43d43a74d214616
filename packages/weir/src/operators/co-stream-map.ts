/**
 * @module The co-map operator: one record out per record of either input, same timestamp; emits the
 * minimum of both inputs' watermarks.
 */
import type { CoMapFunction } from './co-functions.ts';
import { closeFunction, openFunction } from './functions.ts';
import { createRuntimeContext } from './runtime-context.ts';
import type { Output, StreamOperatorContext } from './stream-operator.ts';
import { TwoInputWatermark, type InputIndex, type TwoInputStreamOperator } from './two-input-stream-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class CoStreamMap<IN1, IN2, OUT> implements TwoInputStreamOperator<IN1, IN2, OUT> {
  readonly #fn: CoMapFunction<IN1, IN2, OUT>;
  readonly #context: StreamOperatorContext;
  readonly #output: Output<OUT>;
  readonly #watermark: TwoInputWatermark;

  constructor(fn: CoMapFunction<IN1, IN2, OUT>, context: StreamOperatorContext, output: Output<OUT>) {
    this.#fn = fn;
    this.#context = context;
    this.#output = output;
    this.#watermark = new TwoInputWatermark(output);
  }

  get userFunction(): unknown {
    return this.#fn;
  }

  async open(): Promise<void> {
    await openFunction(this.#fn, createRuntimeContext(this.#context));
  }

  processElement1(value: IN1, timestamp: number): void {
    let result: OUT;
    try {
      result = this.#fn.map1(value);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'map1()', error);
    }
    this.#output.collect(result, timestamp);
  }

  processElement2(value: IN2, timestamp: number): void {
    let result: OUT;
    try {
      result = this.#fn.map2(value);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'map2()', error);
    }
    this.#output.collect(result, timestamp);
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
