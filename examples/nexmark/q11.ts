/**
 * @module Nexmark Query 11, user sessions: per bidder, each session of bids (a session ends after 10 s
 * without a bid) with its number of bids and its bounds. An event-time session window per bidder,
 * counting incrementally.
 *
 * Flink nexmark's definition (queries/q11.sql):
 *
 *   INSERT INTO nexmark_q11
 *   SELECT
 *       B.bidder,
 *       count(*) as bid_count,
 *       SESSION_START(B.dateTime, INTERVAL '10' SECOND) as starttime,
 *       SESSION_END(B.dateTime, INTERVAL '10' SECOND) as endtime
 *   FROM bid B
 *   GROUP BY B.bidder, SESSION(B.dateTime, INTERVAL '10' SECOND);
 *
 * A session is [first bid's time, last bid's time + 10 s). Two bids are in one session when the later
 * comes at most 10 s after the earlier: windows that touch merge, as in Flink. At the end of a bounded
 * input the final watermark ends every open session.
 */
import { EventTimeSessionWindows, Types, defineJob, type AggregateFunction, type Bid, type Collector, type DataStream, type ProcessWindowFunctionContext, type TimeWindow, type TypeOf } from 'weir';
import { bidsOf, nexmarkEvents, nexmarkSettings, runQueryScript, sinkResults } from './params.ts';

export const Q11_GAP_MS = 10_000;

export const Q11Row = Types.object({ bidder: Types.number, bidCount: Types.number, starttime: Types.number, endtime: Types.number });
export type Q11Row = TypeOf<typeof Q11Row>;

const countBids: AggregateFunction<Bid, number, number> = {
  createAccumulator: () => 0,
  add: (_bid, count) => count + 1,
  getResult: (count) => count,
  merge: (a, b) => a + b,
};

/** An append-only stream: each bidder's sessions, once the watermark passed their end. */
export function q11(bids: DataStream<Bid>): DataStream<Q11Row> {
  return bids
    .keyBy((bid: Bid) => bid.bidder)
    .window(EventTimeSessionWindows.withGap(Q11_GAP_MS))
    .aggregate(
      countBids,
      (bidder: number, ctx: ProcessWindowFunctionContext<TimeWindow>, counts: Iterable<number>, out: Collector<Q11Row>) => {
        const window = ctx.window();
        for (const bidCount of counts) out.collect({ bidder, bidCount, starttime: window.start, endtime: window.end });
      },
      Q11Row,
    )
    .name('q11')
    .uid('q11');
}

export const job = defineJob('nexmark-q11', (env, params) => {
  const settings = nexmarkSettings(params);
  sinkResults(q11(bidsOf(nexmarkEvents(env, settings))), settings, 'q11');
});

runQueryScript(import.meta.url, 'q11');
