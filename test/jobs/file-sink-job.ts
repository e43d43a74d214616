/**
 * @module A checkpointed job writing `i,key` lines to a FileSink under `--out`: DataGen -> map -> FileSink.
 * On the first attempt, once a checkpoint completed, every map subtask throws at its first record from
 * `--fail-at` on, or ends its worker thread there (`--crash-at`): so the restart restores a checkpoint,
 * and no subtask of that attempt reaches the end of its input (whose last transaction a FileSink
 * commits at once, which a restart of the whole job would then repeat). `--bucket key` puts each
 * key in its own sub-folder, `--max-part-size` rolls parts by size.
 */
import { DataGeneratorSource, FileSink, RichMapFunction, Types, defineJob, randomInt } from 'weir';
import type { CheckpointListener } from 'weir';

export const KEYS = 7;

export interface Reading {
  readonly i: number;
  readonly key: string;
}

export function reading(i: number): Reading {
  return { i, key: `k${randomInt(71, i, KEYS)}` };
}

/** The line the sink writes for a reading. */
export function line(r: Reading): string {
  return `${r.i},${r.key}`;
}

class FailOnce extends RichMapFunction<Reading, Reading> implements CheckpointListener {
  readonly #failAt: number | undefined;
  readonly #crashAt: number | undefined;
  #checkpointCompleted = false;

  constructor(failAt: number | undefined, crashAt: number | undefined) {
    super();
    this.#failAt = failAt;
    this.#crashAt = crashAt;
  }

  map(value: Reading): Reading {
    if (this.getRuntimeContext().getTaskInfo().attemptNumber === 0) {
      if (this.#failAt !== undefined && this.#checkpointCompleted && value.i >= this.#failAt) throw new Error(`injected failure at record ${value.i}`);
      // Ends the worker thread at once, as a crash would: no close(), parts left half written.
      if (this.#crashAt !== undefined && this.#checkpointCompleted && value.i >= this.#crashAt) process.exit(1);
    }
    return value;
  }

  notifyCheckpointComplete(): void {
    this.#checkpointCompleted = true;
  }
}

export const job = defineJob('file-sink', (env, params) => {
  env.enableCheckpointing(params.getInt('interval', 100));
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  const failAt = params.get('fail-at');
  const crashAt = params.get('crash-at');
  const bucketByKey = params.get('bucket') === 'key';
  const sink = FileSink.forRowFormat<Reading>(params.getRequired('out'), line)
    .withBucketAssigner((r) => (bucketByKey ? `key=${r.key}` : ''))
    .withRollingPolicy({ maxPartSize: params.getInt('max-part-size', 128 * 1024 * 1024) })
    .build();
  env
    .fromSource(
      new DataGeneratorSource(reading, {
        count: params.getInt('count'),
        recordsPerSecond: params.getNumber('rate'),
        outputType: Types.object({ i: Types.number, key: Types.string }),
      }),
      'readings',
    )
    .uid('readings')
    .map(new FailOnce(failAt === undefined ? undefined : Number(failAt), crashAt === undefined ? undefined : Number(crashAt)), Types.object({ i: Types.number, key: Types.string }))
    .uid('fail-once')
    .sinkTo(sink)
    .uid('files');
});
