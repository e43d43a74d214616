/**
 * @module A keyed count with checkpoints every 100 ms into `--checkpoints`, retained on cancellation:
 * DataGen (rate-limited, so the job lives long enough to checkpoint) -> keyBy -> sum -> upsert sink.
 * `--keys` sets how many keys the ticks spread over (KEYS by default): with about as many keys as
 * ticks, the state grows with new keys instead of rewriting the same ones.
 */
import { CollectSink, DataGeneratorSource, Types, defineJob, randomInt } from 'weir';

export const KEYS = 50;

export interface Tick {
  readonly key: string;
  readonly n: number;
}

export function tick(i: number, keys = KEYS): Tick {
  return { key: `k${randomInt(21, i, keys)}`, n: 1 };
}

export const job = defineJob('checkpointed-count', (env, params) => {
  env.enableCheckpointing(100);
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
  env.getCheckpointConfig().setNumRetainedCheckpoints(2);
  env
    .fromSource(
      new DataGeneratorSource((i) => tick(i, params.getInt('keys', KEYS)), {
        count: params.getInt('count'),
        recordsPerSecond: params.getNumber('rate'),
        outputType: Types.object({ key: Types.string, n: Types.number }),
      }),
      'ticks',
    )
    .uid('ticks')
    .keyBy((t) => t.key)
    .sum('n')
    .uid('count')
    .sinkTo(new CollectSink('counts', { upsertKey: (t) => t.key }))
    .uid('counts');
});
