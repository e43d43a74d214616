/**
 * @module The Nexmark queries of examples/nexmark (`--queries q0,q1,...`, all by default) on one source,
 * with checkpoints, a failure injected on the first attempt after `--fail-after` events per source
 * subtask, and an exactly-once collection: keyed state gathers each query's results and emits them
 * once, when the final watermark fires, so rows seen before the restore are neither lost nor doubled.
 */
import {
  CollectSink,
  KeyedProcessFunction,
  ListStateDescriptor,
  NexmarkTypes,
  RichMapFunction,
  Types,
  ValueStateDescriptor,
  defineJob,
  type Auction,
  type Bid,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type ListState,
  type NexmarkEvent,
  type Person,
  type TypeSerializer,
  type ValueState,
} from 'weir';
import { auctionsOf, bidsOf, nexmarkEvents, nexmarkSettings, personsOf } from '../../examples/nexmark/params.ts';
import { Q0Row, q0 } from '../../examples/nexmark/q0.ts';
import { Q1Row, q1 } from '../../examples/nexmark/q1.ts';
import { Q2Row, q2 } from '../../examples/nexmark/q2.ts';
import { Q3Row, q3 } from '../../examples/nexmark/q3.ts';
import { Q4Row, q4, q4Key } from '../../examples/nexmark/q4.ts';
import { Q5Row, q5 } from '../../examples/nexmark/q5.ts';
import { Q7Row, q7 } from '../../examples/nexmark/q7.ts';
import { Q8Row, q8 } from '../../examples/nexmark/q8.ts';
import { Q11Row, q11 } from '../../examples/nexmark/q11.ts';
import { Q17Row, q17, q17Key } from '../../examples/nexmark/q17.ts';
import { q18, q18Key } from '../../examples/nexmark/q18.ts';
import { Q19Row, q19, q19Key } from '../../examples/nexmark/q19.ts';

const END = Number.MAX_SAFE_INTEGER;
const BUCKETS = 16;

class FailOnce extends RichMapFunction<NexmarkEvent, NexmarkEvent> {
  readonly #failAfter: number;
  #seen = 0;

  constructor(failAfter: number) {
    super();
    this.#failAfter = failAfter;
  }

  map(event: NexmarkEvent): NexmarkEvent {
    if (++this.#seen === this.#failAfter && this.getRuntimeContext().getTaskInfo().attemptNumber === 0) {
      throw new Error(`injected failure after ${this.#seen} events`);
    }
    return event;
  }
}

/** Gathers every row of its bucket and emits them all at the end of the input. */
class CollectAtEnd<T> extends KeyedProcessFunction<number, T, T> {
  readonly #type: TypeSerializer<T>;
  #rows!: ListState<T>;
  #count!: ValueState<number>;

  constructor(type: TypeSerializer<T>) {
    super();
    this.#type = type;
  }

  override open(): void {
    this.#rows = this.getRuntimeContext().getListState(new ListStateDescriptor('rows', this.#type));
    this.#count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', Types.number));
  }

  processElement(row: T, ctx: KeyedProcessContext<number>): void {
    const count = this.#count.value() ?? 0;
    if (count === 0) ctx.timerService().registerEventTimeTimer(END);
    this.#count.update(count + 1);
    this.#rows.add(row);
  }

  override onTimer(_time: number, _ctx: KeyedProcessContext<number>, out: Collector<T>): void {
    for (const row of this.#rows.get()) out.collect(row);
  }
}

/** Keeps the latest version of each row and emits it at the end of the input: the final table. */
class FinalTable<T> extends KeyedProcessFunction<string, T, T> {
  readonly #type: TypeSerializer<T>;
  #latest!: ValueState<T>;

  constructor(type: TypeSerializer<T>) {
    super();
    this.#type = type;
  }

  override open(): void {
    this.#latest = this.getRuntimeContext().getState(new ValueStateDescriptor('latest', this.#type));
  }

  processElement(row: T, ctx: KeyedProcessContext<string>): void {
    if (this.#latest.value() === undefined) ctx.timerService().registerEventTimeTimer(END);
    this.#latest.update(row);
  }

  override onTimer(_time: number, _ctx: KeyedProcessContext<string>, out: Collector<T>): void {
    const row = this.#latest.value();
    if (row !== undefined) out.collect(row);
  }
}

/** FNV-1a of the row's JSON: spreads rows over the buckets whatever their fields. */
function bucketOf(row: unknown): number {
  const text = JSON.stringify(row);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % BUCKETS;
}

function collectAll<T>(rows: DataStream<T>, name: string, type: TypeSerializer<T>): void {
  rows
    .keyBy(bucketOf)
    .process(new CollectAtEnd<T>(type), type)
    .uid(`${name}-collect`)
    .sinkTo(new CollectSink<T>(name))
    .uid(`${name}-sink`);
}

function collectFinal<T>(rows: DataStream<T>, name: string, type: TypeSerializer<T>, key: (row: T) => string): void {
  rows
    .keyBy(key)
    .process(new FinalTable<T>(type), type)
    .uid(`${name}-final`)
    .sinkTo(new CollectSink<T>(name))
    .uid(`${name}-sink`);
}

/** The event views, each made once and only when a query asks for it (their uids must be unique). */
interface Views {
  readonly bids: () => DataStream<Bid>;
  readonly persons: () => DataStream<Person>;
  readonly auctions: () => DataStream<Auction>;
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

const QUERIES: Record<string, (views: Views) => void> = {
  q0: ({ bids }) => collectAll(q0(bids()), 'q0', Q0Row),
  q1: ({ bids }) => collectAll(q1(bids()), 'q1', Q1Row),
  q2: ({ bids }) => collectAll(q2(bids()), 'q2', Q2Row),
  q3: ({ persons, auctions }) => collectAll(q3(persons(), auctions()), 'q3', Q3Row),
  q4: ({ auctions, bids }) => collectFinal(q4(auctions(), bids()), 'q4', Q4Row, (row) => String(q4Key(row))),
  q5: ({ bids }) => collectAll(q5(bids()), 'q5', Q5Row),
  q7: ({ bids }) => collectAll(q7(bids()), 'q7', Q7Row),
  q8: ({ persons, auctions }) => collectAll(q8(persons(), auctions()), 'q8', Q8Row),
  q11: ({ bids }) => collectAll(q11(bids()), 'q11', Q11Row),
  q17: ({ bids }) => collectFinal(q17(bids()), 'q17', Q17Row, q17Key),
  q18: ({ bids }) => collectFinal(q18(bids()), 'q18', NexmarkTypes.bid, q18Key),
  q19: ({ bids }) => collectFinal(q19(bids()), 'q19', Q19Row, q19Key),
};

export const job = defineJob('nexmark-failover', (env, params) => {
  const settings = nexmarkSettings(params);
  const events = nexmarkEvents(env, settings).map(new FailOnce(params.getInt('fail-after')), NexmarkTypes.event).uid('fail-once');
  const views: Views = { bids: once(() => bidsOf(events)), persons: once(() => personsOf(events)), auctions: once(() => auctionsOf(events)) };
  for (const query of params.get('queries', Object.keys(QUERIES).join(',')).split(',')) {
    const build = QUERIES[query];
    if (build === undefined) throw new Error(`unknown query '${query}'; known: ${Object.keys(QUERIES).join(', ')}`);
    build(views);
  }
});
