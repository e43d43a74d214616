/**
 * @module The map operator: one record in, one record out, same timestamp.
 */
import { RichMapFunction, closeFunction, openFunction, type MapFunction } from './functions.ts';
import { createRuntimeContext } from './runtime-context.ts';
import type { OneInputStreamOperator, Output, StreamOperatorContext } from './stream-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class StreamMap<IN, OUT> implements OneInputStreamOperator<IN, OUT> {
  readonly #fn: MapFunction<IN, OUT>;
  readonly #call: (value: IN) => OUT;
  readonly #context: StreamOperatorContext;
  readonly #output: Output<OUT>;

  constructor(fn: MapFunction<IN, OUT>, context: StreamOperatorContext, output: Output<OUT>) {
    this.#fn = fn;
    this.#call = fn instanceof RichMapFunction ? (value: IN): OUT => fn.map(value) : fn;
    this.#context = context;
    this.#output = output;
  }

  get userFunction(): unknown {
    return this.#fn;
  }

  async open(): Promise<void> {
    await openFunction(this.#fn, createRuntimeContext(this.#context));
  }

  processElement(value: IN, timestamp: number): void {
    let result: OUT;
    try {
      result = this.#call(value);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'map()', error);
    }
    this.#output.collect(result, timestamp);
  }

  processWatermark(timestamp: number): void {
    this.#output.emitWatermark(timestamp);
  }

  finish(): void {}

  async close(): Promise<void> {
    await closeFunction(this.#fn);
  }
}
