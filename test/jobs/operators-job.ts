/**
 * @module One job with a pipeline per operator under test, each ending in its own CollectSink, so a
 * single run per parallelism covers every operator. The inputs are exported for the reference loops.
 */
import {
  CollectSink,
  KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  ProcessFunction,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
  RichMapFunction,
  Types,
  ValueStateDescriptor,
  defineJob,
  type Collector,
  type KeyedProcessContext,
  type ListState,
  type MapState,
  type OnTimerContext,
  type ProcessContext,
  type ReducingState,
  type AggregatingState,
  type ValueState,
} from 'weir';

/** A small deterministic PRNG so the inputs are the same in every thread. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const NUMBERS: readonly number[] = Array.from({ length: 5000 }, (_, i) => i);

export interface Sale {
  readonly shop: string;
  readonly amount: number;
  readonly seq: number;
}

const rnd = lcg(42);
export const SALES: readonly Sale[] = Array.from({ length: 4000 }, (_, seq) => ({
  shop: `shop-${Math.floor(rnd() * 37)}`,
  amount: Math.floor(rnd() * 1000) - 200,
  seq,
}));

export const WORDS: readonly string[] = Array.from({ length: 3000 }, () => ['a', 'b', 'c', 'd', 'e', 'f', 'g'][Math.floor(rnd() * 7)] as string);

/** Tags each record with the subtask that saw it. */
class TagSubtask<T> extends RichMapFunction<T, [T, number]> {
  map(value: T): [T, number] {
    return [value, this.getRuntimeContext().getTaskInfo().indexOfThisSubtask];
  }
}

export interface StateSummary {
  readonly shop: string;
  readonly count: number;
  readonly amounts: number[];
  readonly byParity: Record<string, number>;
  readonly total: number;
  readonly average: number;
}

/** Updates one state of every kind per record; emits a summary per key when the final watermark fires its timer. */
class AllStates extends KeyedProcessFunction<string, Sale, StateSummary> {
  count!: ValueState<number>;
  amounts!: ListState<number>;
  byParity!: MapState<string, number>;
  total!: ReducingState<number>;
  average!: AggregatingState<number, number>;

  override open(): void {
    const ctx = this.getRuntimeContext();
    this.count = ctx.getState(new ValueStateDescriptor<number>('count', Types.number));
    this.amounts = ctx.getListState(new ListStateDescriptor<number>('amounts', Types.number));
    this.byParity = ctx.getMapState(new MapStateDescriptor<string, number>('by-parity', Types.string, Types.number));
    this.total = ctx.getReducingState(new ReducingStateDescriptor<number>('total', (a, b) => a + b, Types.number));
    this.average = ctx.getAggregatingState(
      new AggregatingStateDescriptor<number, [number, number], number>('average', {
        createAccumulator: () => [0, 0],
        add: (value, [sum, n]) => [sum + value, n + 1],
        getResult: ([sum, n]) => sum / n,
        merge: ([a, b], [c, d]) => [a + c, b + d],
      }),
    );
  }

  processElement(sale: Sale, ctx: KeyedProcessContext<string>): void {
    this.count.update((this.count.value() ?? 0) + 1);
    this.amounts.add(sale.amount);
    const parity = sale.amount % 2 === 0 ? 'even' : 'odd';
    this.byParity.put(parity, (this.byParity.get(parity) ?? 0) + 1);
    this.total.add(sale.amount);
    this.average.add(sale.amount);
    ctx.timerService().registerEventTimeTimer(Number.MAX_SAFE_INTEGER);
  }

  override onTimer(_timestamp: number, ctx: OnTimerContext<string>, out: Collector<StateSummary>): void {
    out.collect({
      shop: ctx.getCurrentKey(),
      count: this.count.value() ?? 0,
      amounts: [...this.amounts.get()],
      byParity: Object.fromEntries(this.byParity.entries()),
      total: this.total.get() ?? 0,
      average: this.average.get() ?? Number.NaN,
    });
  }
}

class Passthrough extends ProcessFunction<number, number> {
  processElement(value: number, ctx: ProcessContext, out: Collector<number>): void {
    if (ctx.timestamp() === undefined) out.collect(value + 1);
  }
}

export const job = defineJob('operators', (env) => {
  const numbers = env.fromData(...NUMBERS);
  numbers
    .rebalance()
    .map((x) => x * 3, Types.number)
    .filter((x) => x % 2 === 1)
    .flatMap<number>((x, out) => {
      out.collect(x);
      out.collect(-x);
    }, Types.number)
    .sinkTo(new CollectSink('map-filter-flatmap'));

  numbers.rebalance().process(new Passthrough(), Types.number).sinkTo(new CollectSink('process'));

  // One producer keeps each key's records in order, so rolling aggregates are deterministic.
  const sales = env.fromData(...SALES).map((s) => s, Types.object({ shop: Types.string, amount: Types.number, seq: Types.number })).setParallelism(1);
  const byShop = sales.keyBy((s) => s.shop);
  byShop.sum('amount').uid('sum').sinkTo(new CollectSink('sum'));
  byShop.min('amount').uid('min').sinkTo(new CollectSink('min'));
  byShop.max('amount').uid('max').sinkTo(new CollectSink('max'));
  byShop.minBy('amount').uid('minBy').sinkTo(new CollectSink('minBy'));
  byShop.maxBy('amount').uid('maxBy').sinkTo(new CollectSink('maxBy'));
  byShop.reduce((a, b) => ({ shop: a.shop, amount: a.amount + b.amount, seq: b.seq })).uid('reduce').sinkTo(new CollectSink('reduce', { upsertKey: (s) => s.shop }));
  byShop.process(new AllStates()).uid('all-states').sinkTo(new CollectSink('all-states'));

  env
    .fromData(...WORDS)
    .map((w) => w.charCodeAt(0) - 96, Types.number)
    .keyBy((n) => n % 3)
    .sum()
    .uid('number-sum')
    .sinkTo(new CollectSink('number-sum'));

  const evens = env.fromData(...NUMBERS.filter((n) => n % 2 === 0));
  const odds = env.fromData(...NUMBERS.filter((n) => n % 2 === 1));
  evens.union(odds).rebalance().map((n) => n, Types.number).sinkTo(new CollectSink('union'));

  const words = env.fromData(...WORDS).rebalance().map((w) => w, Types.string);
  words.broadcast().map(new TagSubtask<string>()).sinkTo(new CollectSink('broadcast'));
  words.rebalance().map(new TagSubtask<string>()).sinkTo(new CollectSink('rebalance'));
  words.shuffle().map(new TagSubtask<string>()).sinkTo(new CollectSink('shuffle'));
  words.rescale().map(new TagSubtask<string>()).sinkTo(new CollectSink('rescale'));
  words.global().map(new TagSubtask<string>()).sinkTo(new CollectSink('global'));
  words.keyBy((w) => w).map(new TagSubtask<string>()).sinkTo(new CollectSink('keyby'));
  words
    .map(new TagSubtask<string>())
    .forward()
    .map(([w, first]) => [w, first] as const)
    .disableChaining()
    .map(new TagSubtask<readonly [string, number]>())
    .sinkTo(new CollectSink('forward'));
});
