/**
 * @module DiscardingSink: drops every record, like Flink's DiscardingSink and the Nexmark benchmark's
 * `blackhole` connector, so a query's throughput is measured without the cost of an output.
 */
import type { Sink, SinkWriter } from 'weir';

export class DiscardingSink<T> implements Sink<T> {
  readonly name = 'Discard';

  createWriter(): SinkWriter<T> {
    return { write() {}, flush() {}, close() {} };
  }
}
