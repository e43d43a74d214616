/**
 * @module Tests of the Nexmark reference answers on small hand-made inputs whose results follow from
 * the SQL by hand: join conditions, window bounds, ties, session merging and the BIGINT averages.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NexmarkEvent } from 'weir';
import * as reference from './nexmark/reference.ts';

function person(id: number, state: string, dateTime: number): NexmarkEvent {
  return { type: 0, person: { id, name: `p${id}`, emailAddress: 'e@x.com', creditCard: '0000 0000 0000 0000', city: `c${id}`, state, dateTime, extra: '' } };
}

function auction(id: number, seller: number, category: number, dateTime: number, expires = dateTime + 1000): NexmarkEvent {
  return { type: 1, auction: { id, itemName: 'i', description: 'd', initialBid: 1, reserve: 2, dateTime, expires, seller, category, extra: '' } };
}

function bid(auctionId: number, bidder: number, price: number, dateTime: number, extra = ''): NexmarkEvent {
  return { type: 2, bid: { auction: auctionId, bidder, price, channel: 'Google', url: 'u', dateTime, extra } };
}

const T = 100_000;

describe('the Nexmark reference answers', () => {
  test('q3 joins category-10 auctions with sellers in OR, ID or CA, whichever came first', () => {
    const events = [
      auction(13, 3, 10, T), // before its seller
      person(1, 'OR', T + 1),
      person(2, 'WA', T + 2),
      person(3, 'CA', T + 3),
      auction(10, 1, 10, T + 4),
      auction(11, 2, 10, T + 5), // WA
      auction(12, 3, 11, T + 6), // category 11
      auction(14, 4, 10, T + 7), // no such person
    ];
    assert.deepEqual(reference.q3(events), [
      { name: 'p1', city: 'c1', state: 'OR', id: 10 },
      { name: 'p3', city: 'c3', state: 'CA', id: 13 },
    ]);
  });

  test('q4 averages (rounding down) the highest bid within each auction’s lifetime, per category', () => {
    const events = [
      auction(1, 7, 10, T, T + 1000),
      auction(2, 7, 10, T, T + 500),
      auction(3, 7, 11, T - 100, T),
      auction(4, 7, 12, T),
      bid(1, 8, 5, T), // at the start: counts
      bid(1, 8, 9, T + 1000), // at expires: counts
      bid(1, 8, 100, T + 1001), // after expires
      bid(2, 8, 4, T + 200),
      bid(3, 8, 7, T - 50),
    ];
    assert.deepEqual(reference.q4(events), [
      { category: 10, final: 6 }, // (9 + 4) / 2
      { category: 11, final: 7 },
    ]);
  });

  test('q5 reports per 10 s window sliding by 2 s the auctions with the most bids, all of them on a tie', () => {
    const events = [bid(1, 9, 1, T), bid(1, 9, 1, T + 1000), bid(2, 9, 1, T + 1500), bid(2, 9, 1, T + 1800), bid(2, 9, 1, T + 2500), bid(2, 9, 1, T + 3000)];
    const rows = (auctionId: number, num: number, start: number) => ({ auction: auctionId, num, starttime: start, endtime: start + 10_000 });
    assert.deepEqual(
      reference.q5(events),
      reference.sortRows([
        rows(1, 2, T - 8000),
        rows(2, 2, T - 8000),
        rows(2, 4, T - 6000),
        rows(2, 4, T - 4000),
        rows(2, 4, T - 2000),
        rows(2, 4, T),
        rows(2, 2, T + 2000),
      ]),
    );
  });

  test('q7 returns the bids at the maximum price of their 10 s window, window end included', () => {
    const events = [bid(1, 9, 5, T), bid(2, 9, 9, T + 5000), bid(3, 9, 9, T + 9999), bid(4, 9, 9, T + 10_000), bid(5, 9, 4, T + 15_000)];
    const row = (auctionId: number, dateTime: number) => ({ auction: auctionId, bidder: 9, price: 9, dateTime, extra: '' });
    // the bid at T + 10 s is the maximum of its own window and, BETWEEN being inclusive, of the one ending there
    assert.deepEqual(reference.q7(events), reference.sortRows([row(2, T + 5000), row(3, T + 9999), row(4, T + 10_000), row(4, T + 10_000)]));
  });

  test('q8 finds the people who opened an auction in the 10 s window they registered in, once each', () => {
    const events = [person(1, 'OR', T), person(2, 'OR', T + 5000), person(3, 'OR', T + 19_000), auction(10, 1, 10, T + 9999), auction(11, 2, 10, T + 10_000), auction(12, 3, 10, T + 12_000), auction(13, 3, 10, T + 13_000)];
    assert.deepEqual(reference.q8(events), [
      { id: 1, name: 'p1', stime: T },
      { id: 3, name: 'p3', stime: T + 10_000 },
    ]);
  });

  test('q11 merges a bidder’s bids into sessions with a 10 s gap, bids exactly 10 s apart included', () => {
    const events = [bid(1, 1, 1, T), bid(1, 1, 1, T + 5000), bid(1, 1, 1, T + 15_000), bid(1, 1, 1, T + 25_001), bid(1, 2, 1, T)];
    assert.deepEqual(
      reference.q11(events),
      reference.sortRows([
        { bidder: 1, bidCount: 3, starttime: T, endtime: T + 25_000 },
        { bidder: 1, bidCount: 1, starttime: T + 25_001, endtime: T + 35_001 },
        { bidder: 2, bidCount: 1, starttime: T, endtime: T + 10_000 },
      ]),
    );
  });

  test('q17 splits an auction’s bids by UTC day into price ranges, with a rounded-down average', () => {
    const midnight = Date.UTC(2024, 0, 2);
    const events = [bid(1, 9, 9999, midnight - 4), bid(1, 9, 10_000, midnight - 3), bid(1, 9, 999_999, midnight - 2), bid(1, 9, 1_000_000, midnight - 1), bid(1, 9, 7, midnight)];
    assert.deepEqual(reference.q17(events), [
      { auction: 1, day: '2024-01-01', totalBids: 4, rank1Bids: 1, rank2Bids: 2, rank3Bids: 1, minPrice: 9999, maxPrice: 1_000_000, avgPrice: 504_999, sumPrice: 2_019_998 },
      { auction: 1, day: '2024-01-02', totalBids: 1, rank1Bids: 1, rank2Bids: 0, rank3Bids: 0, minPrice: 7, maxPrice: 7, avgPrice: 7, sumPrice: 7 },
    ]);
  });

  test('q18 keeps the latest bid per bidder and auction; a tie in time goes to the higher price', () => {
    const events = [bid(1, 1, 3, T + 5), bid(1, 1, 2, T + 7), bid(1, 1, 1, T + 7), bid(1, 1, 50, T + 6), bid(2, 1, 4, T)];
    assert.deepEqual(
      reference.q18(events).map((b) => [b.bidder, b.auction, b.price, b.dateTime]),
      [
        [1, 1, 2, T + 7],
        [1, 2, 4, T],
      ],
    );
  });

  test('q19 numbers an auction’s ten highest bids; among equal prices the earlier ranks higher', () => {
    const events = [...[12, 11, 10, 9, 8, 7, 6, 5, 4].map((price, i) => bid(1, 1, price, T + i)), bid(1, 1, 3, T + 20, 'late'), bid(1, 1, 3, T + 10, 'early'), bid(1, 1, 1, T), bid(2, 1, 5, T)];
    const rows = reference.q19(events);
    assert.deepEqual(
      rows.map((r) => [r.auction, r.rankNumber, r.price]),
      [...[12, 11, 10, 9, 8, 7, 6, 5, 4, 3].map((price, i) => [1, i + 1, price]), [2, 1, 5]],
    );
    assert.equal(rows[9]?.extra, 'early');
  });
});
