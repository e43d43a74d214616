/**
 * @module Nexmark Query 18, find last bid: for every (bidder, auction), the bidder's latest bid on the
 * auction. A deduplication keeping the last row: keyed state holds the latest bid, and a newer bid
 * replaces it and is emitted.
 *
 * Flink nexmark's definition (queries/q18.sql):
 *
 *   INSERT INTO nexmark_q18
 *   SELECT auction, bidder, price, channel, url, dateTime, extra
 *    FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY dateTime DESC) AS rank_number
 *          FROM bid)
 *    WHERE rank_number <= 1;
 *
 * Several bids of one (bidder, auction) can share a millisecond. Flink keeps whichever arrived last,
 * which depends on how parallel sources interleave; here the tie goes to the bid that sorts last by
 * (price, channel, url, extra), so the result is the same at any parallelism and after a restore.
 */
import {
  KeyedProcessFunction,
  NexmarkTypes,
  ValueStateDescriptor,
  defineJob,
  type Bid,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type ValueState,
} from 'weir';
import { bidsOf, nexmarkEvents, nexmarkSettings, runQueryScript, sinkResults } from './params.ts';

export type Q18Row = Bid;

/** Orders the bids of one (bidder, auction) by time; equal times by the other fields, so that the order is total. */
export function compareBidTime(a: Bid, b: Bid): number {
  return a.dateTime - b.dateTime || a.price - b.price || compareStrings(a.channel, b.channel) || compareStrings(a.url, b.url) || compareStrings(a.extra, b.extra);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keeps the latest bid of the current (bidder, auction) and emits it whenever a newer one replaces it. */
export class LastBid extends KeyedProcessFunction<readonly [number, number], Bid, Q18Row> {
  #last!: ValueState<Bid>;

  override open(): void {
    this.#last = this.getRuntimeContext().getState(new ValueStateDescriptor('last-bid', NexmarkTypes.bid));
  }

  processElement(bid: Bid, _ctx: KeyedProcessContext<readonly [number, number]>, out: Collector<Q18Row>): void {
    const last = this.#last.value();
    if (last !== undefined && compareBidTime(bid, last) <= 0) return;
    this.#last.update(bid);
    out.collect(bid);
  }
}

/** The key of a result row, for an upsert sink. */
export function q18Key(row: Q18Row): string {
  return `${row.bidder}|${row.auction}`;
}

/** An updating stream: a (bidder, auction)'s new last bid whenever it changes. */
export function q18(bids: DataStream<Bid>): DataStream<Q18Row> {
  return bids
    .keyBy((bid): readonly [number, number] => [bid.bidder, bid.auction])
    .process(new LastBid(), NexmarkTypes.bid)
    .name('q18')
    .uid('q18');
}

export const job = defineJob('nexmark-q18', (env, params) => {
  const settings = nexmarkSettings(params);
  sinkResults(q18(bidsOf(nexmarkEvents(env, settings))), settings, 'q18', q18Key);
});

runQueryScript(import.meta.url, 'q18');
