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
  type Bid,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type ListState,
  type NexmarkEvent,
  type TypeSerializer,
  type ValueState,
} from 'weir';
import { bidsOf, nexmarkEvents, nexmarkSettings } from '../../examples/nexmark/params.ts';
import { Q0Row, q0 } from '../../examples/nexmark/q0.ts';
import { Q1Row, q1 } from '../../examples/nexmark/q1.ts';
import { Q2Row, q2 } from '../../examples/nexmark/q2.ts';
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

const QUERIES: Record<string, (bids: DataStream<Bid>) => void> = {
  q0: (bids) => collectAll(q0(bids), 'q0', Q0Row),
  q1: (bids) => collectAll(q1(bids), 'q1', Q1Row),
  q2: (bids) => collectAll(q2(bids), 'q2', Q2Row),
  q17: (bids) => collectFinal(q17(bids), 'q17', Q17Row, q17Key),
  q18: (bids) => collectFinal(q18(bids), 'q18', NexmarkTypes.bid, q18Key),
  q19: (bids) => collectFinal(q19(bids), 'q19', Q19Row, q19Key),
};

export const job = defineJob('nexmark-failover', (env, params) => {
  const settings = nexmarkSettings(params);
  const events = nexmarkEvents(env, settings).map(new FailOnce(params.getInt('fail-after')), NexmarkTypes.event).uid('fail-once');
  const bids = bidsOf(events);
  for (const query of params.get('queries', Object.keys(QUERIES).join(',')).split(',')) {
    const build = QUERIES[query];
    if (build === undefined) throw new Error(`unknown query '${query}'; known: ${Object.keys(QUERIES).join(', ')}`);
    build(bids);
  }
});
