/**
 * @module Nexmark Query 19, auction top-10 price: the ten highest bids of every auction, numbered 1 to
 * 10. A Top-N per key: keyed state holds the auction's ten best bids in order; a bid that enters them
 * emits the rows whose rank changed (its own and those it pushed down).
 *
 * Flink nexmark's definition (queries/q19.sql):
 *
 *   INSERT INTO nexmark_q19
 *   SELECT * FROM
 *   (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bid)
 *   WHERE rank_number <= 10;
 *
 * Among bids of equal price Flink ranks the one that arrived first higher, which depends on how
 * parallel sources interleave; here the earlier `dateTime` ranks higher, then the smaller (bidder,
 * channel, url, extra), so the result is the same at any parallelism and after a restore.
 */
import {
  KeyedProcessFunction,
  NexmarkTypes,
  Types,
  ValueStateDescriptor,
  defineJob,
  type Bid,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type TypeOf,
  type ValueState,
} from 'weir';
import { bidsOf, nexmarkEvents, nexmarkSettings, runQueryScript, sinkResults } from './params.ts';

export const TOP_N = 10;

export const Q19Row = Types.object({
  auction: Types.number,
  bidder: Types.number,
  price: Types.number,
  channel: Types.string,
  url: Types.string,
  dateTime: Types.number,
  extra: Types.string,
  rankNumber: Types.int,
});
export type Q19Row = TypeOf<typeof Q19Row>;

/** The ranking order: higher price first, then earlier, then the other fields, so that the order is total. */
export function compareRank(a: Bid, b: Bid): number {
  return b.price - a.price || a.dateTime - b.dateTime || a.bidder - b.bidder || compareStrings(a.channel, b.channel) || compareStrings(a.url, b.url) || compareStrings(a.extra, b.extra);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keeps the current auction's top bids and emits every row whose rank the new bid changed. */
export class TopBids extends KeyedProcessFunction<number, Bid, Q19Row> {
  #top!: ValueState<Bid[]>;

  override open(): void {
    this.#top = this.getRuntimeContext().getState(new ValueStateDescriptor('top-bids', Types.array(NexmarkTypes.bid)));
  }

  processElement(bid: Bid, _ctx: KeyedProcessContext<number>, out: Collector<Q19Row>): void {
    const top = this.#top.value() ?? [];
    let rank = top.length;
    while (rank > 0 && compareRank(bid, top[rank - 1] as Bid) < 0) rank--;
    if (rank >= TOP_N) return;
    // a new array: the state's copy-on-write snapshots may still hold the old one
    const next = [...top.slice(0, rank), bid, ...top.slice(rank, TOP_N - 1)];
    this.#top.update(next);
    for (let i = rank; i < next.length; i++) out.collect(rowOf(next[i] as Bid, i + 1));
  }
}

function rowOf(bid: Bid, rankNumber: number): Q19Row {
  return { auction: bid.auction, bidder: bid.bidder, price: bid.price, channel: bid.channel, url: bid.url, dateTime: bid.dateTime, extra: bid.extra, rankNumber };
}

/** The key of a result row, for an upsert sink: (auction, rank_number). */
export function q19Key(row: Q19Row): string {
  return `${row.auction}|${row.rankNumber}`;
}

/** An updating stream: the rows (auction, rank) that change as bids arrive. */
export function q19(bids: DataStream<Bid>): DataStream<Q19Row> {
  return bids
    .keyBy((bid) => bid.auction)
    .process(new TopBids(), Q19Row)
    .name('q19')
    .uid('q19');
}

export const job = defineJob('nexmark-q19', (env, params) => {
  const settings = nexmarkSettings(params);
  sinkResults(q19(bidsOf(nexmarkEvents(env, settings))), settings, 'q19', q19Key);
});

runQueryScript(import.meta.url, 'q19');
