/**
 * @module Joins under test, one pipeline per variant, each ending in its own CollectSink: interval joins
 * with inclusive, exclusive, negative-only, positive-only and zero bounds, window joins (a JoinFunction
 * and a RichFlatJoinFunction) and a window coGroup over tumbling event-time windows. Both
 * inputs are pure functions of their index with timestamps that rise within each source subtask, so
 * no record is ever late and the joined pairs depend on the inputs alone.
 */
import {
  CollectSink,
  DataGeneratorSource,
  ProcessFunction,
  ProcessJoinFunction,
  RichFlatJoinFunction,
  TumblingEventTimeWindows,
  Types,
  WatermarkStrategy,
  defineJob,
  randomInt,
  type Collector,
  type ProcessContext,
  type ProcessJoinContext,
} from 'weir';

export const KEYS = 7;

export interface Side {
  readonly id: number;
  readonly key: string;
  readonly ts: number;
}

export const LEFT_COUNT = 2000;
export const RIGHT_COUNT = 1600;
export const left = (i: number): Side => ({ id: i, key: `k${randomInt(31, i, KEYS)}`, ts: i * 3 });
export const right = (j: number): Side => ({ id: j, key: `k${randomInt(37, j, KEYS)}`, ts: j * 4 + randomInt(41, j, 3) });

/** A joined pair: the ids, the pair's timestamp as the function saw it, and the emitted record's timestamp. */
export interface Pair {
  readonly l: number;
  readonly r: number;
  readonly ts: number;
  readonly emittedAt: number | null;
}

/** The interval joins under test: [lower, upper] and which bounds are exclusive. */
export const INTERVALS = [
  { name: 'inclusive', lower: -10, upper: 15, lowerExclusive: false, upperExclusive: false },
  { name: 'exclusive', lower: -10, upper: 15, lowerExclusive: true, upperExclusive: true },
  { name: 'before', lower: -20, upper: -5, lowerExclusive: false, upperExclusive: false },
  { name: 'after', lower: 5, upper: 30, lowerExclusive: false, upperExclusive: true },
  { name: 'same-time', lower: 0, upper: 0, lowerExclusive: false, upperExclusive: false },
] as const;

const SideType = Types.object({ id: Types.number, key: Types.string, ts: Types.number });
const JoinedType = Types.object({ l: Types.number, r: Types.number, ts: Types.number });

class PairUp extends ProcessJoinFunction<Side, Side, { l: number; r: number; ts: number }> {
  processElement(l: Side, r: Side, ctx: ProcessJoinContext, out: Collector<{ l: number; r: number; ts: number }>): void {
    if (ctx.getLeftTimestamp() !== l.ts || ctx.getRightTimestamp() !== r.ts) throw new Error(`wrong timestamps for ${l.id}/${r.id}`);
    out.collect({ l: l.id, r: r.id, ts: ctx.getTimestamp() });
  }
}

/** The window size of the window joins, in ms. */
export const WINDOW = 50;

/** A window coGroup's summary of one key and window. */
export interface Group {
  readonly key: string;
  readonly window: number;
  readonly lefts: number;
  readonly rights: number;
}

/** Keeps the pairs whose ids sum to a multiple of 3, from a rich function that must have been opened. */
class EveryThirdPair extends RichFlatJoinFunction<Side, Side, { l: number; r: number; ts: number }> {
  #opened = false;
  override open(): void {
    this.#opened = this.getRuntimeContext().getTaskInfo().numberOfParallelSubtasks > 0;
  }
  join(l: Side, r: Side, out: Collector<{ l: number; r: number; ts: number }>): void {
    if (!this.#opened) throw new Error('join() before open()');
    if ((l.id + r.id) % 3 === 0) out.collect({ l: l.id, r: r.id, ts: -1 });
  }
}

/** Adds the timestamp the joined record travels with. */
class WithTimestamp extends ProcessFunction<{ l: number; r: number; ts: number }, Pair> {
  processElement(value: { l: number; r: number; ts: number }, ctx: ProcessContext, out: Collector<Pair>): void {
    out.collect({ ...value, emittedAt: ctx.timestamp() ?? null });
  }
}

export const job = defineJob('joins', (env) => {
  // Watermarks every millisecond and sources that take ~0.1 s: buffers are cleaned up and timers fire while records still flow.
  env.getConfig().setAutoWatermarkInterval(1);
  const lefts = env.fromSource(
    new DataGeneratorSource(left, { count: LEFT_COUNT, recordsPerSecond: 20_000, outputType: SideType }),
    WatermarkStrategy.forMonotonousTimestamps<Side>().withTimestampAssigner((s) => s.ts),
    'lefts',
  );
  const rights = env.fromSource(
    new DataGeneratorSource(right, { count: RIGHT_COUNT, recordsPerSecond: 16_000, outputType: SideType }),
    WatermarkStrategy.forMonotonousTimestamps<Side>().withTimestampAssigner((s) => s.ts),
    'rights',
  );
  for (const interval of INTERVALS) {
    let joined = lefts.keyBy((s) => s.key).intervalJoin(rights.keyBy((s) => s.key)).between(interval.lower, interval.upper);
    if (interval.lowerExclusive) joined = joined.lowerBoundExclusive();
    if (interval.upperExclusive) joined = joined.upperBoundExclusive();
    joined
      .process(new PairUp(), JoinedType)
      .uid(`interval-${interval.name}`)
      .process(new WithTimestamp())
      .sinkTo(new CollectSink(`interval-${interval.name}`));
  }

  lefts
    .join(rights)
    .where((s) => s.key)
    .equalTo((s) => s.key)
    .window(TumblingEventTimeWindows.of(WINDOW))
    .apply((l, r) => ({ l: l.id, r: r.id, ts: -1 }), JoinedType)
    .uid('window-join')
    .process(new WithTimestamp())
    .sinkTo(new CollectSink('window-join'));
  lefts
    .join(rights)
    .where((s) => s.key)
    .equalTo((s) => s.key)
    .window(TumblingEventTimeWindows.of(WINDOW))
    .apply(new EveryThirdPair(), JoinedType)
    .process(new WithTimestamp())
    .sinkTo(new CollectSink('window-flat-join'));
  lefts
    .coGroup(rights)
    .where((s) => s.key)
    .equalTo((s) => s.key)
    .window(TumblingEventTimeWindows.of(WINDOW))
    .apply<Group>((ls, rs, out) => {
      const any = (ls[0] ?? rs[0]) as Side;
      out.collect({ key: any.key, window: Math.floor(any.ts / WINDOW), lefts: ls.length, rights: rs.length });
    }, Types.object({ key: Types.string, window: Types.number, lefts: Types.number, rights: Types.number }))
    .uid('window-co-group')
    .sinkTo(new CollectSink('window-co-group'));
});
