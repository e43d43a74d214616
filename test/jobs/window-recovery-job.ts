/**
 * @module Windows across a failure: checkpoints every 100 ms, and a map that throws once (first
 * attempt) at record `--fail-at`, so the job restarts from its latest checkpoint. Tumbling, sliding
 * (on slices) and session windows report each window; a keyed function downstream counts how often each window fired and
 * reports that at the end of input. Exactly once: every window fired once, with all its records.
 */
import {
  CollectSink,
  DataGeneratorSource,
  EventTimeSessionWindows,
  KeyedProcessFunction,
  RichMapFunction,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  Types,
  ValueStateDescriptor,
  WatermarkStrategy,
  defineJob,
  randomInt,
  type AggregateFunction,
  type Collector,
  type KeyedProcessContext,
  type OnTimerContext,
  type ProcessWindowFunctionContext,
  type TimeWindow,
  type DataStream,
  type JobParameters,
  type StreamExecutionEnvironment,
  type ValueState,
} from 'weir';

export interface Tick {
  readonly i: number;
  readonly key: string;
  readonly value: number;
  readonly time: number;
}

/** Record i: 2 ms apart in event time plus up to 29 ms of jitter (at most 30 ms out of order). */
export function tick(i: number): Tick {
  return { i, key: `w${randomInt(51, i, 16)}`, value: randomInt(52, i, 100), time: i * 2 + randomInt(53, i, 30) };
}

export const TUMBLING_MS = 500;
export const SLIDING_SIZE_MS = 1000;
export const SLIDING_SLIDE_MS = 250;
export const SESSION_GAP_MS = 40;

/** A fired window: `kind/key/start`, its end and the sum and count of its records. */
export interface Fired {
  readonly id: string;
  readonly end: number;
  readonly sum: number;
  readonly count: number;
}

/** How often a window fired, and what it held the last time. */
export interface Firings extends Fired {
  readonly fires: number;
}

export const FiredType = Types.object({ id: Types.string, end: Types.number, sum: Types.number, count: Types.number });

export class FailOnce extends RichMapFunction<Tick, Tick> {
  readonly #failAt: number;
  constructor(failAt: number) {
    super();
    this.#failAt = failAt;
  }
  map(tick: Tick): Tick {
    if (tick.i === this.#failAt && this.getRuntimeContext().getTaskInfo().attemptNumber === 0) throw new Error(`injected failure at record ${tick.i}`);
    return tick;
  }
}

export const sumAndCount: AggregateFunction<Tick, { sum: number; count: number }, { sum: number; count: number }> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (t, acc) => ({ sum: acc.sum + t.value, count: acc.count + 1 }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

function report(kind: string) {
  return (key: string, ctx: ProcessWindowFunctionContext<TimeWindow>, results: Iterable<{ sum: number; count: number }>, out: Collector<Fired>): void => {
    for (const r of results) out.collect({ id: `${kind}/${key}/${ctx.window().start}`, end: ctx.window().end, sum: r.sum, count: r.count });
  };
}

/** Counts the firings of each window in state; reports them when the final watermark fires its timer. */
export class CountFirings extends KeyedProcessFunction<string, Fired, Firings> {
  #fires!: ValueState<number>;
  #last!: ValueState<Fired>;

  override open(): void {
    this.#fires = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('fires', Types.number));
    this.#last = this.getRuntimeContext().getState(new ValueStateDescriptor<Fired>('last', FiredType));
  }

  processElement(fired: Fired, ctx: KeyedProcessContext<string>): void {
    this.#fires.update((this.#fires.value() ?? 0) + 1);
    this.#last.update(fired);
    ctx.timerService().registerEventTimeTimer(Number.MAX_SAFE_INTEGER);
  }

  override onTimer(_time: number, _ctx: OnTimerContext<string>, out: Collector<Firings>): void {
    const last = this.#last.value();
    if (last !== undefined) out.collect({ ...last, fires: this.#fires.value() ?? 0 });
  }
}

/**
 * The ticks both recovery jobs window, checkpointed every 100 ms into `--checkpoints`, through a map
 * that throws once at record `--fail-at`.
 */
export function failingTicks(env: StreamExecutionEnvironment, params: JobParameters): DataStream<Tick> {
  env.enableCheckpointing(100);
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  env.getConfig().setAutoWatermarkInterval(20);
  return env
    .fromSource(
      new DataGeneratorSource(tick, {
        count: params.getInt('count'),
        recordsPerSecond: params.getNumber('rate'),
        outputType: Types.object({ i: Types.number, key: Types.string, value: Types.number, time: Types.number }),
      }),
      WatermarkStrategy.forBoundedOutOfOrderness<Tick>(60).withTimestampAssigner((t) => t.time),
      'ticks',
    )
    .uid('ticks')
    .map(new FailOnce(params.getInt('fail-at')))
    .uid('fail-once');
}

/** Counts how often each window of `fired` fired, into the CollectSink `sink`. */
export function countFirings(fired: DataStream<Fired>, sink: string): void {
  fired
    .keyBy((f) => f.id)
    .process(new CountFirings(), Types.object({ id: Types.string, end: Types.number, sum: Types.number, count: Types.number, fires: Types.number }))
    .uid('count-firings')
    .sinkTo(new CollectSink(sink))
    .uid(sink);
}

export const job = defineJob('window-recovery', (env, params) => {
  const ticks = failingTicks(env, params).keyBy((t) => t.key);
  const tumbling = ticks.window(TumblingEventTimeWindows.of(TUMBLING_MS)).aggregate(sumAndCount, report('tumbling'), FiredType).uid('tumbling');
  const sliding = ticks.window(SlidingEventTimeWindows.of(SLIDING_SIZE_MS, SLIDING_SLIDE_MS)).aggregate(sumAndCount, report('sliding'), FiredType).uid('sliding');
  const sessions = ticks.window(EventTimeSessionWindows.withGap(SESSION_GAP_MS)).aggregate(sumAndCount, report('session'), FiredType).uid('sessions');
  countFirings(tumbling.union(sliding, sessions), 'firings');
});
