/**
 * @module Event-time jobs: allowed lateness with a late-data side output over an ordered source with
 * a watermark after every record; processing-time windows and an idle partition over a paced source;
 * and timestamps, watermarks and event-time timers as a KeyedProcessFunction sees them after
 * assignTimestampsAndWatermarks, with ProcessFunction side outputs.
 */
import {
  CollectSink,
  CollectionSource,
  DataGeneratorSource,
  KeyedProcessFunction,
  OutputTag,
  ProcessFunction,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  Types,
  WatermarkStrategy,
  defineJob,
  randomInt,
  type Collector,
  type KeyedProcessContext,
  type OnTimerContext,
  type ProcessContext,
  type ProcessWindowFunctionContext,
  type StreamExecutionEnvironment,
  type TimeWindow,
} from 'weir';
import { PacedSource } from './paced-source.ts';
import { BOUND_MS, RECORDS, Report, ReadingType, ResultType, reading, sumAndCount, type Reading, type WindowResult } from './window-jobs.ts';

/** The ordered input of the lateness job: times jump back now and then by up to 600 ms. */
export const LATE_INPUT: readonly Reading[] = Array.from({ length: 4000 }, (_, i) => ({
  key: `k${randomInt(11, i, 5)}`,
  value: randomInt(12, i, 10),
  time: i * 10 - (randomInt(13, i, 10) === 0 ? randomInt(14, i, 600) : 0),
}));
export const LATE_WINDOW_MS = 200;
export const ALLOWED_LATENESS_MS = 150;
export const LATE_BOUND_MS = 20;

export const LATE_SLIDING_SIZE_MS = 300;
export const LATE_SLIDING_SLIDE_MS = 100;

/** A watermark after every record (punctuated), so which records are late is fixed by the input order. */
export function punctuated(): WatermarkStrategy<Reading> {
  return WatermarkStrategy.forGenerator<Reading>(() => {
    let max = Number.NEGATIVE_INFINITY;
    return {
      onEvent: (_r, timestamp, output) => {
        max = Math.max(max, timestamp);
        output.emitWatermark(max - LATE_BOUND_MS - 1);
      },
      onPeriodicEmit: () => {},
    };
  }).withTimestampAssigner((r) => r.time);
}

/** Late data: an ordered source with a watermark after every record, windows with allowed lateness. */
function late(env: StreamExecutionEnvironment): void {
  const lateTag = new OutputTag<Reading>('late', ReadingType);
  const sums = env
    .fromSource(new CollectionSource(LATE_INPUT, ReadingType), punctuated(), 'ordered')
    .keyBy((r) => r.key)
    .window(TumblingEventTimeWindows.of(LATE_WINDOW_MS))
    .allowedLateness(ALLOWED_LATENESS_MS)
    .sideOutputLateData(lateTag)
    .aggregate(sumAndCount, new Report(), ResultType)
    .uid('late-windows');
  sums.sinkTo(new CollectSink('late-windows'));
  sums.getSideOutput(lateTag).map((r) => r, ReadingType).sinkTo(new CollectSink('late'));
}

/** Late data into sliding windows: a reduce of sums and counts, reported by a window function. */
function lateSliding(env: StreamExecutionEnvironment): void {
  const Counted = Types.object({ key: Types.string, value: Types.number, time: Types.number, count: Types.number });
  const lateTag = new OutputTag<Reading & { count: number }>('late-sliding', Counted);
  const sums = env
    .fromSource(new CollectionSource(LATE_INPUT, ReadingType), punctuated(), 'ordered-sliding')
    .map((r) => ({ ...r, count: 1 }), Counted)
    // chained to the one-split source, so the windows see records and watermarks in the input's order
    .setParallelism(1)
    .keyBy((r) => r.key)
    .window(SlidingEventTimeWindows.of(LATE_SLIDING_SIZE_MS, LATE_SLIDING_SLIDE_MS))
    .allowedLateness(ALLOWED_LATENESS_MS)
    .sideOutputLateData(lateTag)
    .reduce(
      (a, b) => ({ ...a, value: a.value + b.value, count: a.count + b.count }),
      (key: string, ctx: ProcessWindowFunctionContext<TimeWindow>, sums: Iterable<{ value: number; count: number }>, out: Collector<WindowResult>) => {
        for (const { value, count } of sums) out.collect({ key, start: ctx.window().start, end: ctx.window().end, sum: value, count, watermark: ctx.currentWatermark() });
      },
      ResultType,
    )
    .uid('late-sliding-windows');
  sums.sinkTo(new CollectSink('late-sliding-windows'));
  sums.getSideOutput(lateTag).map(({ key, value, time }) => ({ key, value, time }), ReadingType).sinkTo(new CollectSink('late-sliding'));
}

export const PACED_RECORDS = 300;

/** Record i of a partition of the paced jobs: 10 ms apart in event time. */
export function pacedReading(partition: number, i: number): Reading {
  return { key: `p${partition}-k${randomInt(partition + 20, i, 4)}`, value: 1 + randomInt(partition + 30, i, 9), time: i * 10 };
}

