/**
 * @module Two-input operators in worker threads at parallelism 1, 2 and 4, each checked against a plain
 * loop over the same input: connect with CoMap, CoFlatMap and CoProcess, keyed co-process with keyed
 * state and event-time timers, and broadcast state into keyed and non-keyed streams; and `weir plan`
 * showing both inputs of a two-input operator.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { TEST_PARALLELISMS, multiset, runJob, type JobExecutionResult } from 'weir/testing';
import { WEIR_BIN, runNode } from './support/run-command.ts';
import {
  BUY_COUNT,
  CLICK_COUNT,
  EVENT_COUNT,
  NUMBER_COUNT,
  RULE_COUNT,
  WORD_COUNT,
  bucketOf,
  buy,
  click,
  event,
  matches,
  rule,
  word,
  type BucketSummary,
  type Match,
} from './jobs/two-input-job.ts';

const JOB = new URL('./jobs/two-input-job.ts', import.meta.url);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

for (const parallelism of TEST_PARALLELISMS) {
  describe(`two-input operators at parallelism ${parallelism}`, () => {
    let result: JobExecutionResult;
    before(async () => {
      result = await runJob(JOB, { parallelism });
    });

    test('connect + CoMap maps each input with its own function', () => {
      const expected = [...range(NUMBER_COUNT).map((n) => `n:${n * 2}`), ...range(WORD_COUNT).map((i) => `w:${word(i)}`)];
      assert.deepEqual(multiset(result.getCollected<string>('co-map')), multiset(expected));
    });

    test('a RichCoMapFunction is opened with its runtime context in every subtask', () => {
      const tagged = result.getCollected<[string, number]>('rich-co-map');
      assert.equal(tagged.length, NUMBER_COUNT + WORD_COUNT);
      assert.deepEqual([...new Set(tagged.map(([, subtask]) => subtask))].sort(), range(parallelism));
    });

    test('CoFlatMap emits zero or more records per record of either input', () => {
      const expected: number[] = [];
      for (const n of range(NUMBER_COUNT)) if (n % 3 === 0) expected.push(n, -n);
      for (const i of range(WORD_COUNT)) expected.push(word(i).length);
      assert.deepEqual(multiset(result.getCollected<number>('co-flat-map')), multiset(expected));
    });

    test('CoProcess sees which input a record came through, with its timestamp when it has one', () => {
      const expected = [...range(NUMBER_COUNT).map((n) => [1, String(n), n]), ...range(WORD_COUNT).map((i) => [2, word(i), null])];
      assert.deepEqual(multiset(result.getCollected('co-process')), multiset(expected));
    });

    test('keyed co-process: keyed state of both inputs per key, emitted by event-time timers once per bucket', () => {
      const expected = new Map<string, BucketSummary>();
      const bump = (user: string, ts: number, clicks: number, buys: number, amount: number): void => {
        const key = `${user}/${bucketOf(ts)}`;
        const old = expected.get(key) ?? { user, bucket: bucketOf(ts), clicks: 0, buys: 0, amount: 0 };
        expected.set(key, { user, bucket: old.bucket, clicks: old.clicks + clicks, buys: old.buys + buys, amount: old.amount + amount });
      };
      for (const i of range(CLICK_COUNT)) bump(click(i).user, click(i).ts, 1, 0, 0);
      for (const i of range(BUY_COUNT)) bump(buy(i).user, buy(i).ts, 0, 1, buy(i).amount);
      // One record per (user, bucket): a late record or a lost timer would add or drop one.
      assert.deepEqual(multiset(result.getCollected<BucketSummary>('keyed-co-process')), multiset(expected.values()));
    });

    test('two connected keyed streams share keyed state per key', () => {
      const expected = new Map<string, number>();
      for (const i of range(CLICK_COUNT)) expected.set(click(i).user, (expected.get(click(i).user) ?? 0) + 1);
      for (const i of range(BUY_COUNT)) expected.set(buy(i).user, (expected.get(buy(i).user) ?? 0) + 1);
      assert.deepEqual(new Map(result.getCollected<[string, number]>('count-both')), expected);
    });

    const expectedMatches = (): Match[] => {
      const out: Match[] = [];
      for (const i of range(EVENT_COUNT)) for (const r of range(RULE_COUNT)) if (matches(event(i), rule(r))) out.push({ id: i, rule: rule(r).name });
      return out;
    };

    test('broadcast state: rules broadcast to a keyed stream match every event exactly once', () => {
      assert.deepEqual(multiset(result.getCollected<Match>('keyed-broadcast')), multiset(expectedMatches()));
    });

    test('broadcast state: rules broadcast to a non-keyed stream match every event exactly once', () => {
      assert.deepEqual(multiset(result.getCollected<Match>('broadcast')), multiset(expectedMatches()));
    });
  });
}

test('weir plan shows both inputs of a two-input operator', async () => {
  const outcome = await runNode([WEIR_BIN, 'plan', '-p', '2', 'test/jobs/two-input-job.ts']);
  assert.equal(outcome.code, 0, outcome.stderr);
  const text = outcome.stdout;
  assert.match(text, /input 1 <--HASH-- \[\d+\] Source: events/);
  assert.match(text, /input 2 <--BROADCAST-- \[\d+\] Source: rules/);
  assert.match(text, /--BROADCAST--> \[\d+\] Co-Process-Broadcast-Keyed \(input 2\)/);
  const json = await runNode([WEIR_BIN, 'plan', '--json', '-p', '2', 'test/jobs/two-input-job.ts']);
  const plan = JSON.parse(json.stdout) as { edges: { targetOperator: string; partitioner: string; input?: number }[] };
  const intoBuckets = plan.edges.filter((e) => e.targetOperator === 'Co-Process' && e.partitioner === 'HASH');
  assert.deepEqual([...new Set(intoBuckets.map((e) => e.input))].sort(), [1, 2]);
});
