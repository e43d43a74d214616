/**
 * @module Nexmark Query 17, auction statistics report: per auction and day, the number of bids, how
 * many fall in each of three price ranges, and the minimum, maximum, average and total price. An
 * unbounded keyed aggregation: each bid updates its (auction, day) row, which is emitted again.
 *
 * Flink nexmark's definition (queries/q17.sql). `day` is formatted in UTC; `avg_price` is BIGINT in
 * Flink, so it is the total divided by the count, rounded down:
 *
 *   INSERT INTO nexmark_q17
 *   SELECT
 *        auction,
 *        DATE_FORMAT(dateTime, 'yyyy-MM-dd') as `day`,
 *        count(*) AS total_bids,
 *        count(*) filter (where price < 10000) AS rank1_bids,
 *        count(*) filter (where price >= 10000 and price < 1000000) AS rank2_bids,
 *        count(*) filter (where price >= 1000000) AS rank3_bids,
 *        min(price) AS min_price,
 *        max(price) AS max_price,
 *        avg(price) AS avg_price,
 *        sum(price) AS sum_price
 *   FROM bid
 *   GROUP BY auction, DATE_FORMAT(dateTime, 'yyyy-MM-dd');
 */
import { Types, defineJob, type Bid, type DataStream, type TypeOf } from 'weir';
import { bidsOf, nexmarkEvents, nexmarkSettings, runQueryScript, sinkResults } from './params.ts';

export const Q17Row = Types.object({
  auction: Types.number,
  day: Types.string,
  totalBids: Types.number,
  rank1Bids: Types.number,
  rank2Bids: Types.number,
  rank3Bids: Types.number,
  minPrice: Types.number,
  maxPrice: Types.number,
  avgPrice: Types.number,
  sumPrice: Types.number,
});
export type Q17Row = TypeOf<typeof Q17Row>;

const MS_PER_DAY = 86_400_000;
let cachedDayNumber = Number.NaN;
let cachedDay = '';

/** `DATE_FORMAT(dateTime, 'yyyy-MM-dd')` in UTC; consecutive bids mostly share a day, so the last one is cached. */
export function formatDay(dateTime: number): string {
  const dayNumber = Math.floor(dateTime / MS_PER_DAY);
  if (dayNumber !== cachedDayNumber) {
    cachedDay = new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
    cachedDayNumber = dayNumber;
  }
  return cachedDay;
}

/** The row of a single bid: what the aggregation starts from. */
function statisticsOf(bid: Bid): Q17Row {
  const price = bid.price;
  return {
    auction: bid.auction,
    day: formatDay(bid.dateTime),
    totalBids: 1,
    rank1Bids: price < 10_000 ? 1 : 0,
    rank2Bids: price >= 10_000 && price < 1_000_000 ? 1 : 0,
    rank3Bids: price >= 1_000_000 ? 1 : 0,
    minPrice: price,
    maxPrice: price,
    avgPrice: price,
    sumPrice: price,
  };
}

/** Combines the rows of one (auction, day); associative, as a reduce function must be. */
function combine(a: Q17Row, b: Q17Row): Q17Row {
  const totalBids = a.totalBids + b.totalBids;
  const sumPrice = a.sumPrice + b.sumPrice;
  return {
    auction: a.auction,
    day: a.day,
    totalBids,
    rank1Bids: a.rank1Bids + b.rank1Bids,
    rank2Bids: a.rank2Bids + b.rank2Bids,
    rank3Bids: a.rank3Bids + b.rank3Bids,
    minPrice: Math.min(a.minPrice, b.minPrice),
    maxPrice: Math.max(a.maxPrice, b.maxPrice),
    avgPrice: Math.floor(sumPrice / totalBids),
    sumPrice,
  };
}

let cachedKeyDay = '';
let cachedKeyDayNumber = 0;

/**
 * The (auction, day) of a row as one number, auction × 100,000 + the day's number since the epoch: a
 * number hashes much faster than the tuple `[auction, day]` (whose parts are turned into a string for
 * every record), and each pair has its own.
 */
function groupOf(row: Q17Row): number {
  if (row.day !== cachedKeyDay) {
    cachedKeyDay = row.day;
    cachedKeyDayNumber = Date.parse(row.day) / MS_PER_DAY;
  }
  return row.auction * 100_000 + cachedKeyDayNumber;
}

/** The key of a result row, for an upsert sink. */
export function q17Key(row: Q17Row): string {
  return `${row.auction}|${row.day}`;
}

/** An updating stream: the new row of an (auction, day) after each of its bids. */
export function q17(bids: DataStream<Bid>): DataStream<Q17Row> {
  return bids
    .map(statisticsOf, Q17Row)
    .name('q17-bid-statistics')
    .uid('q17-bid-statistics')
    .keyBy(groupOf)
    .reduce(combine)
    .name('q17')
    .uid('q17');
}

export const job = defineJob('nexmark-q17', (env, params) => {
  const settings = nexmarkSettings(params);
  sinkResults(q17(bidsOf(nexmarkEvents(env, settings))), settings, 'q17', q17Key);
});

runQueryScript(import.meta.url, 'q17');
