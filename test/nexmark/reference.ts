/**
 * @module Reference answers to the Nexmark queries: one plain loop per query over the generated
 * events, following the Flink nexmark SQL, for comparing with what a job emits. Results are normalized:
 * append-only queries give their rows sorted (a multiset), updating queries their final table sorted
 * by key, and windowed queries every window that fires by the end of the input (the final watermark
 * fires them all, and no event is late: each window counts every event whose time falls in it).
 */
import { NexmarkGenerator, type Auction, type Bid, type NexmarkEvent, type NexmarkGeneratorOptions, type Person } from 'weir';

/** Events 0..count-1, in order. */
export function generateEvents(count: number, options: NexmarkGeneratorOptions = {}): NexmarkEvent[] {
  const generator = new NexmarkGenerator(options);
  const events: NexmarkEvent[] = [];
  for (let n = 0; n < count; n++) events.push(generator.generate(n));
  return events;
}

/** A flat row's JSON with its fields in name order, whatever order they were set in. */
function canonicalJson(row: unknown): string {
  return typeof row === 'object' && row !== null ? JSON.stringify(row, Object.keys(row).sort()) : JSON.stringify(row);
}

/** Rows in a canonical order (by their JSON), so that two multisets of rows compare with deepEqual. */
export function sortRows<T>(rows: Iterable<T>): T[] {
  return [...rows]
    .map((row) => [canonicalJson(row), row] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, row]) => row);
}

function bidsOf(events: readonly NexmarkEvent[]): Bid[] {
  const bids: Bid[] = [];
  for (const event of events) if (event.type === 2 && event.bid !== undefined) bids.push(event.bid);
  return bids;
}

function personsOf(events: readonly NexmarkEvent[]): Person[] {
  const persons: Person[] = [];
  for (const event of events) if (event.type === 0 && event.person !== undefined) persons.push(event.person);
  return persons;
}

function auctionsOf(events: readonly NexmarkEvent[]): Auction[] {
  const auctions: Auction[] = [];
  for (const event of events) if (event.type === 1 && event.auction !== undefined) auctions.push(event.auction);
  return auctions;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// --- q0, q1, q2: append-only, the rows sorted ---

/** q0: SELECT auction, bidder, price, dateTime, extra FROM bid. */
export function q0(events: readonly NexmarkEvent[]): { auction: number; bidder: number; price: number; dateTime: number; extra: string }[] {
  return sortRows(bidsOf(events).map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra })));
}

/** q1: SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid (the exact decimal product, as a double). */
export function q1(events: readonly NexmarkEvent[]): { auction: number; bidder: number; price: number; dateTime: number; extra: string }[] {
  return sortRows(bidsOf(events).map((b) => ({ auction: b.auction, bidder: b.bidder, price: (b.price * 908) / 1000, dateTime: b.dateTime, extra: b.extra })));
}

/** q2: SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0. */
export function q2(events: readonly NexmarkEvent[]): { auction: number; price: number }[] {
  const rows: { auction: number; price: number }[] = [];
  for (const b of bidsOf(events)) if (b.auction % 123 === 0) rows.push({ auction: b.auction, price: b.price });
  return sortRows(rows);
}

// --- q3, q4: joins without windows ---

/**
 * q3: SELECT P.name, P.city, P.state, A.id FROM auction A INNER JOIN person P ON A.seller = P.id
 * WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA'). A regular join: a pair matches whichever
 * side came first. Rows sorted.
 */
export function q3(events: readonly NexmarkEvent[]): { name: string; city: string; state: string; id: number }[] {
  const people = new Map<number, Person>();
  for (const p of personsOf(events)) people.set(p.id, p);
  const rows: { name: string; city: string; state: string; id: number }[] = [];
  for (const a of auctionsOf(events)) {
    if (a.category !== 10) continue;
    const p = people.get(a.seller);
    if (p === undefined || (p.state !== 'OR' && p.state !== 'ID' && p.state !== 'CA')) continue;
    rows.push({ name: p.name, city: p.city, state: p.state, id: a.id });
  }
  return sortRows(rows);
}

/**
 * q4: per category, the average (BIGINT: rounded down) of the winning bids of its auctions, where an
 * auction's winning bid is its highest bid with A.dateTime <= B.dateTime <= A.expires. The final table,
 * sorted by category; auctions without such a bid do not count.
 */
