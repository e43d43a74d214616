/**
 * @module Nexmark Query 0, pass-through: every bid, unchanged. It measures the cost of the source, the
 * bid selection and the sink, i.e. the engine's own overhead.
 *
 * Flink nexmark's definition (queries/q0.sql):
 *
 *   INSERT INTO nexmark_q0
 *   SELECT auction, bidder, price, dateTime, extra FROM bid;
 */
import { Types, defineJob, type Bid, type DataStream, type TypeOf } from 'weir';
import { bidsOf, nexmarkEvents, nexmarkSettings, runQueryScript, sinkResults } from './params.ts';

export const Q0Row = Types.object({ auction: Types.number, bidder: Types.number, price: Types.number, dateTime: Types.number, extra: Types.string });
export type Q0Row = TypeOf<typeof Q0Row>;

export function q0(bids: DataStream<Bid>): DataStream<Q0Row> {
  return bids
    .map((bid: Bid): Q0Row => ({ auction: bid.auction, bidder: bid.bidder, price: bid.price, dateTime: bid.dateTime, extra: bid.extra }), Q0Row)
    .name('q0')
    .uid('q0');
}

export const job = defineJob('nexmark-q0', (env, params) => {
  const settings = nexmarkSettings(params);
  sinkResults(q0(bidsOf(nexmarkEvents(env, settings))), settings, 'q0');
});

runQueryScript(import.meta.url, 'q0');
