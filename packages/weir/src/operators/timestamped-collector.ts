/**
 * @module A Collector that stamps what a function emits with the timestamp of the record (or timer)
 * being processed, as Flink's TimestampedCollector does.
 */
import type { Collector } from './functions.ts';
import type { Output } from './stream-operator.ts';

export class TimestampedCollector<T> implements Collector<T> {
  timestamp = Number.NEGATIVE_INFINITY;
  readonly #output: Output<T>;

  constructor(output: Output<T>) {
    this.#output = output;
  }

  collect(value: T): void {
    this.#output.collect(value, this.timestamp);
  }
}