/** Processing-time windows over a paced source that lingers before it ends, so every window fires. */
function processingTime(env: StreamExecutionEnvironment): void {
  env
    .fromSource(new PacedSource({ partitions: 3, recordsPerPartition: PACED_RECORDS, recordsPerSecond: 600, record: pacedReading, lingerMs: 400 }), 'paced')
    .keyBy((r) => r.key)
    .window(TumblingProcessingTimeWindows.of(50))
    .aggregate(sumAndCount, new Report(), ResultType)
    .uid('processing-time')
    .sinkTo(new CollectSink('processing-time'));
}

export const IDLE_WINDOW_MS = 500;
export const IDLE_BOUND_MS = 50;
export const IDLE_TIMEOUT_MS = 500;

/** Partition 0 emits 5 records and then stays silent (but open) until long after the others are done. */
function idleness(env: StreamExecutionEnvironment): void {
  env
    .fromSource(
      new PacedSource({
        partitions: 3,
        recordsPerPartition: PACED_RECORDS,
        recordsPerSecond: 1000,
        record: pacedReading,
        silent: new Map([[0, { after: 5, silenceMs: 2000 }]]),
        // The others stay open after their last record until partition 0 is idle, so their watermark counts.
        lingerMs: 800,
      }),
      WatermarkStrategy.forBoundedOutOfOrderness<Reading>(IDLE_BOUND_MS)
        .withTimestampAssigner((r) => r.time)
        .withIdleness(IDLE_TIMEOUT_MS),
      'paced',
    )
    .keyBy((r) => r.key)
    .window(TumblingEventTimeWindows.of(IDLE_WINDOW_MS))
    .aggregate(sumAndCount, new Report(), ResultType)
    .uid('idle-windows')
    .sinkTo(new CollectSink('idle'));
}

/** Records with a value of 90 or more also go to this side output. */
export const HIGH = new OutputTag<Reading>('high', ReadingType);
/** A record whose timestamp or watermark is wrong, as the process functions see them. */
export const VIOLATIONS = new OutputTag<string>('violations', Types.string);

/** Passes every record on, sends high ones to a side output too, and checks each record's timestamp. */
class SplitHigh extends ProcessFunction<Reading, Reading> {
  processElement(r: Reading, ctx: ProcessContext, out: Collector<Reading>): void {
    if (ctx.timestamp() !== r.time) ctx.output(VIOLATIONS, `process: timestamp ${String(ctx.timestamp())} of record at ${r.time}`);
    if (r.value >= 90) ctx.output(HIGH, r);
    out.collect(r);
  }
}

/** A timer at the end of each second a key has records in; it reports the key, the time and what it saw. */
export interface SecondEnd {
  readonly key: string;
  readonly time: number;
  readonly timestampIsTimer: boolean;
  readonly watermarkReached: boolean;
}

class EndOfSecond extends KeyedProcessFunction<string, Reading, SecondEnd> {
  processElement(r: Reading, ctx: KeyedProcessContext<string>): void {
    const watermark = ctx.timerService().currentWatermark();
    if (ctx.timestamp() !== r.time) ctx.output(VIOLATIONS, `keyed: timestamp ${String(ctx.timestamp())} of record at ${r.time}`);
    // Records are at most 50 ms out of order under a 100 ms bound: the watermark is always behind them.
    if (!(watermark < r.time)) ctx.output(VIOLATIONS, `keyed: watermark ${watermark} not before record at ${r.time}`);
    ctx.timerService().registerEventTimeTimer(Math.floor(r.time / 1000) * 1000 + 999);
  }

  override onTimer(time: number, ctx: OnTimerContext<string>, out: Collector<SecondEnd>): void {
    out.collect({ key: ctx.getCurrentKey(), time, timestampIsTimer: ctx.timestamp() === time, watermarkReached: ctx.timerService().currentWatermark() >= time });
  }
}

/** Timestamps, watermarks and timers as process functions see them, and their side outputs. */
function timers(env: StreamExecutionEnvironment): void {
  const checked = env
    .fromSource(new DataGeneratorSource(reading, { count: RECORDS, recordsPerSecond: 40_000, outputType: ReadingType }), 'readings')
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Reading>(BOUND_MS).withTimestampAssigner((r) => r.time))
    .process(new SplitHigh(), ReadingType)
    .uid('split-high');
  checked.getSideOutput(HIGH).sinkTo(new CollectSink('high')).setParallelism(1);
  checked.getSideOutput(VIOLATIONS).sinkTo(new CollectSink('violations'));
  const ends = checked
    .keyBy((r) => r.key)
    .process(new EndOfSecond(), Types.object({ key: Types.string, time: Types.number, timestampIsTimer: Types.boolean, watermarkReached: Types.boolean }))
    .uid('end-of-second');
  ends.sinkTo(new CollectSink('ends'));
  ends.getSideOutput(VIOLATIONS).sinkTo(new CollectSink('keyed-violations')).setParallelism(1);
}

/** Every pipeline of this module in one job, each from its own source, into its own sinks. */
export const job = defineJob('event-time', (env) => {
  env.getConfig().setAutoWatermarkInterval(10);
  late(env);
  lateSliding(env);
  processingTime(env);
  idleness(env);
  timers(env);
});
