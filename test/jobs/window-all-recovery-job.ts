/**
 * @module windowAll across a failure: the window-recovery job's parallel ticks (checkpoints every
 * 100 ms, a map that throws once at record `--fail-at`) into non-keyed tumbling and sliding windows
 * (on slices) and a process window (every element in state); a keyed function downstream counts how
 * often each window fired and reports that at the end of input.
 */
import {
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  defineJob,
  type Collector,
  type ProcessAllWindowFunctionContext,
  type TimeWindow,
} from 'weir';
import { FiredType, countFirings, failingTicks, sumAndCount, type Fired, type Tick } from './window-recovery-job.ts';

export { tick, type Firings, type Tick } from './window-recovery-job.ts';

function report(kind: string) {
  return (ctx: ProcessAllWindowFunctionContext<TimeWindow>, results: Iterable<{ sum: number; count: number }>, out: Collector<Fired>): void => {
    for (const r of results) out.collect({ id: `${kind}/all/${ctx.window().start}`, end: ctx.window().end, sum: r.sum, count: r.count });
  };
}

export const job = defineJob('window-all-recovery', (env, params) => {
  const ticks = failingTicks(env, params);
  const tumbling = ticks.windowAll(TumblingEventTimeWindows.of(500)).aggregate(sumAndCount, report('tumbling'), FiredType).uid('all-tumbling');
  const sliding = ticks.windowAll(SlidingEventTimeWindows.of(1000, 250)).aggregate(sumAndCount, report('sliding'), FiredType).uid('all-sliding');
  const processed = ticks
    .windowAll(TumblingEventTimeWindows.of(300))
    .process((ctx: ProcessAllWindowFunctionContext<TimeWindow>, elements: Iterable<Tick>, out: Collector<Fired>) => {
      let sum = 0;
      let count = 0;
      for (const t of elements) {
        sum += t.value;
        count++;
      }
      out.collect({ id: `process/all/${ctx.window().start}`, end: ctx.window().end, sum, count });
    }, FiredType)
    .uid('all-process');
  countFirings(tumbling.union(sliding, processed), 'all-firings');
});
