/**
 * @module Nexmark Query 4, average price per category: the average closing price of the auctions of
 * each category, where an auction closes at the highest of its bids made while it ran. A join of
 * auctions with their bids in keyed state (KeyedCoProcessFunction), an event-time timer per auction at
 * its `expires`, then a running average per category.
 *
 * Flink nexmark's definition (queries/q4.sql):
 *
 *   INSERT INTO nexmark_q4
 *   SELECT Q.category, AVG(Q.final)
 *   FROM (
 *       SELECT MAX(B.price) AS final, A.category
 *       FROM auction A, bid B
 *       WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
 *       GROUP BY A.id, A.category
 *   ) Q
 *   GROUP BY Q.category;
 *
 * How the DataStream form differs: the SQL updates an auction's maximum with every bid and the
 * category's average with every change of a maximum (retracting the old one); here an auction counts
 * once, with its final maximum, when the watermark passes its `expires` (no bid of it can come later),
 * and the category's new average is emitted then. The final table is the same: per category, AVG of
 * BIGINT as Flink computes it (the sum divided by the count, rounded down) over the auctions that had
 * at least one bid in [dateTime, expires], both ends included. Auctions still open at the end of a
 * bounded input close on the final watermark with the bids they got.
 */
import {
  KeyedCoProcessFunction,
  KeyedProcessFunction,
  ListStateDescriptor,
  Types,
  ValueStateDescriptor,
  defineJob,
  type Auction,
  type Bid,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type ListState,
  type OnTimerContext,
  type TypeOf,
  type ValueState,
} from 'weir';
import { auctionsOf, bidsOf, nexmarkEvents, nexmarkSettings, runQueryScript, sinkResults } from './params.ts';

/** An auction's winning bid: the inner query's row. */
export const ClosedAuction = Types.object({ id: Types.number, category: Types.number, final: Types.number });
export type ClosedAuction = TypeOf<typeof ClosedAuction>;

export const Q4Row = Types.object({ category: Types.number, final: Types.number });
export type Q4Row = TypeOf<typeof Q4Row>;

const OpenAuction = Types.object({ dateTime: Types.number, expires: Types.number, category: Types.number });
type OpenAuction = TypeOf<typeof OpenAuction>;

const EarlyBid = Types.tuple(Types.number, Types.number);
/** [dateTime, price] of a bid that came before its auction. */
type EarlyBid = readonly [number, number];

/**
 * Per auction id: the auction (input 1) and the highest price of its bids (input 2) within [dateTime,
 * expires]; emits the auction's winning price when the watermark passes `expires`.
 *
 * A bid can arrive before its auction (they come from different source splits). Such a bid waits in
 * state until the watermark passes its time, then is dropped: an auction arriving after that is younger
 * than the bid, which does not count for it (and a bid after its auction closed is past `expires`).
 */
export class WinningBids extends KeyedCoProcessFunction<number, Auction, Bid, ClosedAuction> {
  #auction!: ValueState<OpenAuction>;
  #maxPrice!: ValueState<number>;
  #early!: ListState<EarlyBid>;

  override open(): void {
    const context = this.getRuntimeContext();
    this.#auction = context.getState(new ValueStateDescriptor('auction', OpenAuction));
    this.#maxPrice = context.getState(new ValueStateDescriptor('max-price', Types.number));
    this.#early = context.getListState(new ListStateDescriptor('early-bids', EarlyBid));
  }

  processElement1(auction: Auction, ctx: KeyedProcessContext<number>): void {
    const open: OpenAuction = { dateTime: auction.dateTime, expires: auction.expires, category: auction.category };
    this.#auction.update(open);
    ctx.timerService().registerEventTimeTimer(auction.expires);
    const early = [...this.#early.get()];
    if (early.length === 0) return;
    this.#early.clear();
    for (const [dateTime, price] of early) this.#offer(open, dateTime, price);
  }

  processElement2(bid: Bid, ctx: KeyedProcessContext<number>): void {
    const open = this.#auction.value();
    if (open !== undefined) {
      this.#offer(open, bid.dateTime, bid.price);
      return;
    }
    this.#early.add([bid.dateTime, bid.price]);
    ctx.timerService().registerEventTimeTimer(bid.dateTime);
  }

  override onTimer(timestamp: number, ctx: OnTimerContext<number>, out: Collector<ClosedAuction>): void {
    const open = this.#auction.value();
    if (open === undefined) {
      // the bids up to this time wait in vain: their auction, if it comes, is younger than they are
      const early = [...this.#early.get()];
      const waiting = early.filter(([dateTime]) => dateTime > timestamp);
      if (waiting.length === 0) this.#early.clear();
      else if (waiting.length < early.length) this.#early.update(waiting);
      return;
    }
    if (timestamp !== open.expires) return;
    const final = this.#maxPrice.value();
    if (final !== undefined) out.collect({ id: ctx.getCurrentKey(), category: open.category, final });
    this.#auction.clear();
    this.#maxPrice.clear();
  }

  #offer(open: OpenAuction, dateTime: number, price: number): void {
    if (dateTime < open.dateTime || dateTime > open.expires) return;
    const max = this.#maxPrice.value();
    if (max === undefined || price > max) this.#maxPrice.update(price);
  }
}

const Average = Types.object({ sum: Types.number, count: Types.number });
type Average = TypeOf<typeof Average>;

/** The running AVG(final) of the current category, emitted whenever an auction of it closes. */
export class AveragePerCategory extends KeyedProcessFunction<number, ClosedAuction, Q4Row> {
  #average!: ValueState<Average>;

  override open(): void {
    this.#average = this.getRuntimeContext().getState(new ValueStateDescriptor('average', Average));
  }

  processElement(closed: ClosedAuction, _ctx: KeyedProcessContext<number>, out: Collector<Q4Row>): void {
    const average = this.#average.value() ?? { sum: 0, count: 0 };
    const next = { sum: average.sum + closed.final, count: average.count + 1 };
    this.#average.update(next);
    out.collect({ category: closed.category, final: Math.floor(next.sum / next.count) });
  }
}

/** The key of a result row, for an upsert sink. */
export function q4Key(row: Q4Row): number {
  return row.category;
}

/** An updating stream: a category's new average whenever one of its auctions closes. */
export function q4(auctions: DataStream<Auction>, bids: DataStream<Bid>): DataStream<Q4Row> {
  return auctions
    .connect(bids)
    .keyBy(
      (auction: Auction) => auction.id,
      (bid: Bid) => bid.auction,
    )
    .process(new WinningBids(), ClosedAuction)
    .name('q4-winning-bids')
    .uid('q4-winning-bids')
    .keyBy((closed) => closed.category)
    .process(new AveragePerCategory(), Q4Row)
    .name('q4')
    .uid('q4');
}

export const job = defineJob('nexmark-q4', (env, params) => {
  const settings = nexmarkSettings(params);
  const events = nexmarkEvents(env, settings);
  sinkResults(q4(auctionsOf(events), bidsOf(events)), settings, 'q4', q4Key);
});

runQueryScript(import.meta.url, 'q4');
