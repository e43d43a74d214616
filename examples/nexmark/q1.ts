/**
 * @module Nexmark Query 1, currency conversion: every bid with its price converted from dollars to
 * euros. A stateless map.
 *
 * Flink nexmark's definition (queries/q1.sql; `price` is DECIMAL(23, 3) there):
 *
 *   INSERT INTO nexmark_q1
 *   SELECT
 *       auction,
 *       bidder,
 *       0.908 * price as price, -- convert dollar to euro
 *       dateTime,
 *       extra
 *   FROM bid;
 */
import { Types, defineJob, type Bid, type DataStream, type TypeOf } from 'weir';
import { bidsOf, nexmarkEvents, nexmarkSettings, runQueryScript, sinkResults } from './params.ts';

export const Q1Row = Types.object({ auction: Types.number, bidder: Types.number, price: Types.number, dateTime: Types.number, extra: Types.string });
export type Q1Row = TypeOf<typeof Q1Row>;

/** `0.908 * price` as the double nearest to the exact decimal product (price · 908 is exact, then one rounding). */
export function dollarsToEuros(price: number): number {
  return (price * 908) / 1000;
}

export function q1(bids: DataStream<Bid>): DataStream<Q1Row> {
  return bids
    .map((bid: Bid): Q1Row => ({ auction: bid.auction, bidder: bid.bidder, price: dollarsToEuros(bid.price), dateTime: bid.dateTime, extra: bid.extra }), Q1Row)
    .name('q1')
    .uid('q1');
}

export const job = defineJob('nexmark-q1', (env, params) => {
  const settings = nexmarkSettings(params);
  sinkResults(q1(bidsOf(nexmarkEvents(env, settings))), settings, 'q1');
});

runQueryScript(import.meta.url, 'q1');
