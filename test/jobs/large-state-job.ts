/**
 * @module A keyed count whose state is large (a padding string of `--pad` characters per key, about
 * `--keys` × `--pad` bytes), so each snapshot comes in several pieces. Full checkpoints every 100 ms,
 * up to `--concurrent` at once (default 1); the first attempt fails at record `--fail-at`. Every
 * record checks that its key's padding is intact, so state damaged by a checkpoint or a restore
 * fails the job instead of passing unseen.
 */
import {
  CollectSink,
  DataGeneratorSource,
  KeyedProcessFunction,
  Types,
  ValueStateDescriptor,
  defineJob,
  randomInt,
  type Collector,
  type KeyedProcessContext,
  type ValueState,
} from 'weir';

export interface Reading {
  readonly i: number;
  readonly key: string;
}

export function reading(i: number, keys: number): Reading {
  return { i, key: `k${randomInt(43, i, keys)}` };
}

/** The padding a key keeps: differs from key to key, and in length. */
export function padding(key: string, length: number): string {
  return `${key}:`.repeat(Math.ceil(length / (key.length + 1)) + (key.length % 7)).slice(0, length + (key.length % 13));
}

const Counted = Types.object({ n: Types.number, pad: Types.string });

class PaddedCount extends KeyedProcessFunction<string, Reading, { key: string; n: number }> {
  #state!: ValueState<{ n: number; pad: string }>;
  constructor(
    readonly pad: number,
    readonly failAt: number,
  ) {
    super();
  }
  override open(): void {
    this.#state = this.getRuntimeContext().getState(new ValueStateDescriptor('counted', Counted));
  }
  processElement(value: Reading, ctx: KeyedProcessContext<string>, out: Collector<{ key: string; n: number }>): void {
    if (value.i === this.failAt && this.getRuntimeContext().getTaskInfo().attemptNumber === 0) throw new Error(`injected failure at record ${value.i}`);
    const key = ctx.getCurrentKey();
    const expected = padding(key, this.pad);
    const counted = this.#state.value() ?? { n: 0, pad: expected };
    if (counted.pad !== expected) throw new Error(`the padding of key ${key} was damaged: ${counted.pad.length} characters instead of ${expected.length}`);
    const next = { n: counted.n + 1, pad: counted.pad };
    this.#state.update(next);
    out.collect({ key, n: next.n });
  }
}

export const job = defineJob('large-state', (env, params) => {
  const keys = params.getInt('keys');
  env.enableCheckpointing(100);
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  env.getCheckpointConfig().setMaxConcurrentCheckpoints(params.getInt('concurrent', 1));
  env
    .fromSource(
      new DataGeneratorSource((i) => reading(i, keys), {
        count: params.getInt('count'),
        recordsPerSecond: params.getNumber('rate'),
        outputType: Types.object({ i: Types.number, key: Types.string }),
      }),
      'readings',
    )
    .uid('readings')
    .keyBy((r) => r.key)
    .process(new PaddedCount(params.getInt('pad'), params.getInt('fail-at')), Types.object({ key: Types.string, n: Types.number }))
    .uid('padded-count')
    .sinkTo(new CollectSink('counts', { upsertKey: (r) => r.key }))
    .uid('counts');
});
