/**
 * @module The keyed reduce operator behind reduce(), sum(), min(), max(), minBy() and maxBy(): keeps the
 * running value of each key in ValueState and emits it after every record (a rolling aggregate).
 */
import { ValueStateDescriptor } from '../state/state-descriptors.ts';
import type { ValueState } from '../state/state.ts';
import type { ReduceFunction } from '../state/aggregate-function.ts';
import type { KeyedContext, OneInputStreamOperator, Output, StreamOperatorContext } from './stream-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class StreamGroupedReduce<T> implements OneInputStreamOperator<T, T> {
  readonly #reduce: ReduceFunction<T>;
  readonly #context: StreamOperatorContext;
  readonly #keyed: KeyedContext;
  readonly #output: Output<T>;
  readonly #values: ValueState<T>;

  constructor(reduce: ReduceFunction<T>, context: StreamOperatorContext, output: Output<T>, keyed: KeyedContext) {
    this.#reduce = reduce;
    this.#context = context;
    this.#keyed = keyed;
    this.#output = output;
    this.#values = keyed.backend.getState(new ValueStateDescriptor<T>('_op_state'));
  }

  get userFunction(): unknown {
    return this.#reduce;
  }

  open(): void {}

  processElement(value: T, timestamp: number): void {
    const keyed = this.#keyed;
    keyed.backend.setCurrentKey(keyed.keySelector(value));
    const current = this.#values.value();
    let next: T;
    if (current === undefined) {
      next = value;
    } else {
      try {
        next = this.#reduce(current, value);
      } catch (error) {
        throw userFunctionFailed(this.#context.description, 'reduce()', error);
      }
    }
    this.#values.update(next);
    this.#output.collect(next, timestamp);
  }

  processWatermark(timestamp: number): void {
    this.#output.emitWatermark(timestamp);
  }

  finish(): void {}

  close(): void {}
}
