/**
 * @module The co-map operator: one record out per record of either input, same timestamp; emits the
 * minimum of both inputs' watermarks.
 */
import type { CoMapFunction } from './co-functions.ts';
import type { Output, StreamOperatorContext } from './stream-operator.ts';
import { TwoInputFunctionOperator } from './two-input-function-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class CoStreamMap<IN1, IN2, OUT> extends TwoInputFunctionOperator<CoMapFunction<IN1, IN2, OUT>, IN1, IN2, OUT> {
  readonly #output: Output<OUT>;

  constructor(fn: CoMapFunction<IN1, IN2, OUT>, context: StreamOperatorContext, output: Output<OUT>) {
    super(fn, context, output);
    this.#output = output;
  }

  processElement1(value: IN1, timestamp: number): void {
    let result: OUT;
    try {
      result = this.fn.map1(value);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'map1()', error);
    }
    this.#output.collect(result, timestamp);
  }

  processElement2(value: IN2, timestamp: number): void {
    let result: OUT;
    try {
      result = this.fn.map2(value);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'map2()', error);
    }
    this.#output.collect(result, timestamp);
  }
}
