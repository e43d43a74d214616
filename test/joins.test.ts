/**
 * @module Joins in worker threads at parallelism 1, 2 and 4, checked against a plain loop over every
 * pair of the same inputs: interval joins (inclusive, exclusive, negative-only, positive-only and zero
 * bounds) and window joins.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { TEST_PARALLELISMS, multiset, runJob, type JobExecutionResult } from 'weir/testing';
import { INTERVALS, LEFT_COUNT, RIGHT_COUNT, WINDOW, left, right, type Group, type Pair, type Side } from './jobs/join-job.ts';

const JOB = new URL('./jobs/join-job.ts', import.meta.url);
const lefts: Side[] = Array.from({ length: LEFT_COUNT }, (_, i) => left(i));
const rights: Side[] = Array.from({ length: RIGHT_COUNT }, (_, j) => right(j));

for (const parallelism of TEST_PARALLELISMS) {
  describe(`joins at parallelism ${parallelism}`, () => {
    let result: JobExecutionResult;
    before(async () => {
      result = await runJob(JOB, { parallelism });
    });

    for (const interval of INTERVALS) {
      test(`interval join ${interval.name}: [${interval.lower}, ${interval.upper}]${interval.lowerExclusive ? ' lower exclusive' : ''}${interval.upperExclusive ? ' upper exclusive' : ''} pairs what a loop over all pairs pairs`, () => {
        const expected: Pair[] = [];
        for (const l of lefts) {
          for (const r of rights) {
            if (l.key !== r.key) continue;
            const d = r.ts - l.ts;
            const aboveLower = interval.lowerExclusive ? d > interval.lower : d >= interval.lower;
            const belowUpper = interval.upperExclusive ? d < interval.upper : d <= interval.upper;
            if (aboveLower && belowUpper) expected.push({ l: l.id, r: r.id, ts: Math.max(l.ts, r.ts), emittedAt: Math.max(l.ts, r.ts) });
          }
        }
        assert.ok(expected.length > 20, `the inputs give only ${expected.length} pairs`);
        assert.deepEqual(multiset(result.getCollected<Pair>(`interval-${interval.name}`)), multiset(expected));
      });
    }

    const windowOf = (ts: number): number => Math.floor(ts / WINDOW);
    const windowPairs = (keep: (l: Side, r: Side) => boolean): Pair[] => {
      const expected: Pair[] = [];
      for (const l of lefts) {
        for (const r of rights) {
          // the pair's records carry the window's last timestamp
          if (l.key === r.key && windowOf(l.ts) === windowOf(r.ts) && keep(l, r)) expected.push({ l: l.id, r: r.id, ts: -1, emittedAt: windowOf(l.ts) * WINDOW + WINDOW - 1 });
        }
      }
      return expected;
    };

    test('window join: every pair of records with equal keys in the same tumbling window, stamped with the window end', () => {
      const expected = windowPairs(() => true);
      assert.ok(expected.length > 100);
      assert.deepEqual(multiset(result.getCollected<Pair>('window-join')), multiset(expected));
    });

    test('window join with a RichFlatJoinFunction: opened, and emitting zero or more records per pair', () => {
      assert.deepEqual(multiset(result.getCollected<Pair>('window-flat-join')), multiset(windowPairs((l, r) => (l.id + r.id) % 3 === 0)));
    });

    test('window coGroup: one call per key and window with the records of both inputs, either side possibly empty', () => {
      const expected = new Map<string, Group>();
      const add = (s: Side, lefts: number, rights: number): void => {
        const id = `${s.key}/${windowOf(s.ts)}`;
        const old = expected.get(id) ?? { key: s.key, window: windowOf(s.ts), lefts: 0, rights: 0 };
        expected.set(id, { ...old, lefts: old.lefts + lefts, rights: old.rights + rights });
      };
      for (const l of lefts) add(l, 1, 0);
      for (const r of rights) add(r, 0, 1);
      const groups = [...expected.values()];
      assert.ok(groups.some((g) => g.lefts === 0) && groups.some((g) => g.rights === 0), 'the inputs have windows with one side empty');
      assert.deepEqual(multiset(result.getCollected<Group>('window-co-group')), multiset(groups));
    });
  });
}
