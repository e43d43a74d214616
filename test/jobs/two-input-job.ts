/**
 * @module One job with a pipeline per two-input operator under test (connect with CoMap, CoFlatMap and
 * CoProcess; keyed co-process with state and event-time timers; broadcast state into a keyed and a
 * non-keyed stream), each ending in its own CollectSink. The inputs are pure functions of their index,
 * exported for the reference loops.
 */
import {
  BroadcastProcessFunction,
  CollectSink,
  CoProcessFunction,
  DataGeneratorSource,
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  RichCoMapFunction,
  Types,
  ValueStateDescriptor,
  WatermarkStrategy,
  defineJob,
  randomInt,
  type BroadcastProcessContext,
  type Collector,
  type KeyedBroadcastProcessContext,
  type KeyedProcessContext,
  type KeyedReadOnlyBroadcastProcessContext,
  type MapState,
  type OnTimerContext,
  type ProcessContext,
  type ReadOnlyBroadcastProcessContext,
  type ValueState,
} from 'weir';

export const USERS = 23;

export const NUMBER_COUNT = 3000;
export const WORD_COUNT = 2000;
export const word = (i: number): string => `w${randomInt(3, i, 50)}`;

export interface Click {
  readonly user: string;
  readonly ts: number;
}
export interface Buy {
  readonly user: string;
  readonly ts: number;
  readonly amount: number;
}
export const CLICK_COUNT = 4000;
export const BUY_COUNT = 2500;
export const click = (i: number): Click => ({ user: `u${randomInt(11, i, USERS)}`, ts: i * 7 });
export const buy = (i: number): Buy => ({ user: `u${randomInt(13, i, USERS)}`, ts: i * 11 + 3, amount: randomInt(17, i, 100) });
/** The event-time bucket (1 s) a click or buy belongs to. */
export const bucketOf = (ts: number): number => Math.floor(ts / 1000);

export interface BucketSummary {
  readonly user: string;
  readonly bucket: number;
  readonly clicks: number;
  readonly buys: number;
  readonly amount: number;
}

export interface Event {
  readonly id: number;
  readonly user: string;
  readonly amount: number;
}
export interface Rule {
  readonly name: string;
  readonly min: number;
}
export const EVENT_COUNT = 3000;
export const RULE_COUNT = 12;
export const event = (i: number): Event => ({ id: i, user: `u${randomInt(19, i, USERS)}`, amount: randomInt(23, i, 1000) });
export const rule = (i: number): Rule => ({ name: `r${i}`, min: randomInt(29, i, 900) });
/** Whether `rule` fires for `event`. */
export const matches = (e: Event, r: Rule): boolean => e.amount >= r.min && e.amount < r.min + 120;

export interface Match {
  readonly id: number;
  readonly rule: string;
}

const ClickType = Types.object({ user: Types.string, ts: Types.number });
const BuyType = Types.object({ user: Types.string, ts: Types.number, amount: Types.number });
const EventType = Types.object({ id: Types.number, user: Types.string, amount: Types.number });
const RuleType = Types.object({ name: Types.string, min: Types.number });
const MatchType = Types.object({ id: Types.number, rule: Types.string });
export const RULES = new MapStateDescriptor<string, Rule>('rules', Types.string, RuleType);

