/**
 * @module The Nexmark join and window query jobs of examples/nexmark (q3, q4, q5, q7, q8, q11) against
 * plain reference loops over the same generated events: at parallelism 1 and 2, and with checkpoints,
 * a failure in the middle and the restart from the latest checkpoint (test/jobs/nexmark-job.ts, whose
 * results are gathered in keyed state and emitted at the end, so that the collected rows are exact
 * across the restart).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runJob } from 'weir/testing';
import * as reference from './nexmark/reference.ts';

const EVENTS = 20_000;
/** 200 events per second of event time: 100 s, ten 10-s windows, fifty sliding ones, sessions that end. */
const RATE = 200;
const BASE_TIME = Date.UTC(2024, 0, 1);
/** A seed whose sliding windows include a tie for the most bids (q5). */
const SEED = 10;
const ARGS = { events: EVENTS, rate: RATE, 'base-time': BASE_TIME, seed: SEED };

const events = reference.generateEvents(EVENTS, { eventsPerSecond: RATE, baseTime: BASE_TIME, seed: SEED });

const root = mkdtempSync(join(tmpdir(), 'weir-nexmark-windowed-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Query {
  readonly name: 'q3' | 'q4' | 'q5' | 'q7' | 'q8' | 'q11';
  /** The reference result, normalized. */
  readonly expected: unknown[];
  /** Brings a job's rows into the reference's order. */
  readonly normalize: (rows: unknown[]) => unknown[];
}

const QUERIES: readonly Query[] = [
  { name: 'q3', expected: reference.q3(events), normalize: reference.sortRows },
  { name: 'q4', expected: reference.q4(events), normalize: (rows) => [...(rows as { category: number }[])].sort((a, b) => a.category - b.category) },
  { name: 'q5', expected: reference.q5(events), normalize: reference.sortRows },
  { name: 'q7', expected: reference.q7(events), normalize: reference.sortRows },
  { name: 'q8', expected: reference.q8(events), normalize: reference.sortRows },
  { name: 'q11', expected: reference.q11(events), normalize: reference.sortRows },
];

test('the reference results are not trivial for these events', () => {
  const expected = new Map(QUERIES.map((q) => [q.name, q.expected]));
  assert.ok((expected.get('q3')?.length ?? 0) > 20, 'q3 finds local sellers of category 10');
  assert.equal(expected.get('q4')?.length, 5, 'q4 has an average for each of the five categories');
  const q5 = expected.get('q5') as ReturnType<typeof reference.q5>;
  assert.ok(new Set(q5.map((row) => row.starttime)).size >= 50, 'q5 has a row for every sliding window');
  assert.ok(q5.length > new Set(q5.map((row) => row.starttime)).size, 'q5 has ties');
  assert.ok((expected.get('q7')?.length ?? 0) >= 10, 'q7 has the highest bids of ten windows');
  assert.ok((expected.get('q8')?.length ?? 0) > 10, 'q8 finds new sellers');
  const q11 = expected.get('q11') as ReturnType<typeof reference.q11>;
  assert.ok(q11.some((row) => row.bidCount > 1) && new Set(q11.map((row) => row.bidder)).size < q11.length, 'q11 has sessions of several bids and bidders with several sessions');
});

for (const parallelism of [1, 2]) {
  describe(`the Nexmark join and window query jobs at parallelism ${parallelism}`, () => {
    for (const query of QUERIES) {
      test(`${query.name} equals the reference`, async () => {
        const module = new URL(`../examples/nexmark/${query.name}.ts`, import.meta.url);
        const result = await runJob(module, { parallelism, args: { ...ARGS, sink: 'collect' } });
        assert.deepEqual(query.normalize(result.getCollected(query.name)), query.expected);
      });
    }
  });
}

test('the six queries on one source, after a failure and a restore from the latest checkpoint at parallelism 2, equal the reference', async () => {
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