export function q4(events: readonly NexmarkEvent[]): { category: number; final: number }[] {
  const bidsByAuction = new Map<number, Bid[]>();
  for (const b of bidsOf(events)) {
    const list = bidsByAuction.get(b.auction);
    if (list === undefined) bidsByAuction.set(b.auction, [b]);
    else list.push(b);
  }
  const finals = new Map<number, { sum: number; count: number }>();
  for (const a of auctionsOf(events)) {
    let best: number | undefined;
    for (const b of bidsByAuction.get(a.id) ?? []) {
      if (b.dateTime >= a.dateTime && b.dateTime <= a.expires && (best === undefined || b.price > best)) best = b.price;
    }
    if (best === undefined) continue;
    const acc = finals.get(a.category) ?? { sum: 0, count: 0 };
    finals.set(a.category, { sum: acc.sum + best, count: acc.count + 1 });
  }
  return [...finals]
    .sort(([a], [b]) => a - b)
    .map(([category, { sum, count }]) => ({ category, final: Math.floor(sum / count) }));
}

// --- q5, q7, q8, q11: windows ---

const SECOND = 1000;

/** Flink's TimeWindow.getWindowStartWithOffset with offset 0. */
function windowStart(timestamp: number, size: number): number {
  return timestamp - ((timestamp % size) + size) % size;
}

/**
 * q5, hot items: for every HOP window (size 10 s, slide 2 s, [start, end)), the auctions with the
 * most bids in it (all of them on a tie), with their count. The SQL selects (auction, num); the window
 * is kept here so that each row says which window it came from. Rows sorted.
 */
export function q5(events: readonly NexmarkEvent[]): { auction: number; num: number; starttime: number; endtime: number }[] {
  const size = 10 * SECOND;
  const slide = 2 * SECOND;
  const counts = new Map<number, Map<number, number>>(); // window start -> auction -> bids
  for (const b of bidsOf(events)) {
    for (let start = windowStart(b.dateTime, slide); start > b.dateTime - size; start -= slide) {
      let perAuction = counts.get(start);
      if (perAuction === undefined) counts.set(start, (perAuction = new Map<number, number>()));
      perAuction.set(b.auction, (perAuction.get(b.auction) ?? 0) + 1);
    }
  }
  const rows: { auction: number; num: number; starttime: number; endtime: number }[] = [];
  for (const [start, perAuction] of counts) {
    const maxn = Math.max(...perAuction.values());
    for (const [auction, num] of perAuction) if (num >= maxn) rows.push({ auction, num, starttime: start, endtime: start + size });
  }
  return sortRows(rows);
}

/**
 * q7, highest bid: the bids whose price is the maximum of a TUMBLE window of 10 s, joined back on
 * price with B.dateTime BETWEEN window_end - 10 s AND window_end (both ends included, so a bid at
 * exactly window_end can match the window before its own too). Rows sorted.
 */
export function q7(events: readonly NexmarkEvent[]): { auction: number; bidder: number; price: number; dateTime: number; extra: string }[] {
  const size = 10 * SECOND;
  const bids = bidsOf(events);
  const maxByWindowEnd = new Map<number, number>();
  for (const b of bids) {
    const end = windowStart(b.dateTime, size) + size;
    maxByWindowEnd.set(end, Math.max(maxByWindowEnd.get(end) ?? Number.NEGATIVE_INFINITY, b.price));
  }
  const rows: { auction: number; bidder: number; price: number; dateTime: number; extra: string }[] = [];
  for (const b of bids) {
    // the window ends within [dateTime, dateTime + 10 s]: the end of the bid's own window, and its start when the bid is exactly there
    const ownEnd = windowStart(b.dateTime, size) + size;
    const ends = ownEnd - size === b.dateTime ? [ownEnd - size, ownEnd] : [ownEnd];
    for (const end of ends) {
      if (b.price === maxByWindowEnd.get(end)) rows.push({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra });
    }
  }
  return sortRows(rows);
}

/**
 * q8, monitor new users: the people who created an auction in the same TUMBLE window of 10 s as the
 * one they registered in, with that window's start. Rows sorted.
 */
export function q8(events: readonly NexmarkEvent[]): { id: number; name: string; stime: number }[] {
  const size = 10 * SECOND;
  const sellers = new Set<string>();
  for (const a of auctionsOf(events)) sellers.add(`${a.seller}@${windowStart(a.dateTime, size)}`);
  const rows = new Map<string, { id: number; name: string; stime: number }>(); // GROUP BY id, name, window
  for (const p of personsOf(events)) {
    const start = windowStart(p.dateTime, size);
    if (sellers.has(`${p.id}@${start}`)) rows.set(`${p.id}|${p.name}|${start}`, { id: p.id, name: p.name, stime: start });
  }
  return sortRows(rows.values());
}

/**
 * q11, user sessions: per bidder, SESSION windows with a 10 s gap, each with its bid count, start (the
 * first bid's time) and end (the last bid's time + 10 s). Two bids fall in one session when the later
 * one comes at most 10 s after the earlier (Flink merges windows that touch). Rows sorted.
 */
