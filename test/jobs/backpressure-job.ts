/**
 * @module A fast source feeding a slow sink: two source subtasks generate 16 KiB records as fast as
 * they can, one sink subtask takes `cost-micros` per record. Only backpressure keeps the sources from
 * running ahead and filling memory.
 */
import { DataGeneratorSource, Types, defineJob, type Sink, type SinkWriter, type SinkWriterContext } from 'weir';

export const RECORD_BYTES = 16 * 1024;

interface Blob {
  readonly index: number;
  readonly payload: string;
}

/** Counts records after spending `costMicros` on each; reports the count when the input ends. */
class SlowSink implements Sink<Blob> {
  readonly name = 'SlowSink';
  readonly #costMs: number;
  constructor(costMicros: number) {
    this.#costMs = costMicros / 1000;
  }
  createWriter(context: SinkWriterContext): SinkWriter<Blob> {
    const costMs = this.#costMs;
    let count = 0;
    let bytes = 0;
    return {
      write(value) {
        const until = performance.now() + costMs;
        while (performance.now() < until);
        count++;
        bytes += value.payload.length;
      },
      flush(endOfInput) {
        if (endOfInput) context.sendEventToCoordinator({ count, bytes });
      },
      close() {},
    };
  }
  createCoordinator() {
    const reports: { count: number; bytes: number }[] = [];
    return {
      handleEventFromOperator: (_subtask: number, event: unknown) => {
        reports.push(event as { count: number; bytes: number });
      },
      result: () => reports,
    };
  }
}

export const job = defineJob('backpressure', (env, params) => {
  const count = params.getInt('count');
  env
    .fromSource(
      new DataGeneratorSource((index): Blob => ({ index, payload: String(index).padEnd(RECORD_BYTES, '.') }), {
        count,
        outputType: Types.object({ index: Types.number, payload: Types.string }),
      }),
      'fast-source',
    )
    .setParallelism(2)
    .rebalance()
    .sinkTo(new SlowSink(params.getNumber('cost-micros')))
    .setParallelism(1)
    .name('slow-sink');
});
