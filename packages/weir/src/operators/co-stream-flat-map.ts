/**
 * @module The co-flatMap operator: zero or more records out per record of either input, stamped with
 * the input record's timestamp; emits the minimum of both inputs' watermarks.
 */
import type { CoFlatMapFunction } from './co-functions.ts';
import type { Output, StreamOperatorContext } from './stream-operator.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { TwoInputFunctionOperator } from './two-input-function-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class CoStreamFlatMap<IN1, IN2, OUT> extends TwoInputFunctionOperator<CoFlatMapFunction<IN1, IN2, OUT>, IN1, IN2, OUT> {
  readonly #collector: TimestampedCollector<OUT>;

  constructor(fn: CoFlatMapFunction<IN1, IN2, OUT>, context: StreamOperatorContext, output: Output<OUT>) {
    super(fn, context, output);
    this.#collector = new TimestampedCollector(output);
  }

  processElement1(value: IN1, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.fn.flatMap1(value, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'flatMap1()', error);
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.fn.flatMap2(value, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'flatMap2()', error);
    }
  }
}
