/**
 * @module The Nexmark query jobs of examples/nexmark (q0, q1, q2, q17, q18, q19) against plain reference
 * loops over the same generated events: at parallelism 1 and 2, and with checkpoints, a failure in
 * the middle and the restart from the latest checkpoint.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Bid } from 'weir';
import { runJob } from 'weir/testing';
import * as reference from './nexmark/reference.ts';

const EVENTS = 20_000;
/** Two events per millisecond, so that bids of one bidder and auction can share a timestamp (q18's ties). */
const RATE = 2000;
/** The events straddle a midnight (UTC), so that q17 sees two days. */
const BASE_TIME = Date.UTC(2024, 0, 2) - ((EVENTS / RATE) * 1000) / 2;
const SEED = 7;
const ARGS = { events: EVENTS, rate: RATE, 'base-time': BASE_TIME, seed: SEED };

const events = reference.generateEvents(EVENTS, { eventsPerSecond: RATE, baseTime: BASE_TIME, seed: SEED });

const root = mkdtempSync(join(tmpdir(), 'weir-nexmark-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Query {
  readonly name: 'q0' | 'q1' | 'q2' | 'q17' | 'q18' | 'q19';
  /** The reference result, normalized. */
  readonly expected: unknown[];
  /** Brings a job's rows into the reference's order. */
  readonly normalize: (rows: unknown[]) => unknown[];
}

const byKey =
  <T>(compare: (a: T, b: T) => number) =>
  (rows: unknown[]): unknown[] =>
    [...(rows as T[])].sort(compare);

const QUERIES: readonly Query[] = [
  { name: 'q0', expected: reference.q0(events), normalize: reference.sortRows },
  { name: 'q1', expected: reference.q1(events), normalize: reference.sortRows },
  { name: 'q2', expected: reference.q2(events), normalize: reference.sortRows },
  { name: 'q17', expected: reference.q17(events), normalize: byKey<reference.Q17Row>((a, b) => a.auction - b.auction || (a.day < b.day ? -1 : a.day > b.day ? 1 : 0)) },
  { name: 'q18', expected: reference.q18(events), normalize: byKey<Bid>((a, b) => a.bidder - b.bidder || a.auction - b.auction) },
  { name: 'q19', expected: reference.q19(events), normalize: byKey<reference.Q19Row>((a, b) => a.auction - b.auction || a.rankNumber - b.rankNumber) },
];

test('the reference results are not trivial for these events', () => {
  const expected = new Map(QUERIES.map((q) => [q.name, q.expected]));
  const bids = events.filter((e) => e.bid !== undefined).length;
  assert.equal(bids, (EVENTS / 50) * 46);
  assert.equal(expected.get('q0')?.length, bids);
  assert.ok((expected.get('q2')?.length ?? 0) > 0, 'q2 selects some bids');
  const days = new Set((expected.get('q17') as reference.Q17Row[]).map((row) => row.day));
  assert.deepEqual([...days].sort(), ['2024-01-01', '2024-01-02']);
  const q18 = expected.get('q18') as Bid[];
  assert.ok(q18.length > 100 && q18.length < bids, 'q18 keeps one bid of many per (bidder, auction)');
  const q19 = expected.get('q19') as reference.Q19Row[];
  assert.ok(q19.filter((row) => row.rankNumber === 10).length > 10, 'many auctions have ten bids or more');
});

for (const parallelism of [1, 2]) {
  describe(`the Nexmark query jobs at parallelism ${parallelism}`, () => {
    for (const query of QUERIES) {
      test(`${query.name} equals the reference`, async () => {
        const module = new URL(`../examples/nexmark/${query.name}.ts`, import.meta.url);
        const result = await runJob(module, { parallelism, args: { ...ARGS, sink: 'collect' } });
        assert.deepEqual(query.normalize(result.getCollected(query.name)), query.expected);
      });
    }
  });
}

test('all six queries on one source, after a failure and a restore from the latest checkpoint at parallelism 2, equal the reference', async () => {
  const result = await runJob(new URL('./jobs/nexmark-job.ts', import.meta.url), {
    parallelism: 2,
    args: {
      ...ARGS,
      checkpoints: join(root, 'failover'),
      'checkpoint-interval': 100,
      // ~1 s of input; each source subtask fails after 2/3 of its share on the first attempt
      throttle: 20_000,
      'fail-after': Math.floor(EVENTS / 3),
      queries: QUERIES.map((query) => query.name).join(','),
    },
    configuration: { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': '10 ms' },
  });
  for (const query of QUERIES) assert.deepEqual(query.normalize(result.getCollected(query.name)), query.expected, query.name);
  const reread = result.recordsIn('nexmark');
  assert.ok(reread > 0 && reread < EVENTS, `the restarted attempt read ${reread} of ${EVENTS} events: it did not resume from a checkpoint`);
});
