/**
 * @module The filter operator: keeps the records its predicate accepts.
 */
import { RichFilterFunction, closeFunction, openFunction, type FilterFunction } from './functions.ts';
import { createRuntimeContext } from './runtime-context.ts';
import type { OneInputStreamOperator, Output, StreamOperatorContext } from './stream-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class StreamFilter<T> implements OneInputStreamOperator<T, T> {
  readonly #fn: FilterFunction<T>;
  readonly #call: (value: T) => boolean;
  readonly #context: StreamOperatorContext;
  readonly #output: Output<T>;

  constructor(fn: FilterFunction<T>, context: StreamOperatorContext, output: Output<T>) {
    this.#fn = fn;
    this.#call = fn instanceof RichFilterFunction ? (value: T): boolean => fn.filter(value) : fn;
    this.#context = context;
    this.#output = output;
  }

  get userFunction(): unknown {
    return this.#fn;
  }

  async open(): Promise<void> {
    await openFunction(this.#fn, createRuntimeContext(this.#context));
  }

  processElement(value: T, timestamp: number): void {
    let keep: boolean;
    try {
      keep = this.#call(value);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'filter()', error);
    }
    if (keep) this.#output.collect(value, timestamp);
  }

  processWatermark(timestamp: number): void {
    this.#output.emitWatermark(timestamp);
  }

  finish(): void {}

  async close(): Promise<void> {
    await closeFunction(this.#fn);
  }
}
