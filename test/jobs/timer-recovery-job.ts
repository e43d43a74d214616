/**
 * @module Timers across a restore: each key registers an event-time timer on its first record only
 * and counts in state; the final watermark fires the timers, which report each key's count. A
 * timer lost in a restore loses its key's report.
 */
import { CollectSink, DataGeneratorSource, KeyedProcessFunction, Types, ValueStateDescriptor, defineJob, randomInt } from 'weir';
import type { Collector, KeyedProcessContext, OnTimerContext, ValueState } from 'weir';

export function keyOf(i: number): string {
  return `t${randomInt(41, i, 30)}`;
}

class CountUntilTheEnd extends KeyedProcessFunction<string, number, [string, number]> {
  #count!: ValueState<number>;
  override open(): void {
    this.#count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', Types.number));
  }
  processElement(_i: number, ctx: KeyedProcessContext<string>): void {
    const count = this.#count.value() ?? 0;
    if (count === 0) ctx.timerService().registerEventTimeTimer(Number.MAX_SAFE_INTEGER);
    this.#count.update(count + 1);
  }
  override onTimer(_time: number, ctx: OnTimerContext<string>, out: Collector<[string, number]>): void {
    out.collect([ctx.getCurrentKey(), this.#count.value() ?? 0]);
  }
}

export const job = defineJob('timer-recovery', (env, params) => {
  env.enableCheckpointing(100);
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
  env
    .fromSource(new DataGeneratorSource((i) => i, { count: params.getInt('count'), recordsPerSecond: params.getNumber('rate'), outputType: Types.number }), 'numbers')
    .uid('numbers')
    .keyBy(keyOf)
    .process(new CountUntilTheEnd(), Types.tuple(Types.string, Types.number))
    .uid('count-until-the-end')
    .sinkTo(new CollectSink('reports'));
});