export function q11(events: readonly NexmarkEvent[]): { bidder: number; bidCount: number; starttime: number; endtime: number }[] {
  const gap = 10 * SECOND;
  const times = new Map<number, number[]>();
  for (const b of bidsOf(events)) {
    const list = times.get(b.bidder);
    if (list === undefined) times.set(b.bidder, [b.dateTime]);
    else list.push(b.dateTime);
  }
  const rows: { bidder: number; bidCount: number; starttime: number; endtime: number }[] = [];
  for (const [bidder, list] of times) {
    list.sort((a, b) => a - b);
    let start = list[0] as number;
    let end = start + gap;
    let count = 0;
    for (const t of list) {
      if (t > end) {
        rows.push({ bidder, bidCount: count, starttime: start, endtime: end });
        start = t;
        count = 0;
      }
      end = Math.max(end, t + gap);
      count++;
    }
    rows.push({ bidder, bidCount: count, starttime: start, endtime: end });
  }
  return sortRows(rows);
}

// --- q17, q18, q19: updating results, as final tables ---

export interface Q17Row {
  auction: number;
  day: string;
  totalBids: number;
  rank1Bids: number;
  rank2Bids: number;
  rank3Bids: number;
  minPrice: number;
  maxPrice: number;
  avgPrice: number;
  sumPrice: number;
}

/** q17: per (auction, UTC day) the bid count, counts per price range, min, max, avg (rounded down) and sum of price. Sorted by (auction, day). */
export function q17(events: readonly NexmarkEvent[]): Q17Row[] {
  const table = new Map<string, Q17Row>();
  for (const b of bidsOf(events)) {
    const day = new Date(b.dateTime).toISOString().slice(0, 10);
    const key = `${b.auction}|${day}`;
    let row = table.get(key);
    if (row === undefined) {
      row = { auction: b.auction, day, totalBids: 0, rank1Bids: 0, rank2Bids: 0, rank3Bids: 0, minPrice: b.price, maxPrice: b.price, avgPrice: 0, sumPrice: 0 };
      table.set(key, row);
    }
    row.totalBids++;
    if (b.price < 10_000) row.rank1Bids++;
    else if (b.price < 1_000_000) row.rank2Bids++;
    else row.rank3Bids++;
    row.minPrice = Math.min(row.minPrice, b.price);
    row.maxPrice = Math.max(row.maxPrice, b.price);
    row.sumPrice += b.price;
    row.avgPrice = Math.floor(row.sumPrice / row.totalBids);
  }
  return [...table.values()].sort((a, b) => a.auction - b.auction || compareText(a.day, b.day));
}

/**
 * q18: per (bidder, auction) the bid with the latest dateTime; among bids of the same millisecond the
 * one last by (price, channel, url, extra). Sorted by (bidder, auction).
 */
export function q18(events: readonly NexmarkEvent[]): Bid[] {
  const later = (a: Bid, b: Bid): boolean => {
    if (a.dateTime !== b.dateTime) return a.dateTime > b.dateTime;
    if (a.price !== b.price) return a.price > b.price;
    if (a.channel !== b.channel) return a.channel > b.channel;
    if (a.url !== b.url) return a.url > b.url;
    return a.extra > b.extra;
  };
  const table = new Map<string, Bid>();
  for (const b of bidsOf(events)) {
    const key = `${b.bidder}|${b.auction}`;
    const current = table.get(key);
    if (current === undefined || later(b, current)) table.set(key, b);
  }
  return [...table.values()]
    .map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel, url: b.url, dateTime: b.dateTime, extra: b.extra }))
    .sort((a, b) => a.bidder - b.bidder || a.auction - b.auction);
}

export interface Q19Row extends Bid {
  rankNumber: number;
}

/**
 * q19: per auction its 10 highest bids, numbered from 1 (ROW_NUMBER ... ORDER BY price DESC); among
 * equal prices the earlier dateTime first, then the smaller (bidder, channel, url, extra). Sorted by
 * (auction, rankNumber).
 */
export function q19(events: readonly NexmarkEvent[]): Q19Row[] {
  const byAuction = new Map<number, Bid[]>();
  for (const b of bidsOf(events)) {
    const list = byAuction.get(b.auction);
    if (list === undefined) byAuction.set(b.auction, [b]);
    else list.push(b);
  }
  const rows: Q19Row[] = [];
  for (const auction of [...byAuction.keys()].sort((a, b) => a - b)) {
    const ranked = (byAuction.get(auction) as Bid[]).sort(
      (a, b) =>
        b.price - a.price ||
        a.dateTime - b.dateTime ||
        a.bidder - b.bidder ||
        compareText(a.channel, b.channel) ||
        compareText(a.url, b.url) ||
        compareText(a.extra, b.extra),
    );
    ranked.slice(0, 10).forEach((b, i) => {
      rows.push({ auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel, url: b.url, dateTime: b.dateTime, extra: b.extra, rankNumber: i + 1 });
    });
  }
  return rows;
}
