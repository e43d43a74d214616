/**
 * @module Tests of NexmarkGenerator: determinism, the 1:3:46 proportions, event n independent of where
 * generation started, event times, the id relations of the reference generator, and the serializers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../../core/errors.ts';
import { DataInput } from '../../types/data-input.ts';
import { DataOutput } from '../../types/data-output.ts';
import { FIRST_AUCTION_ID, FIRST_CATEGORY_ID, FIRST_PERSON_ID, NexmarkGenerator } from './nexmark-generator.ts';
import { NexmarkTypes, eventTimestamp } from './nexmark-model.ts';
import type { Bid, NexmarkEvent } from './nexmark-model.ts';

function generate(count: number, generator = new NexmarkGenerator()): NexmarkEvent[] {
  return Array.from({ length: count }, (_, n) => generator.generate(n));
}

function bidsOf(events: readonly NexmarkEvent[]): Bid[] {
  return events.flatMap((event) => (event.bid === undefined ? [] : [event.bid]));
}

describe('NexmarkGenerator', () => {
  test('two generators with the same settings generate the same events, and another seed different ones', () => {
    const a = generate(5000, new NexmarkGenerator({ seed: 3 }));
    assert.deepEqual(generate(5000, new NexmarkGenerator({ seed: 3 })), a);
    const other = generate(5000, new NexmarkGenerator({ seed: 4 }));
    const differing = a.filter((event, n) => JSON.stringify(event) !== JSON.stringify(other[n])).length;
    assert.ok(differing > 4900, `only ${differing} of 5000 events differ between seeds 3 and 4`);
  });

  test('event n is the same whether generation started at 0 or at n, in any order', () => {
    const sequential = generate(20_000);
    const fresh = new NexmarkGenerator();
    for (let n = 19_999; n >= 0; n -= 7) assert.deepEqual(fresh.generate(n), sequential[n], `event ${n}`);
    assert.deepEqual(new NexmarkGenerator().generate(12_345), sequential[12_345]);
  });

  test('people, auctions and bids come 1:3:46 by event id, and exactly one part of each event is set', () => {
    const events = generate(50 * 400);
    const counts = [0, 0, 0];
    events.forEach((event, n) => {
      const rem = n % 50;
      const type = rem < 1 ? 0 : rem < 4 ? 1 : 2;
      assert.equal(event.type, type, `event ${n}`);
      assert.equal([event.person, event.auction, event.bid].filter((part) => part !== undefined).length, 1);
      assert.equal(type === 0 ? event.person !== undefined : type === 1 ? event.auction !== undefined : event.bid !== undefined, true);
      counts[type] = (counts[type] ?? 0) + 1;
    });
    assert.deepEqual(counts, [400, 1200, 18_400]);
  });

  test('other proportions are followed too', () => {
    const generator = new NexmarkGenerator({ personProportion: 2, auctionProportion: 2, bidProportion: 6 });
    const types = generate(1000, generator).map((event) => event.type);
    assert.deepEqual([0, 1, 2].map((type) => types.filter((t) => t === type).length), [200, 200, 600]);
    assert.deepEqual(types.slice(0, 10), [0, 0, 1, 1, 2, 2, 2, 2, 2, 2]);
  });

  test('event n is stamped baseTime + n / rate, carried by its part, never decreasing', () => {
    const generator = new NexmarkGenerator({ eventsPerSecond: 1000, baseTime: 5_000 });
    const events = generate(3000, generator);
    events.forEach((event, n) => {
      assert.equal(eventTimestamp(event), 5_000 + n);
      assert.equal(generator.timestampForEvent(n), 5_000 + n);
    });
    const fast = new NexmarkGenerator({ eventsPerSecond: 10_000 });
    assert.equal(fast.timestampForEvent(0), Date.UTC(2024, 0, 1));
    assert.equal(fast.timestampForEvent(9), Date.UTC(2024, 0, 1));
    assert.equal(fast.timestampForEvent(10), Date.UTC(2024, 0, 1) + 1);
    assert.equal(fast.timestampForEvent(123_456_789), Date.UTC(2024, 0, 1) + 12_345_678);
    let previous = -Infinity;
    for (let n = 0; n < 10_000; n += 3) {
      const t = new NexmarkGenerator({ eventsPerSecond: 3 }).timestampForEvent(n);
      assert.ok(t >= previous);
      previous = t;
    }
  });

  test('people and auctions get consecutive ids from 1000, and auctions expire after they start', () => {
    const events = generate(50 * 300);
    const people = events.flatMap((e) => (e.person === undefined ? [] : [e.person]));
    const auctions = events.flatMap((e) => (e.auction === undefined ? [] : [e.auction]));
    assert.deepEqual(
      people.map((p) => p.id),
      people.map((_, i) => FIRST_PERSON_ID + i),
    );
    assert.deepEqual(
      auctions.map((a) => a.id),
      auctions.map((_, i) => FIRST_AUCTION_ID + i),
    );
    for (const a of auctions) {
      assert.ok(a.expires > a.dateTime);
      assert.ok(a.category >= FIRST_CATEGORY_ID && a.category < FIRST_CATEGORY_ID + 5);
      assert.ok(a.reserve >= a.initialBid);
      assert.ok(a.itemName.length <= 19 && a.description.length <= 99);
    }
    for (const p of people) {
      assert.match(p.creditCard, /^\d{4} \d{4} \d{4} \d{4}$/);
      assert.match(p.emailAddress, /^[a-z ]*@[a-z ]*\.com$/);
      assert.ok(['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'].includes(p.state));
    }
  });

  test('bids go to recent auctions and active people, mostly hot ones, with prices from 1.00 to 1,000,000.00', () => {
    const generator = new NexmarkGenerator();
    const events = generate(50 * 2000, generator);
    let hotAuction = 0;
    let hotBidder = 0;
    let hotChannel = 0;
    events.forEach((event, n) => {
      const bid = event.bid;
      if (bid === undefined) return;
      const lastAuction = generator.lastBase0AuctionId(n) + FIRST_AUCTION_ID;
      const lastPerson = generator.lastBase0PersonId(n) + FIRST_PERSON_ID;
      // in-flight auctions, plus a lead of 10 not yet created
      assert.ok(bid.auction <= lastAuction + 10 && bid.auction >= Math.min(lastAuction - 100, Math.floor((lastAuction - FIRST_AUCTION_ID) / 100) * 100 + FIRST_AUCTION_ID));
      assert.ok(bid.bidder <= lastPerson + 10 && bid.bidder >= lastPerson - 1000);
      assert.ok(Number.isInteger(bid.price) && bid.price >= 100 && bid.price <= 100_000_000);
      if (bid.auction === Math.floor((lastAuction - FIRST_AUCTION_ID) / 100) * 100 + FIRST_AUCTION_ID) hotAuction++;
      if (bid.bidder === Math.floor((lastPerson - FIRST_PERSON_ID) / 100) * 100 + 1 + FIRST_PERSON_ID) hotBidder++;
      if (['Google', 'Facebook', 'Baidu', 'Apple'].includes(bid.channel)) hotChannel++;
      assert.ok(bid.url.startsWith('https://www.nexmark.com/'));
    });
    const bids = bidsOf(events).length;
    // hot auction ratio 2: at least half the bids; hot bidders ratio 4: at least three quarters; hot channels: half
    assert.ok(hotAuction / bids > 0.48, `hot auction share ${hotAuction / bids}`);
    assert.ok(hotBidder / bids > 0.73, `hot bidder share ${hotBidder / bids}`);
    assert.ok(Math.abs(hotChannel / bids - 0.5) < 0.02, `hot channel share ${hotChannel / bids}`);
  });

  test('events average the configured sizes', () => {
    const events = generate(50 * 2000);
    const bids = bidsOf(events);
    const averageExtra = bids.reduce((sum, b) => sum + b.extra.length, 0) / bids.length;
    // 100 bytes, 32 of them for the four numbers: extra averages 68 (±20%)
    assert.ok(Math.abs(averageExtra - 68) < 1, `average bid extra ${averageExtra}`);
  });

  test('the event serializer round-trips every kind of event', () => {
    const events = generate(100);
    const out = new DataOutput();
    for (const event of events) NexmarkTypes.event.write(event, out);
    const input = new DataInput(out.view());
    for (const event of events) assert.deepEqual(NexmarkTypes.event.read(input), event);
  });

  test('bad settings fail with INVALID_OPTION naming the option', () => {
    for (const [options, option] of [
      [{ eventsPerSecond: 0 }, 'eventsPerSecond'],
      [{ bidProportion: 0 }, 'bidProportion'],
      [{ hotAuctionRatio: 1.5 }, 'hotAuctionRatio'],
      [{ seed: 0.5 }, 'seed'],
    ] as const) {
      assert.throws(
        () => new NexmarkGenerator(options),
        (error: unknown) => error instanceof WeirError && error.code === 'INVALID_OPTION' && error.message.includes(`'${option}'`),
      );
    }
  });
});
