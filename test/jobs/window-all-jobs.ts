/**
 * @module windowAll jobs: non-keyed event-time windows (tumbling, sliding) and count windows over a
 * parallel source feeding the one non-parallel window operator, count windows over an ordered source,
 * and allowed lateness with a late-data side output over an ordered source with punctuated watermarks.
 */
import {
  CollectSink,
  CollectionSource,
  DataGeneratorSource,
  OutputTag,
  ProcessAllWindowFunction,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  Types,
  ValueStateDescriptor,
  WatermarkStrategy,
  defineJob,
  randomInt,
  type Collector,
  type ProcessAllWindowFunctionContext,
  type StreamExecutionEnvironment,
  type TimeWindow,
} from 'weir';
import { BOUND_MS, RECORDS, ReadingType, reading, sumAndCount, type Reading } from './window-jobs.ts';
import { ALLOWED_LATENESS_MS, LATE_WINDOW_MS, punctuated } from './event-time-jobs.ts';

/** What an all-window reports: its span, the sum and count of its records and the watermark when it fired. */
export interface AllWindowResult {
  readonly start: number;
  readonly end: number;
  readonly sum: number;
  readonly count: number;
  readonly watermark: number;
}

export const AllWindowResultType = Types.object({ start: Types.number, end: Types.number, sum: Types.number, count: Types.number, watermark: Types.number });

export const TUMBLING_MS = 1000;
export const SLIDING_SIZE_MS = 1000;
export const SLIDING_SLIDE_MS = 250;
export const PROCESS_MS = 500;
export const AGGREGATE_MS = 250;
export const PARALLEL_COUNT = 100;

function readings(env: StreamExecutionEnvironment, name: string) {
  env.getConfig().setAutoWatermarkInterval(10);
  return env
    .fromSource(
      new DataGeneratorSource(reading, { count: RECORDS, recordsPerSecond: 40_000, outputType: ReadingType }),
      WatermarkStrategy.forBoundedOutOfOrderness<Reading>(BOUND_MS).withTimestampAssigner((r) => r.time),
      name,
    )
    .uid(name);
}

/** Sum and count of a window's records, reported with the window. */
export class ReportAll extends ProcessAllWindowFunction<{ sum: number; count: number }, AllWindowResult, TimeWindow> {
  process(ctx: ProcessAllWindowFunctionContext<TimeWindow>, elements: Iterable<{ sum: number; count: number }>, out: Collector<AllWindowResult>): void {
    for (const { sum, count } of elements) out.collect({ start: ctx.window().start, end: ctx.window().end, sum, count, watermark: ctx.currentWatermark() });
  }
}

/** Every record of a window, numbered by how many windows fired before it (operator-wide state). */
class NumberedWindows extends ProcessAllWindowFunction<Reading, { start: number; firing: number; sum: number; count: number }, TimeWindow> {
  process(ctx: ProcessAllWindowFunctionContext<TimeWindow>, elements: Iterable<Reading>, out: Collector<{ start: number; firing: number; sum: number; count: number }>): void {
    const firings = ctx.globalState().getState(new ValueStateDescriptor<number>('firings', Types.number));
    const firing = (firings.value() ?? 0) + 1;
    firings.update(firing);
    let sum = 0;
    let count = 0;
    for (const r of elements) {
      sum += r.value;
      count++;
    }
    out.collect({ start: ctx.window().start, firing, sum, count });
  }
}