/** Tags each mapped record with the subtask that mapped it (rich co-functions have a runtime context). */
class TagSubtask extends RichCoMapFunction<number, string, [string, number]> {
  #subtask = -1;
  override open(): void {
    this.#subtask = this.getRuntimeContext().getTaskInfo().indexOfThisSubtask;
  }
  map1(value: number): [string, number] {
    return [`n:${value * 2}`, this.#subtask];
  }
  map2(value: string): [string, number] {
    return [`w:${value}`, this.#subtask];
  }
}

/** Says which input each record came through and whether it has a timestamp. */
class WhichInput extends CoProcessFunction<number, string, [number, string, number | null]> {
  processElement1(value: number, ctx: ProcessContext, out: Collector<[number, string, number | null]>): void {
    out.collect([1, String(value), ctx.timestamp() ?? null]);
  }
  processElement2(value: string, ctx: ProcessContext, out: Collector<[number, string, number | null]>): void {
    out.collect([2, value, ctx.timestamp() ?? null]);
  }
}

/**
 * A two-input tumbling window made of keyed state and event-time timers: clicks and buys of a user
 * are counted per 1-second bucket in MapState, and the bucket's timer emits and clears it.
 */
class BucketClicksAndBuys extends KeyedCoProcessFunction<string, Click, Buy, BucketSummary> {
  #buckets!: MapState<number, [number, number, number]>;

  override open(): void {
    this.#buckets = this.getRuntimeContext().getMapState(new MapStateDescriptor('buckets', Types.number, Types.tuple(Types.number, Types.number, Types.number)));
  }

  processElement1(value: Click, ctx: KeyedProcessContext<string>): void {
    this.#add(value.ts, 1, 0, 0, ctx);
  }

  processElement2(value: Buy, ctx: KeyedProcessContext<string>): void {
    this.#add(value.ts, 0, 1, value.amount, ctx);
  }

  override onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<BucketSummary>): void {
    const bucket = bucketOf(timestamp);
    const [clicks, buys, amount] = this.#buckets.get(bucket) ?? [0, 0, 0];
    this.#buckets.remove(bucket);
    out.collect({ user: ctx.getCurrentKey(), bucket, clicks, buys, amount });
  }

  #add(ts: number, clicks: number, buys: number, amount: number, ctx: KeyedProcessContext<string>): void {
    const bucket = bucketOf(ts);
    const [c, b, a] = this.#buckets.get(bucket) ?? [0, 0, 0];
    this.#buckets.put(bucket, [c + clicks, b + buys, a + amount]);
    ctx.timerService().registerEventTimeTimer(bucket * 1000 + 999);
  }
}

/** Counts each user's records on both inputs in one ValueState shared by the two inputs. */
class CountBoth extends KeyedCoProcessFunction<string, Click, Buy, [string, number]> {
  #count!: ValueState<number>;
  override open(): void {
    this.#count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', Types.number));
  }
  processElement1(_value: Click, ctx: KeyedProcessContext<string>, out: Collector<[string, number]>): void {
    this.#bump(ctx, out);
  }
  processElement2(_value: Buy, ctx: KeyedProcessContext<string>, out: Collector<[string, number]>): void {
    this.#bump(ctx, out);
  }
  #bump(ctx: KeyedProcessContext<string>, out: Collector<[string, number]>): void {
    const n = (this.#count.value() ?? 0) + 1;
    this.#count.update(n);
    out.collect([ctx.getCurrentKey(), n]);
  }
}

const PENDING = new ListStateDescriptor<Event>('pending', EventType);

/**
 * Every (event, rule) pair is judged exactly once, whatever arrives first: an event against the rules
 * already in the broadcast state (read-only), a new rule against the events kept in keyed state
 * (`applyToKeyedState`). So the output is a function of the inputs alone, not of their interleaving.
 */
export class MatchRules extends KeyedBroadcastProcessFunction<string, Event, Rule, Match> {
  processElement(value: Event, ctx: KeyedReadOnlyBroadcastProcessContext<string>, out: Collector<Match>): void {
    this.getRuntimeContext().getListState(PENDING).add(value);
    for (const [, r] of ctx.getBroadcastState(RULES).immutableEntries()) if (matches(value, r)) out.collect({ id: value.id, rule: r.name });
  }

  processBroadcastElement(value: Rule, ctx: KeyedBroadcastProcessContext<string>, out: Collector<Match>): void {
    ctx.getBroadcastState(RULES).put(value.name, value);
    ctx.applyToKeyedState(PENDING, (_user, pending) => {
      for (const e of pending.get()) if (matches(e, value)) out.collect({ id: e.id, rule: value.name });
    });
  }
}

