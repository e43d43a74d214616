/**
 * @module Nexmark Query 5, hot items: for every sliding window of 10 s that starts every 2 s, the
 * auctions with the most bids in it. Two window stages: a sliding event-time window per auction counts
 * its bids, then the counts of one window meet (keyed by the window's end) in a tumbling window that
 * keeps the largest.
 *
 * Flink nexmark's definition (queries/q5.sql):
 *
 *   INSERT INTO nexmark_q5
 *   SELECT AuctionBids.auction, AuctionBids.num
 *    FROM (
 *      SELECT auction, count(*) AS num, window_start AS starttime, window_end AS endtime
 *      FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
 *      GROUP BY auction, window_start, window_end
 *    ) AS AuctionBids
 *    JOIN (
 *      SELECT max(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
 *      FROM (
 *        SELECT count(*) AS num, window_start AS starttime, window_end AS endtime
 *        FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
 *        GROUP BY auction, window_start, window_end
 *      ) AS CountBids
 *      GROUP BY CountBids.starttime, CountBids.endtime
 *    ) AS MaxBids
 *    ON AuctionBids.starttime = MaxBids.starttime AND
 *       AuctionBids.endtime = MaxBids.endtime AND
 *       AuctionBids.num >= MaxBids.maxn;
 *
 * Windows are [start, end) of event time, as HOP's. Every auction that ties for the most bids is a
 * row. The rows also carry their window (`starttime`, `endtime`), which the SQL computes but does not
 * select: without it, the rows of different windows could not be told apart. At the end of a bounded
 * input the final watermark fires the windows still open, with the bids they got.
 */
import {
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  Types,
  defineJob,
  type AggregateFunction,
  type Bid,
  type Collector,
  type DataStream,
  type ProcessWindowFunctionContext,
  type TimeWindow,
  type TypeOf,
} from 'weir';
import { bidsOf, nexmarkEvents, nexmarkSettings, runQueryScript, sinkResults } from './params.ts';

export const Q5_SIZE_MS = 10_000;
export const Q5_SLIDE_MS = 2_000;

export const Q5Row = Types.object({ auction: Types.number, num: Types.number, starttime: Types.number, endtime: Types.number });
export type Q5Row = TypeOf<typeof Q5Row>;

/** COUNT(*), with a number as the accumulator. */
const countBids: AggregateFunction<Bid, number, number> = {
  createAccumulator: () => 0,
  add: (_bid, count) => count + 1,
  getResult: (count) => count,
  merge: (a, b) => a + b,
};

/** The largest count of a window and every auction that has it. */
interface HotAuctions {
  readonly num: number;
  readonly auctions: readonly number[];
  readonly starttime: number;
  readonly endtime: number;
}

const NONE: HotAuctions = { num: 0, auctions: [], starttime: 0, endtime: 0 };

/** Keeps the rows with the largest `num` (all of them on a tie); a new accumulator every time, as heap state needs. */
const hottest: AggregateFunction<Q5Row, HotAuctions, HotAuctions> = {
  createAccumulator: () => NONE,
  add: (row, best) => {
    if (row.num > best.num) return { num: row.num, auctions: [row.auction], starttime: row.starttime, endtime: row.endtime };
    if (row.num === best.num) return { ...best, auctions: [...best.auctions, row.auction] };
    return best;
  },
  getResult: (best) => best,
  merge: (a, b) => (b.num > a.num ? b : b.num < a.num ? a : { ...a, auctions: [...a.auctions, ...b.auctions] }),
};

/** An append-only stream: per 10-s window (one every 2 s), the auctions with the most bids. */
export function q5(bids: DataStream<Bid>): DataStream<Q5Row> {
  return bids
    .keyBy((bid: Bid) => bid.auction)
    .window(SlidingEventTimeWindows.of(Q5_SIZE_MS, Q5_SLIDE_MS))
    .aggregate(
      countBids,
      (auction: number, ctx: ProcessWindowFunctionContext<TimeWindow>, counts: Iterable<number>, out: Collector<Q5Row>) => {
        const window = ctx.window();
        for (const num of counts) out.collect({ auction, num, starttime: window.start, endtime: window.end });
      },
      Q5Row,
    )
    .name('q5-count-bids')
    .uid('q5-count-bids')
    // A window's counts carry its last millisecond (endtime - 1) as timestamp: they all fall in one
    // tumbling window of the slide's size, keyed by the window's end.
    .keyBy((row: Q5Row) => row.endtime)
    .window(TumblingEventTimeWindows.of(Q5_SLIDE_MS))
    .aggregate(
      hottest,
      (_endtime: number, _ctx: ProcessWindowFunctionContext<TimeWindow>, results: Iterable<HotAuctions>, out: Collector<Q5Row>) => {
        for (const best of results) {
          for (const auction of best.auctions) out.collect({ auction, num: best.num, starttime: best.starttime, endtime: best.endtime });
        }
      },
      Q5Row,
    )
    .name('q5')
    .uid('q5');
}

export const job = defineJob('nexmark-q5', (env, params) => {
  const settings = nexmarkSettings(params);
  sinkResults(q5(bidsOf(nexmarkEvents(env, settings))), settings, 'q5');
});

runQueryScript(import.meta.url, 'q5');
