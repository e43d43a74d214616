/**
 * @module Jobs whose user code throws in close(), after every record was processed; run with
 * `--job <name>`. A failure on the way out must still fail the job, naming where it happened.
 */
import { CollectSink, RichMapFunction, Types, defineJob } from 'weir';
import type { Sink, SinkWriter } from 'weir';

class ThrowOnClose extends RichMapFunction<number, number> {
  map(value: number): number {
    return value * 2;
  }
  override close(): void {
    throw new Error('cannot release the connection');
  }
}

/** A rich map function that throws in close(). */
export const throwingMapClose = defineJob('throwing-map-close', (env) => {
  env
    .fromData(...Array.from({ length: 200 }, (_, i) => i))
    .map(new ThrowOnClose(), Types.number)
    .name('doubler')
    .uid('doubler-uid')
    .sinkTo(new CollectSink('out'));
});

/** The same function with an async close() that rejects. */
class RejectOnClose extends RichMapFunction<number, number> {
  map(value: number): number {
    return value + 1;
  }
  override async close(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    throw new Error('cannot flush the buffer');
  }
}

export const rejectingMapClose = defineJob('rejecting-map-close', (env) => {
  env
    .fromData(...Array.from({ length: 200 }, (_, i) => i))
    .map(new RejectOnClose(), Types.number)
    .name('incrementer')
    .uid('incrementer-uid')
    .sinkTo(new CollectSink('out'));
});

/** A sink whose writer throws in close(). */
class CloseFailingSink implements Sink<number> {
  readonly name = 'close-failing-sink';
  createWriter(): SinkWriter<number> {
    return {
      write() {},
      flush() {},
      close() {
        throw new Error('cannot close the output file');
      },
    };
  }
}

export const throwingSinkClose = defineJob('throwing-sink-close', (env) => {
  env
    .fromData(...Array.from({ length: 200 }, (_, i) => i))
    .sinkTo(new CloseFailingSink())
    .name('file-out')
    .uid('file-out-uid');
});
