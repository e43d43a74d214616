/**
 * @module The flatMap operator: zero or more records out per record in, through a Collector.
 */
import { RichFlatMapFunction, closeFunction, openFunction, type Collector, type FlatMapFunction } from './functions.ts';
import { createRuntimeContext } from './runtime-context.ts';
import type { OneInputStreamOperator, Output, StreamOperatorContext } from './stream-operator.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class StreamFlatMap<IN, OUT> implements OneInputStreamOperator<IN, OUT> {
  readonly #fn: FlatMapFunction<IN, OUT>;
  readonly #call: (value: IN, out: Collector<OUT>) => void;
  readonly #context: StreamOperatorContext;
  readonly #output: Output<OUT>;
  readonly #collector: TimestampedCollector<OUT>;

  constructor(fn: FlatMapFunction<IN, OUT>, context: StreamOperatorContext, output: Output<OUT>) {
    this.#fn = fn;
    this.#call = fn instanceof RichFlatMapFunction ? (value: IN, out: Collector<OUT>): void => fn.flatMap(value, out) : fn;
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
      this.#call(value, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'flatMap()', error);
    }
  }

  processWatermark(timestamp: number): void {
    this.#output.emitWatermark(timestamp);
  }

  finish(): void {}

  async close(): Promise<void> {
    await closeFunction(this.#fn);
  }
}