/** Tumbling, sliding, process and plain aggregate and reduce windows of the whole parallel stream. */
function timeWindows(env: StreamExecutionEnvironment): void {
  const Counted = Types.object({ key: Types.string, value: Types.number, time: Types.number, count: Types.number });
  readings(env, 'readings-tumbling')
    .map((r) => ({ ...r, count: 1 }), Counted)
    .windowAll(TumblingEventTimeWindows.of(TUMBLING_MS))
    .reduce(
      (a, b) => ({ key: 'all', value: a.value + b.value, time: Math.max(a.time, b.time), count: a.count + b.count }),
      (ctx: ProcessAllWindowFunctionContext<TimeWindow>, sums: Iterable<{ value: number; count: number }>, out: Collector<AllWindowResult>) => {
        for (const s of sums) out.collect({ start: ctx.window().start, end: ctx.window().end, sum: s.value, count: s.count, watermark: ctx.currentWatermark() });
      },
      AllWindowResultType,
    )
    .uid('all-tumbling')
    .sinkTo(new CollectSink('all-tumbling'));

  readings(env, 'readings-sliding')
    .windowAll(SlidingEventTimeWindows.of(SLIDING_SIZE_MS, SLIDING_SLIDE_MS))
    .aggregate(sumAndCount, new ReportAll(), AllWindowResultType)
    .uid('all-sliding')
    .sinkTo(new CollectSink('all-sliding'));

  readings(env, 'readings-process')
    .windowAll(TumblingEventTimeWindows.of(PROCESS_MS))
    .process(new NumberedWindows(), Types.object({ start: Types.number, firing: Types.number, sum: Types.number, count: Types.number }))
    .uid('all-process')
    .sinkTo(new CollectSink('all-process'));

  const plain = readings(env, 'readings-plain');
  plain.windowAll(TumblingEventTimeWindows.of(AGGREGATE_MS)).aggregate(sumAndCount, Types.object({ sum: Types.number, count: Types.number })).uid('all-aggregate').sinkTo(new CollectSink('all-aggregate'));
  // A plain reduce emits a record of the input type: the window's sum of values and its latest time.
  plain
    .windowAll(SlidingEventTimeWindows.of(SLIDING_SIZE_MS, SLIDING_SLIDE_MS))
    .reduce((a, b) => ({ key: 'all', value: a.value + b.value, time: Math.max(a.time, b.time) }))
    .uid('all-reduce')
    .sinkTo(new CollectSink('all-reduce'));
}

/** The ordered input of the count windows (one source subtask, so the order is fixed). */
export const COUNT_INPUT: readonly Reading[] = Array.from({ length: 3000 }, (_, i) => reading(i));

export interface CountSummary {
  readonly sum: number;
  readonly first: number;
  readonly last: number;
  readonly size: number;
}

function countWindows(env: StreamExecutionEnvironment): void {
  const ordered = env.fromSource(new CollectionSource(COUNT_INPUT, ReadingType), 'ordered').uid('ordered');
  const summary = Types.object({ sum: Types.number, first: Types.number, last: Types.number, size: Types.number });
  const describe = (_ctx: unknown, elements: Iterable<Reading>, out: Collector<CountSummary>): void => {
    const list = [...elements];
    out.collect({ sum: list.reduce((s, r) => s + r.value, 0), first: list[0]?.time ?? -1, last: list.at(-1)?.time ?? -1, size: list.length });
  };
  // Sinks at parallelism 1, chained to the window operator, keep the order in which windows fired.
  ordered.countWindowAll(5).process(describe, summary).uid('all-count-tumbling').sinkTo(new CollectSink('all-count-tumbling')).setParallelism(1);
  ordered.countWindowAll(5, 2).process(describe, summary).uid('all-count-sliding').sinkTo(new CollectSink('all-count-sliding')).setParallelism(1);
  // From every subtask of a parallel source: which records share a window depends on the interleaving, not how many.
  readings(env, 'readings-count')
    .countWindowAll(PARALLEL_COUNT)
    .process((_ctx, elements: Iterable<Reading>, out: Collector<Reading[]>) => out.collect([...elements]), Types.array(ReadingType))
    .uid('all-count-parallel')
    .sinkTo(new CollectSink('all-count-parallel'));
}

/** The ordered input of the lateness job: times jump back now and then by up to 600 ms. */
export const LATE_INPUT: readonly Reading[] = Array.from({ length: 4000 }, (_, i) => ({
  key: `k${randomInt(61, i, 5)}`,
  value: randomInt(62, i, 10),
  time: i * 10 - (randomInt(63, i, 10) === 0 ? randomInt(64, i, 600) : 0),
}));
export { ALLOWED_LATENESS_MS, LATE_BOUND_MS, LATE_WINDOW_MS } from './event-time-jobs.ts';

function late(env: StreamExecutionEnvironment): void {
  const lateTag = new OutputTag<Reading>('late', ReadingType);
  const sums = env
    .fromSource(new CollectionSource(LATE_INPUT, ReadingType), punctuated(), 'late-ordered')
    .uid('late-ordered')
    .windowAll(TumblingEventTimeWindows.of(LATE_WINDOW_MS))
    .allowedLateness(ALLOWED_LATENESS_MS)
    .sideOutputLateData(lateTag)
    .aggregate(sumAndCount, new ReportAll(), AllWindowResultType)
    .uid('all-late-windows');
  sums.sinkTo(new CollectSink('all-late-windows')).setParallelism(1);
  sums.getSideOutput(lateTag).sinkTo(new CollectSink('all-late')).setParallelism(1);
}

export const job = defineJob('window-all', (env) => {
  timeWindows(env);
  countWindows(env);
  late(env);
});
