/**
 * @module Every DataStream operator and partitioner, run in real worker threads at parallelism 1, 2
 * and 4, checked against a plain loop over the same input.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { keyGroupOf, subtaskForKeyGroup } from 'weir';
import { TEST_PARALLELISMS, groupBy, multiset, runJob, type JobExecutionResult } from 'weir/testing';
import { NUMBERS, SALES, WORDS, type Sale, type StateSummary } from './jobs/operators-job.ts';

const JOB = new URL('./jobs/operators-job.ts', import.meta.url);

/** The rolling outputs a keyed aggregation must emit per key, from a plain loop. */
function rolling(step: (acc: Sale, next: Sale) => Sale): Map<string, Sale[]> {
  const expected = new Map<string, Sale[]>();
  const current = new Map<string, Sale>();
  for (const sale of SALES) {
    const acc = current.get(sale.shop);
    const next = acc === undefined ? sale : step(acc, sale);
    current.set(sale.shop, next);
    expected.set(sale.shop, [...(expected.get(sale.shop) ?? []), next]);
  }
  return expected;
}

for (const parallelism of TEST_PARALLELISMS) {
  describe(`operators at parallelism ${parallelism}`, () => {
    let result: JobExecutionResult;
    before(async () => {
      result = await runJob(JOB, { parallelism });
    });
    const collected = <T>(name: string): T[] => result.getCollected<T>(name);

    test('map, filter and flatMap emit what a plain loop emits', () => {
      const expected: number[] = [];
      for (const x of NUMBERS) {
        const y = x * 3;
        if (y % 2 === 1) expected.push(y, -y);
      }
      assert.deepEqual(multiset(collected<number>('map-filter-flatmap')), multiset(expected));
    });

    test('a ProcessFunction sees every record, without a timestamp', () => {
      assert.deepEqual(multiset(collected<number>('process')), multiset(NUMBERS.map((x) => x + 1)));
    });

    const aggregations: [string, (acc: Sale, next: Sale) => Sale][] = [
      ['sum', (acc, next) => ({ ...acc, amount: acc.amount + next.amount })],
      ['min', (acc, next) => (next.amount < acc.amount ? { ...acc, amount: next.amount } : acc)],
      ['max', (acc, next) => (next.amount > acc.amount ? { ...acc, amount: next.amount } : acc)],
      ['minBy', (acc, next) => (next.amount < acc.amount ? next : acc)],
      ['maxBy', (acc, next) => (next.amount > acc.amount ? next : acc)],
    ];
    for (const [name, step] of aggregations) {
      test(`${name} emits the rolling aggregate of each key in arrival order`, () => {
        const actual = groupBy(collected<Sale>(name), (s) => s.shop);
        const expected = rolling(step);
        assert.equal(actual.size, expected.size);
        for (const [shop, outputs] of expected) assert.deepEqual(actual.get(shop), outputs, `shop ${shop}`);
      });
    }

    test('reduce ends with the combined value of each key', () => {
      const expected = new Map<string, { total: number; last: number }>();
      for (const sale of SALES) {
        const acc = expected.get(sale.shop);
        expected.set(sale.shop, { total: (acc?.total ?? 0) + sale.amount, last: sale.seq });
      }
      const actual = collected<Sale>('reduce');
      assert.equal(actual.length, expected.size);
      for (const sale of actual) assert.deepEqual({ total: sale.amount, last: sale.seq }, expected.get(sale.shop));
    });

    test('value, list, map, reducing and aggregating state are kept per key and the final watermark fires each key\'s timer once', () => {
      const actual = collected<StateSummary>('all-states');
      const byShop = groupBy(SALES, (s) => s.shop);
      assert.equal(actual.length, byShop.size);
      for (const summary of actual) {
        const sales = byShop.get(summary.shop) ?? [];
        const amounts = sales.map((s) => s.amount);
        const total = amounts.reduce((a, b) => a + b, 0);
        const even = amounts.filter((a) => a % 2 === 0).length;
        const byParity: Record<string, number> = {};
        if (even > 0) byParity['even'] = even;
        if (amounts.length - even > 0) byParity['odd'] = amounts.length - even;
        assert.deepEqual(summary, { shop: summary.shop, count: sales.length, amounts, byParity, total, average: total / sales.length });
      }
    });

    test('sum() of a number stream ends with each key\'s total', () => {
      const totals = new Map<number, number>();
      for (const word of WORDS) {
        const n = word.charCodeAt(0) - 96;
        totals.set(n % 3, (totals.get(n % 3) ?? 0) + n);
      }
      const actual = collected<number>('number-sum');
      assert.equal(actual.length, WORDS.length);
      assert.deepEqual(new Set(actual.filter((v) => [...totals.values()].includes(v))), new Set(totals.values()));
    });

    test('union merges the records of both streams', () => {
      assert.deepEqual(multiset(collected<number>('union')), multiset(NUMBERS));
    });

    test('broadcast sends every record to every subtask', () => {
      const tagged = collected<[string, number]>('broadcast');
      assert.equal(tagged.length, WORDS.length * parallelism);
      for (let subtask = 0; subtask < parallelism; subtask++) {
        assert.deepEqual(multiset(tagged.filter(([, s]) => s === subtask).map(([w]) => w)), multiset(WORDS));
      }
    });

    test('rebalance spreads records evenly over the subtasks', () => {
      const tagged = collected<[string, number]>('rebalance');
      assert.deepEqual(multiset(tagged.map(([w]) => w)), multiset(WORDS));
      const perSubtask = Array.from({ length: parallelism }, (_, s) => tagged.filter(([, t]) => t === s).length);
      assert.ok(Math.max(...perSubtask) - Math.min(...perSubtask) <= parallelism, `uneven: ${perSubtask.join(', ')}`);
    });

    test('shuffle and rescale deliver every record once to a valid subtask', () => {
      for (const name of ['shuffle', 'rescale']) {
        const tagged = collected<[string, number]>(name);
        assert.deepEqual(multiset(tagged.map(([w]) => w)), multiset(WORDS), name);
        assert.ok(tagged.every(([, s]) => s >= 0 && s < parallelism), name);
      }
    });

    test('global sends every record to the first subtask', () => {
      const tagged = collected<[string, number]>('global');
      assert.deepEqual(multiset(tagged.map(([w]) => w)), multiset(WORDS));
      assert.ok(tagged.every(([, s]) => s === 0));
    });

    test('keyBy sends every key to the subtask that owns its key group', () => {
      const tagged = collected<[string, number]>('keyby');
      assert.deepEqual(multiset(tagged.map(([w]) => w)), multiset(WORDS));
      for (const [word, subtask] of tagged) assert.equal(subtask, subtaskForKeyGroup(128, parallelism, keyGroupOf(word, 128)), word);
    });

    test('forward keeps each record in the same-numbered subtask', () => {
      const tagged = collected<[readonly [string, number], number]>('forward');
      assert.deepEqual(multiset(tagged.map(([[w]]) => w)), multiset(WORDS));
      for (const [[, first], second] of tagged) assert.equal(first, second);
    });
  });
}
