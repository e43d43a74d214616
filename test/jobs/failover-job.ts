/**
 * @module A checkpointed keyed count whose map throws once, on its first attempt, at record
 * `--fail-at`: the restart strategy restarts it from the latest checkpoint.
 */
import { CollectSink, DataGeneratorSource, RichMapFunction, Types, defineJob, randomInt } from 'weir';

export const KEYS = 40;

export interface Reading {
  readonly i: number;
  readonly key: string;
}

export function reading(i: number): Reading {
  return { i, key: `s${randomInt(31, i, KEYS)}` };
}

class FailOnce extends RichMapFunction<Reading, { key: string; n: number }> {
  readonly #failAt: number;
  constructor(failAt: number) {
    super();
    this.#failAt = failAt;
  }
  map(value: Reading): { key: string; n: number } {
    if (value.i === this.#failAt && this.getRuntimeContext().getTaskInfo().attemptNumber === 0) {
      throw new Error(`injected failure at record ${value.i}`);
    }
    return { key: value.key, n: 1 };
  }
}

export const job = defineJob('failover-count', (env, params) => {
  env.enableCheckpointing(100);
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
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
    .map(new FailOnce(params.getInt('fail-at')), Types.object({ key: Types.string, n: Types.number }))
    .uid('fail-once')
    .keyBy((r) => r.key)
    .sum('n')
    .uid('count')
    .sinkTo(new CollectSink('counts', { upsertKey: (r) => r.key }))
    .uid('counts');
});
