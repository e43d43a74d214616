/**
 * @module Checkpointed two-input jobs to fail and restore. `--pipeline keyed`: clicks and buys (event
 * time) into a keyed co-process that keeps running totals per user in keyed state and counts its fired
 * event-time timers. `--pipeline broadcast`: rules broadcast to a keyed stream of events, matched
 * through broadcast state and keyed state. The first input's map throws once, on the first attempt, at
 * the first record from `--fail-after` on that follows a completed checkpoint (never with -1).
 * `--mode` picks EXACTLY_ONCE (aligned), UNALIGNED, ALIGNED_TIMEOUT or AT_LEAST_ONCE; `--slow-micros`
 * makes the two-input operator slow, so its input channels hold records in flight.
 */
import {
  CollectSink,
  DataGeneratorSource,
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  ListStateDescriptor,
  RichMapFunction,
  Types,
  ValueStateDescriptor,
  WatermarkStrategy,
  defineJob,
  randomInt,
  type CheckpointListener,
  type Collector,
  type KeyedBroadcastProcessContext,
  type KeyedProcessContext,
  type KeyedReadOnlyBroadcastProcessContext,
  type OnTimerContext,
  type ValueState,
} from 'weir';
import { RULES, event, matches, rule, type Event, type Rule } from './two-input-job.ts';

export const USERS = 30;
export const RULE_COUNT = 30;

export interface Click {
  readonly i: number;
  readonly user: string;
  readonly ts: number;
}
export interface Buy {
  readonly user: string;
  readonly ts: number;
  readonly amount: number;
}
export const click = (i: number): Click => ({ i, user: `u${randomInt(43, i, USERS)}`, ts: i * 2 });
export const buy = (j: number): Buy => ({ user: `u${randomInt(47, j, USERS)}`, ts: j * 4 + 1, amount: randomInt(53, j, 50) });
/** Buckets of 500 ms of event time, each with its own timer per user. */
export const bucketOf = (ts: number): number => Math.floor(ts / 500);

export interface Totals {
  readonly user: string;
  readonly clicks: number;
  readonly buys: number;
  readonly amount: number;
  /** Event-time timers fired for the user: one per bucket it has records in. */
  readonly fired: number;
}

/** Throws once, on the first attempt, at the first record from `failAfter` on once a checkpoint completed. */
class FailAfterCheckpoint<T> extends RichMapFunction<T, T> implements CheckpointListener {
  readonly #failAfter: number;
  readonly #indexOf: (value: T) => number;
  #checkpointed = false;
  constructor(failAfter: number, indexOf: (value: T) => number) {
    super();
    this.#failAfter = failAfter;
    this.#indexOf = indexOf;
  }
  notifyCheckpointComplete(): void {
    this.#checkpointed = true;
  }
  map(value: T): T {
    const index = this.#indexOf(value);
    if (this.#failAfter >= 0 && this.#checkpointed && index >= this.#failAfter && this.getRuntimeContext().getTaskInfo().attemptNumber === 0) {
      throw new Error(`injected failure at record ${index}`);
    }
    return value;
  }
}

const TOTALS = new ValueStateDescriptor<[number, number, number, number]>('totals', Types.tuple(Types.number, Types.number, Types.number, Types.number));

/** Running totals per user over both inputs; each record's bucket timer adds one to `fired` when it fires. */
class TotalsPerUser extends KeyedCoProcessFunction<string, Click, Buy, Totals> {
  readonly #slowMs: number;
  #totals!: ValueState<[number, number, number, number]>;
  constructor(slowMicros: number) {
    super();
    this.#slowMs = slowMicros / 1000;
  }
  override open(): void {
    this.#totals = this.getRuntimeContext().getState(TOTALS);
  }
  processElement1(value: Click, ctx: KeyedProcessContext<string>, out: Collector<Totals>): void {
    this.#update(value.ts, [1, 0, 0, 0], ctx, out);
  }
  processElement2(value: Buy, ctx: KeyedProcessContext<string>, out: Collector<Totals>): void {
    this.#update(value.ts, [0, 1, value.amount, 0], ctx, out);
  }
  override onTimer(_timestamp: number, ctx: OnTimerContext<string>, out: Collector<Totals>): void {
    this.#add([0, 0, 0, 1], ctx.getCurrentKey(), out);
  }
  #update(ts: number, delta: [number, number, number, number], ctx: KeyedProcessContext<string>, out: Collector<Totals>): void {
    const until = performance.now() + this.#slowMs;
    while (performance.now() < until);
    ctx.timerService().registerEventTimeTimer(bucketOf(ts) * 500 + 499);
    this.#add(delta, ctx.getCurrentKey(), out);
  }
  #add(delta: [number, number, number, number], user: string, out: Collector<Totals>): void {
    const [c, b, a, f] = this.#totals.value() ?? [0, 0, 0, 0];
    const next: [number, number, number, number] = [c + delta[0], b + delta[1], a + delta[2], f + delta[3]];
    this.#totals.update(next);
    out.collect({ user, clicks: next[0], buys: next[1], amount: next[2], fired: next[3] });
  }
}

