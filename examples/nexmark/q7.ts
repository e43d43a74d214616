/**
 * @module Nexmark Query 7, highest bid: the bids with the highest price of their 10-s tumbling window.
 * The window's maximum is computed in two steps (partial maxima over salted keys, then one per
 * window), and joined back with the bids in an interval join keyed by price.
 *
 * Flink nexmark's definition (queries/q7.sql):
 *
 *   INSERT INTO nexmark_q7
 *   SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra
 *   from bid B
 *   JOIN (
 *     SELECT MAX(price) AS maxprice, window_end as dateTime
 *     FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
 *     GROUP BY window_start, window_end
 *   ) B1
 *   ON B.price = B1.maxprice
 *   WHERE B.dateTime BETWEEN B1.dateTime  - INTERVAL '10' SECOND AND B1.dateTime;
 *
 * The join condition is the SQL's exactly: the maximum of the window [end - 10 s, end) carries the
 * timestamp end - 1, and a bid of the same price joins it when `end - 10 s <= dateTime <= end`, i.e.
 * `between(-(10 s - 1), 1)` around that timestamp. BETWEEN includes both ends, so a bid at exactly a
 * window's end is compared with that window's maximum as well as its own window's: it can be a row
 * twice. MAX over the whole window has no grouping key; it is spread over {@link Q7_SALT} keys
 * (auction mod Q7_SALT) for partial maxima, which meet per window, as Flink's two-phase aggregation
 * does. At the end of a bounded input the final watermark fires the last window with the bids it got.
 */
import {
  ProcessJoinFunction,
  TumblingEventTimeWindows,
  Types,
  defineJob,
  type Bid,
  type Collector,
  type DataStream,
  type ProcessJoinContext,
  type ProcessWindowFunctionContext,
  type TimeWindow,
  type TypeOf,
} from 'weir';
import { bidsOf, nexmarkEvents, nexmarkSettings, runQueryScript, sinkResults } from './params.ts';

export const Q7_SIZE_MS = 10_000;
/** How many keys share the partial maxima of one window. */
export const Q7_SALT = 64;

export const Q7Row = Types.object({ auction: Types.number, price: Types.number, bidder: Types.number, dateTime: Types.number, extra: Types.string });
export type Q7Row = TypeOf<typeof Q7Row>;

const WindowMax = Types.object({ maxprice: Types.number, end: Types.number });
type WindowMax = TypeOf<typeof WindowMax>;

const max = (a: number, b: number): number => (a >= b ? a : b);

/** Emits a bid whose price is its window's maximum. */
class HighestBid extends ProcessJoinFunction<WindowMax, Bid, Q7Row> {
  processElement(_max: WindowMax, bid: Bid, _ctx: ProcessJoinContext, out: Collector<Q7Row>): void {
    out.collect({ auction: bid.auction, price: bid.price, bidder: bid.bidder, dateTime: bid.dateTime, extra: bid.extra });
  }
}

/** An append-only stream: once a window ended, the bids with its highest price. */
export function q7(bids: DataStream<Bid>): DataStream<Q7Row> {
  const partial = bids
    .keyBy((bid: Bid) => bid.auction % Q7_SALT)
    .window(TumblingEventTimeWindows.of(Q7_SIZE_MS))
    .aggregate(
      { createAccumulator: () => Number.NEGATIVE_INFINITY, add: (bid: Bid, acc: number) => max(acc, bid.price), getResult: (acc: number) => acc, merge: max },
      (_salt: number, ctx: ProcessWindowFunctionContext<TimeWindow>, results: Iterable<number>, out: Collector<WindowMax>) => {
        for (const maxprice of results) out.collect({ maxprice, end: ctx.window().end });
      },
      WindowMax,
    )
    .name('q7-partial-max')
    .uid('q7-partial-max');
  const windowMax = partial
    .keyBy((partialMax: WindowMax) => partialMax.end)
    .window(TumblingEventTimeWindows.of(Q7_SIZE_MS))
    .reduce((a: WindowMax, b: WindowMax) => (a.maxprice >= b.maxprice ? a : b))
    .name('q7-max')
    .uid('q7-max');
  return windowMax
    .keyBy((m: WindowMax) => m.maxprice)
    .intervalJoin(bids.keyBy((bid: Bid) => bid.price))
    .between(-(Q7_SIZE_MS - 1), 1)
    .process(new HighestBid(), Q7Row)
    .name('q7')
    .uid('q7');
}

export const job = defineJob('nexmark-q7', (env, params) => {
  const settings = nexmarkSettings(params);
  sinkResults(q7(bidsOf(nexmarkEvents(env, settings))), settings, 'q7');
});

runQueryScript(import.meta.url, 'q7');
