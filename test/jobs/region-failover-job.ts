/**
 * @module Two independent checkpointed keyed counts in one job (two pipelined regions). Pipeline `a`
 * fails once, on its first attempt, at record `--fail-at`; every count carries the highest attempt
 * number of the tasks that counted it, so a test can tell which pipeline restarted.
 */
import { CollectSink, DataGeneratorSource, RichMapFunction, Types, defineJob, randomInt, type DataStream, type StreamExecutionEnvironment } from 'weir';

export const KEYS = 30;

export interface Reading {
  readonly i: number;
  readonly key: string;
}

export interface AttemptCount {
  readonly key: string;
  readonly n: number;
  readonly attempt: number;
}

export function reading(pipeline: 'a' | 'b', i: number): Reading {
  return { i, key: `${pipeline}${randomInt(pipeline === 'a' ? 17 : 23, i, KEYS)}` };
}

const COUNT_TYPE = Types.object({ key: Types.string, n: Types.number, attempt: Types.number });

class TagAttempt extends RichMapFunction<Reading, AttemptCount> {
  readonly #failAt: number;
  constructor(failAt: number) {
    super();
    this.#failAt = failAt;
  }
  map(value: Reading): AttemptCount {
    const attempt = this.getRuntimeContext().getTaskInfo().attemptNumber;
    if (value.i === this.#failAt && attempt === 0) throw new Error(`injected failure at record ${value.i}`);
    return { key: value.key, n: 1, attempt };
  }
}

function pipeline(env: StreamExecutionEnvironment, name: 'a' | 'b', count: number, rate: number, failAt: number): DataStream<AttemptCount> {
  return env
    .fromSource(
      new DataGeneratorSource((i) => reading(name, i), { count, recordsPerSecond: rate, outputType: Types.object({ i: Types.number, key: Types.string }) }),
      `${name}-readings`,
    )
    .uid(`${name}-readings`)
    .map(new TagAttempt(failAt), COUNT_TYPE)
    .uid(`${name}-tag`)
    .keyBy((r) => r.key)
    .reduce((x, y) => ({ key: x.key, n: x.n + y.n, attempt: Math.max(x.attempt, y.attempt) }))
    .uid(`${name}-count`);
}

export const job = defineJob('region-failover', (env, params) => {
  env.enableCheckpointing(100);
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  const count = params.getInt('count');
  const rate = params.getNumber('rate');
  pipeline(env, 'a', count, rate, params.getInt('fail-at'))
    .sinkTo(new CollectSink('a-counts', { upsertKey: (r) => r.key }))
    .uid('a-counts');
  pipeline(env, 'b', count, rate, -1)
    .sinkTo(new CollectSink('b-counts', { upsertKey: (r) => r.key }))
    .uid('b-counts');
});