const PENDING = new ListStateDescriptor<Event>('pending', Types.object({ id: Types.number, user: Types.string, amount: Types.number }));
const MATCHED = new ValueStateDescriptor<number>('matched', Types.number);

/**
 * Counts each user's (event, rule) matches, judging every pair once whatever arrives first (see
 * MatchRules in two-input-job.ts), and emits the user's running count: the last count per user is
 * exact only if broadcast state, keyed state and source positions all came back together.
 */
class CountMatches extends KeyedBroadcastProcessFunction<string, Event, Rule, [string, number]> {
  processElement(value: Event, ctx: KeyedReadOnlyBroadcastProcessContext<string>, out: Collector<[string, number]>): void {
    this.getRuntimeContext().getListState(PENDING).add(value);
    let found = 0;
    for (const [, r] of ctx.getBroadcastState(RULES).immutableEntries()) if (matches(value, r)) found++;
    this.#count(ctx.getCurrentKey(), found, out);
  }

  processBroadcastElement(value: Rule, ctx: KeyedBroadcastProcessContext<string>, out: Collector<[string, number]>): void {
    ctx.getBroadcastState(RULES).put(value.name, value);
    ctx.applyToKeyedState(PENDING, (user, pending) => {
      let found = 0;
      for (const e of pending.get()) if (matches(e, value)) found++;
      this.#count(user, found, out);
    });
  }

  #count(user: string, found: number, out: Collector<[string, number]>): void {
    const matched = this.getRuntimeContext().getState(MATCHED);
    const total = (matched.value() ?? 0) + found;
    matched.update(total);
    out.collect([user, total]);
  }
}

export const job = defineJob('two-input-recovery', (env, params) => {
  const mode = params.get('mode', 'EXACTLY_ONCE');
  env.enableCheckpointing(params.getInt('interval', 100), mode === 'AT_LEAST_ONCE' ? 'AT_LEAST_ONCE' : 'EXACTLY_ONCE');
  if (mode === 'UNALIGNED' || mode === 'ALIGNED_TIMEOUT') env.getCheckpointConfig().enableUnalignedCheckpoints(true);
  if (mode === 'ALIGNED_TIMEOUT') env.getCheckpointConfig().setAlignedCheckpointTimeout(5);
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
  env.getConfig().setAutoWatermarkInterval(5);
  const count = params.getInt('count');
  const rate = params.getNumber('rate');
  const failAfter = params.getInt('fail-after', -1);

  if (params.get('pipeline', 'keyed') === 'keyed') {
    const clicks = env
      .fromSource(
        new DataGeneratorSource(click, { count, recordsPerSecond: rate, outputType: Types.object({ i: Types.number, user: Types.string, ts: Types.number }) }),
        WatermarkStrategy.forMonotonousTimestamps<Click>().withTimestampAssigner((c) => c.ts),
        'clicks',
      )
      .uid('clicks')
      .map(new FailAfterCheckpoint<Click>(failAfter, (c) => c.i), Types.object({ i: Types.number, user: Types.string, ts: Types.number }))
      .uid('fail-clicks');
    const buys = env
      .fromSource(
        new DataGeneratorSource(buy, { count: count / 2, recordsPerSecond: rate / 2, outputType: Types.object({ user: Types.string, ts: Types.number, amount: Types.number }) }),
        WatermarkStrategy.forMonotonousTimestamps<Buy>().withTimestampAssigner((b) => b.ts),
        'buys',
      )
      .uid('buys');
    clicks
      .connect(buys)
      .keyBy((c) => c.user, (b) => b.user)
      .process(new TotalsPerUser(params.getNumber('slow-micros', 0)), Types.object({ user: Types.string, clicks: Types.number, buys: Types.number, amount: Types.number, fired: Types.number }))
      .name('totals-per-user')
      .uid('totals-per-user')
      .sinkTo(new CollectSink<Totals>('totals', { upsertKey: (t) => t.user }))
      .uid('totals');
    return;
  }

  const events = env
    .fromSource(new DataGeneratorSource(event, { count, recordsPerSecond: rate, outputType: Types.object({ id: Types.number, user: Types.string, amount: Types.number }) }), 'events')
    .uid('events')
    .map(new FailAfterCheckpoint<Event>(failAfter, (e) => e.id), Types.object({ id: Types.number, user: Types.string, amount: Types.number }))
    .uid('fail-events');
  const rules = env
    .fromSource(new DataGeneratorSource(rule, { count: RULE_COUNT, recordsPerSecond: params.getNumber('rule-rate'), outputType: Types.object({ name: Types.string, min: Types.number }) }), 'rules')
    .uid('rules')
    .setParallelism(1)
    .broadcast(RULES);
  events
    .keyBy((e) => e.user)
    .connect(rules)
    .process(new CountMatches(), Types.tuple(Types.string, Types.number))
    .uid('count-matches')
    .sinkTo(new CollectSink<[string, number]>('matches', { upsertKey: ([user]) => user }))
    .uid('matches');
});

