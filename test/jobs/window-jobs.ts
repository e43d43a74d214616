/**
 * @module Window jobs: keyed event-time windows (tumbling, sliding, session) over a parallel source
 * whose records are at most 50 ms out of order under a 100 ms bound (so none is late and the result
 * is fixed), and count windows over an ordered source.
 */
import {
  CollectSink,
  CollectionSource,
  CountTrigger,
  DataGeneratorSource,
  EventTimeSessionWindows,
  GlobalWindows,
  ProcessWindowFunction,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  Types,
  WatermarkStrategy,
  defineJob,
  randomInt,
  type AggregateFunction,
  type Collector,
  type ProcessWindowFunctionContext,
  type StreamExecutionEnvironment,
  type TimeWindow,
} from 'weir';

export interface Reading {
  readonly key: string;
  readonly value: number;
  readonly time: number;
}

export const KEYS = 12;
export const RECORDS = 12_000;
export const BOUND_MS = 100;

/** Record i: 10 ms apart in event time plus up to 49 ms of jitter, so at most 50 ms out of order. */
export function reading(i: number): Reading {
  return { key: `k${randomInt(7, i, KEYS)}`, value: randomInt(8, i, 100), time: i * 10 + randomInt(9, i, 50) };
}

export const ReadingType = Types.object({ key: Types.string, value: Types.number, time: Types.number });

/** What a window reports: its key and span, the sum and count of its records and the watermark when it fired. */
export interface WindowResult {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly sum: number;
  readonly count: number;
  readonly watermark: number;
}

export const ResultType = Types.object({ key: Types.string, start: Types.number, end: Types.number, sum: Types.number, count: Types.number, watermark: Types.number });

function readings(env: StreamExecutionEnvironment) {
  env.getConfig().setAutoWatermarkInterval(10);
  return env
    .fromSource(
      new DataGeneratorSource(reading, { count: RECORDS, recordsPerSecond: 40_000, outputType: ReadingType }),
      WatermarkStrategy.forBoundedOutOfOrderness<Reading>(BOUND_MS).withTimestampAssigner((r) => r.time),
      'readings',
    );
}

/** Sum and count of a window's records, reported with the window. */
export class Report extends ProcessWindowFunction<{ sum: number; count: number }, WindowResult, string, TimeWindow> {
  process(key: string, ctx: ProcessWindowFunctionContext<TimeWindow>, elements: Iterable<{ sum: number; count: number }>, out: Collector<WindowResult>): void {
    for (const { sum, count } of elements) {
      out.collect({ key, start: ctx.window().start, end: ctx.window().end, sum, count, watermark: ctx.currentWatermark() });
    }
  }
}

export const sumAndCount: AggregateFunction<Reading, { sum: number; count: number }, { sum: number; count: number }> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (r, acc) => ({ sum: acc.sum + r.value, count: acc.count + 1 }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

/** Tumbling windows of 1 s: a reduce with a window function that reports the window. */
function tumbling(env: StreamExecutionEnvironment): void {
  readings(env)
    .map((r) => ({ ...r, count: 1 }), Types.object({ key: Types.string, value: Types.number, time: Types.number, count: Types.number }))
    .keyBy((r) => r.key)
    .window(TumblingEventTimeWindows.of(1000))
    .reduce((a, b) => ({ key: a.key, value: a.value + b.value, time: Math.max(a.time, b.time), count: a.count + b.count }), (key: string, ctx: ProcessWindowFunctionContext<TimeWindow>, sums: Iterable<{ value: number; count: number }>, out: Collector<WindowResult>) => {
      for (const s of sums) out.collect({ key, start: ctx.window().start, end: ctx.window().end, sum: s.value, count: s.count, watermark: ctx.currentWatermark() });
    }, ResultType)
    .uid('tumbling')
    .sinkTo(new CollectSink('tumbling'));
}

/** Sliding windows of 1 s every 250 ms: an aggregate with a ProcessWindowFunction. */
function sliding(env: StreamExecutionEnvironment): void {
  readings(env)
    .keyBy((r) => r.key)
    .window(SlidingEventTimeWindows.of(1000, 250))
    .aggregate(sumAndCount, new Report(), ResultType)
    .uid('sliding')
    .sinkTo(new CollectSink('sliding'));
}

export const SESSION_GAP_MS = 150;

/** Sessions with a gap of 150 ms: every element to a process function. */
function sessions(env: StreamExecutionEnvironment): void {
  readings(env)
    .keyBy((r) => r.key)
    .window(EventTimeSessionWindows.withGap(SESSION_GAP_MS))
    .process((key: string, ctx: ProcessWindowFunctionContext<TimeWindow>, elements: Iterable<Reading>, out: Collector<WindowResult>) => {
      let sum = 0;
      let count = 0;
      for (const r of elements) {
        sum += r.value;
        count++;
      }
      out.collect({ key, start: ctx.window().start, end: ctx.window().end, sum, count, watermark: ctx.currentWatermark() });
    }, ResultType)
    .uid('sessions')
    .sinkTo(new CollectSink('sessions'));
}

/** The ordered input of the count-window job (one source subtask, so each key's order is fixed). */
export const COUNT_INPUT: readonly Reading[] = Array.from({ length: 5000 }, (_, i) => reading(i));

function countWindows(env: StreamExecutionEnvironment): void {
  const keyed = env.fromSource(new CollectionSource(COUNT_INPUT, ReadingType), 'ordered').uid('ordered').keyBy((r) => r.key);
  const firsts = Types.object({ key: Types.string, sum: Types.number, first: Types.number, last: Types.number });
  const describe = (key: string, _ctx: unknown, elements: Iterable<Reading>, out: Collector<{ key: string; sum: number; first: number; last: number }>): void => {
    const list = [...elements];
    out.collect({ key, sum: list.reduce((s, r) => s + r.value, 0), first: list[0]?.time ?? -1, last: list.at(-1)?.time ?? -1 });
  };
  keyed.countWindow(5).process(describe, firsts).uid('tumbling-count').sinkTo(new CollectSink('count-tumbling'));
  keyed.countWindow(5, 2).process(describe, firsts).uid('sliding-count').sinkTo(new CollectSink('count-sliding'));
  keyed
    .window(GlobalWindows.create())
    .trigger(CountTrigger.of(3))
    .reduce((a, b) => ({ key: a.key, value: a.value + b.value, time: b.time }))
    .uid('global-count')
    .sinkTo(new CollectSink('count-running'));
}

/** Every window kind of this module in one job, each from its own source, into its own sinks. */
export const job = defineJob('windows', (env) => {
  tumbling(env);
  sliding(env);
  sessions(env);
  countWindows(env);
});