/** The non-keyed variant: events are kept in the function itself (enough for a run without failures). */
class MatchRulesUnkeyed extends BroadcastProcessFunction<Event, Rule, Match> {
  readonly #events: Event[] = [];
  processElement(value: Event, ctx: ReadOnlyBroadcastProcessContext, out: Collector<Match>): void {
    this.#events.push(value);
    for (const [, r] of ctx.getBroadcastState(RULES).immutableEntries()) if (matches(value, r)) out.collect({ id: value.id, rule: r.name });
  }
  processBroadcastElement(value: Rule, ctx: BroadcastProcessContext, out: Collector<Match>): void {
    ctx.getBroadcastState(RULES).put(value.name, value);
    for (const e of this.#events) if (matches(e, value)) out.collect({ id: e.id, rule: value.name });
  }
}

export const job = defineJob('two-input', (env) => {
  // Watermarks every millisecond and event-time sources that take ~0.2 s: timers fire while records still flow.
  env.getConfig().setAutoWatermarkInterval(1);
  const numbers = env.fromSource(
    new DataGeneratorSource((i) => i, { count: NUMBER_COUNT, outputType: Types.number }),
    WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((n) => n),
    'numbers',
  );
  const words = env.fromSource(new DataGeneratorSource(word, { count: WORD_COUNT, outputType: Types.string }), 'words');

  numbers
    .connect(words)
    .map({ map1: (n) => `n:${n * 2}`, map2: (w) => `w:${w}` }, Types.string)
    .uid('co-map')
    .sinkTo(new CollectSink('co-map'));
  numbers
    .connect(words)
    .map(new TagSubtask(), Types.tuple(Types.string, Types.number))
    .sinkTo(new CollectSink('rich-co-map'));
  numbers
    .connect(words)
    .flatMap<number>(
      {
        flatMap1(n, out) {
          if (n % 3 === 0) {
            out.collect(n);
            out.collect(-n);
          }
        },
        flatMap2(w, out) {
          out.collect(w.length);
        },
      },
      Types.number,
    )
    .sinkTo(new CollectSink('co-flat-map'));
  numbers.connect(words.rebalance()).process(new WhichInput()).sinkTo(new CollectSink('co-process'));

  const clicks = env.fromSource(
    new DataGeneratorSource(click, { count: CLICK_COUNT, recordsPerSecond: 20_000, outputType: ClickType }),
    WatermarkStrategy.forMonotonousTimestamps<Click>().withTimestampAssigner((c) => c.ts),
    'clicks',
  );
  const buys = env.fromSource(
    new DataGeneratorSource(buy, { count: BUY_COUNT, recordsPerSecond: 12_500, outputType: BuyType }),
    WatermarkStrategy.forMonotonousTimestamps<Buy>().withTimestampAssigner((b) => b.ts),
    'buys',
  );
  clicks
    .connect(buys)
    .keyBy((c) => c.user, (b) => b.user)
    .process(new BucketClicksAndBuys(), Types.object({ user: Types.string, bucket: Types.number, clicks: Types.number, buys: Types.number, amount: Types.number }))
    .uid('buckets')
    .sinkTo(new CollectSink('keyed-co-process'));
  clicks
    .keyBy((c) => c.user)
    .connect(buys.keyBy((b) => b.user))
    .process(new CountBoth(), Types.tuple(Types.string, Types.number))
    .uid('count-both')
    .sinkTo(new CollectSink<[string, number]>('count-both', { upsertKey: ([user]) => user }));

  const events = env.fromSource(new DataGeneratorSource(event, { count: EVENT_COUNT, outputType: EventType }), 'events');
  const rules = env.fromSource(new DataGeneratorSource(rule, { count: RULE_COUNT, outputType: RuleType }), 'rules').broadcast(RULES);
  events
    .keyBy((e) => e.user)
    .connect(rules)
    .process(new MatchRules(), MatchType)
    .uid('match-rules')
    .sinkTo(new CollectSink('keyed-broadcast'));
  events.connect(rules).process(new MatchRulesUnkeyed(), MatchType).uid('match-rules-unkeyed').sinkTo(new CollectSink('broadcast'));
});
