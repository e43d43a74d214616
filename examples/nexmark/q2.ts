/**
 * @module Nexmark Query 2, selection: the bids on every 123rd auction, with their price. A filter and
 * a projection.
 *
 * Flink nexmark's definition (queries/q2.sql). The original query picked five auction ids, which
 * yields only a few hundred results on streams of any size; every 123rd auction keeps it busy:
 *
 *   INSERT INTO nexmark_q2
 *   SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
 */
import { Types, defineJob, type Bid, type DataStream, type TypeOf } from 'weir';
import { bidsOf, nexmarkEvents, nexmarkSettings, runQueryScript, sinkResults } from './params.ts';

export const Q2Row = Types.object({ auction: Types.number, price: Types.number });
export type Q2Row = TypeOf<typeof Q2Row>;

export const AUCTION_SKIP = 123;

export function q2(bids: DataStream<Bid>): DataStream<Q2Row> {
  return bids
    .filter((bid: Bid) => bid.auction % AUCTION_SKIP === 0)
    .name('q2-filter')
    .uid('q2-filter')
    .map((bid: Bid): Q2Row => ({ auction: bid.auction, price: bid.price }), Q2Row)
    .name('q2')
    .uid('q2');
}

export const job = defineJob('nexmark-q2', (env, params) => {
  const settings = nexmarkSettings(params);
  sinkResults(q2(bidsOf(nexmarkEvents(env, settings))), settings, 'q2');
});

runQueryScript(import.meta.url, 'q2');
