/**
 * @module Tests of DataGeneratorSource and the stateless random helpers: exact coverage of indexes at
 * several parallelisms, resuming from snapshots, the rate limit, and the errors users meet.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { DataGeneratorSource, randomInt, seededRandom } from './datagen-source.ts';
import type { DataGeneratorSplit } from './datagen-source.ts';
import { closeReaders, openSourceReaders, pollReader } from './reader-harness.ts';

interface Row {
  readonly index: number;
  readonly value: number;
}

const generate = (index: number): Row => ({ index, value: randomInt(7, index, 1000) });

function expectedRows(count: number): Row[] {
  const rows: Row[] = [];
  for (let index = 0; index < count; index++) rows.push(generate(index));
  return rows;
}

function byIndex(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => a.index - b.index);
}

describe('DataGeneratorSource', () => {
  for (const parallelism of [1, 2, 4]) {
    test(`emits every index below count exactly once at parallelism ${parallelism}`, async () => {
      const count = 10_007;
      const source = new DataGeneratorSource(generate, { count });
      assert.equal(source.boundedness, 'BOUNDED');
      const readers = await openSourceReaders(source, parallelism);
      const perSubtask = await Promise.all(readers.map((reader) => pollReader(reader)));
      perSubtask.forEach((rows, subtask) => {
        // subtask s reads s, s+p, s+2p, ... in order
        rows.forEach((row, n) => {
          assert.equal(row.index, subtask + n * parallelism);
        });
      });
      assert.deepEqual(byIndex(perSubtask.flat()), expectedRows(count));
      await closeReaders(readers);
    });
  }

  test('a subtask whose first index is past count ends at once', async () => {
    const readers = await openSourceReaders(new DataGeneratorSource(generate, { count: 3 }), 4);
    const perSubtask = await Promise.all(readers.map((reader) => pollReader(reader)));
    assert.deepEqual(
      perSubtask.map((rows) => rows.length),
      [1, 1, 1, 0],
    );
    await closeReaders(readers);
  });

  for (const parallelism of [1, 2, 4]) {
    test(`readers restored from a mid-way snapshot emit exactly the rest at parallelism ${parallelism}`, async () => {
      const count = 20_000;
      const source = new DataGeneratorSource(generate, { count });
      const readers = await openSourceReaders(source, parallelism);
      const before = await Promise.all(readers.map((reader, subtask) => pollReader(reader, { until: (rows) => rows.length >= 1000 * (subtask + 1) })));
      // splits travel as JSON between the JobManager, workers and checkpoint files
      const snapshot = JSON.parse(JSON.stringify(readers.map((reader) => reader.snapshotState()))) as DataGeneratorSplit[][];
      await closeReaders(readers);
      assert.ok(before.flat().length < count);

      const restored = await openSourceReaders(source, parallelism, snapshot);
      const after = await Promise.all(restored.map((reader) => pollReader(reader)));
      assert.deepEqual(byIndex([...before.flat(), ...after.flat()]), expectedRows(count));
      await closeReaders(restored);
    });
  }

  test('splits taken at parallelism 4 can be restored onto one reader', async () => {
    const count = 9_000;
    const source = new DataGeneratorSource(generate, { count });
    const readers = await openSourceReaders(source, 4);
    const before = await Promise.all(readers.map((reader) => pollReader(reader, { until: (rows) => rows.length >= 1500 })));
    const snapshot = readers.flatMap((reader) => reader.snapshotState());
    await closeReaders(readers);

    const [single] = await openSourceReaders(source, 1, [snapshot]);
    assert.ok(single !== undefined);
    const after = await pollReader(single);
    assert.deepEqual(byIndex([...before.flat(), ...after]), expectedRows(count));
    await single.close();
  });

  test('an unbounded source keeps emitting and its snapshot survives JSON', async () => {
    const source = new DataGeneratorSource((index) => index);
    assert.equal(source.boundedness, 'CONTINUOUS_UNBOUNDED');
    const readers = await openSourceReaders(source, 2);
    const first = readers[0];
    assert.ok(first !== undefined);
    const values = await pollReader(first, { until: (rows) => rows.length >= 50_000 });
    const snapshot = first.snapshotState();
    assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot);
    assert.deepEqual(snapshot, [{ splitId: 'datagen-0-of-2', next: values.length * 2, stride: 2, end: null }]);
    await closeReaders(readers);
  });

  test('a rate limit spreads the records over time without blocking a poll', async () => {
    const count = 1200;
    const recordsPerSecond = 4000;
    const source = new DataGeneratorSource(generate, { count, recordsPerSecond });
    const readers = await openSourceReaders(source, 2);
    const first = readers[0];
    assert.ok(first !== undefined);
    const pollStarted = performance.now();
    const firstBurst: Row[] = [];
    first.pollNext({ collect: (row) => firstBurst.push(row) });
    assert.ok(performance.now() - pollStarted < 50, 'pollNext must not wait for the rate limit');
    assert.ok(firstBurst.length > 0 && firstBurst.length < count / 2, `first burst had ${firstBurst.length} records`);

    const started = performance.now();
    const perSubtask = await Promise.all(readers.map((reader) => pollReader(reader)));
    const seconds = (performance.now() - started) / 1000;
    const expectedSeconds = count / recordsPerSecond;
    // generous bounds: timers are late on a busy machine, never early
    assert.ok(seconds > expectedSeconds * 0.6, `took ${seconds}s, expected about ${expectedSeconds}s`);
    assert.ok(seconds < expectedSeconds * 5 + 1, `took ${seconds}s, expected about ${expectedSeconds}s`);
    assert.deepEqual(byIndex([...firstBurst, ...perSubtask.flat()]), expectedRows(count));
    await closeReaders(readers);
  });

  test('a throwing generator fails naming the index, and the position stays at that index', async () => {
    const source = new DataGeneratorSource((index) => {
      if (index === 1234) throw new RangeError('no such row');
      return index;
    }, { count: 5000 });
    const [reader] = await openSourceReaders(source, 1);
    assert.ok(reader !== undefined);
    await assert.rejects(pollReader(reader), (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.equal(error.code, 'USER_FUNCTION_FAILED');
      assert.match(error.message, /source 'DataGen' \(uid harness\) subtask 1\/1/);
      assert.match(error.message, /generator\(1234\)/);
      assert.match(error.message, /RangeError: no such row/);
      return true;
    });
    assert.equal(reader.snapshotState()[0]?.next, 1234);
    await reader.close();
  });

  test('bad options are reported by name with what is accepted', () => {
    const cases: [string, () => unknown][] = [
      ['count', () => new DataGeneratorSource(generate, { count: -1 })],
      ['count', () => new DataGeneratorSource(generate, { count: 2.5 })],
      ['recordsPerSecond', () => new DataGeneratorSource(generate, { recordsPerSecond: 0 })],
      ['recordsPerSecond', () => new DataGeneratorSource(generate, { recordsPerSecond: Number.NaN })],
      ['generator', () => new DataGeneratorSource(42 as unknown as (index: number) => number)],
    ];
    for (const [option, create] of cases) {
      assert.throws(create, (error: unknown) => {
        assert.ok(error instanceof WeirError);
        assert.equal(error.code, 'INVALID_OPTION');
        assert.match(error.message, new RegExp(`option '${option}' \\(new DataGeneratorSource\\(\\)\\).*accepted: `));
        return true;
      });
    }
  });
});

describe('seededRandom', () => {
  test('is a pure function of seed and index, in [0, 1), and about uniform', () => {
    const n = 200_000;
    const buckets = new Array<number>(10).fill(0);
    let sum = 0;
    for (let index = 0; index < n; index++) {
      const value = seededRandom(42, index);
      assert.ok(value >= 0 && value < 1);
      assert.equal(seededRandom(42, index), value);
      sum += value;
      const bucket = Math.floor(value * 10);
      buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    }
    assert.ok(Math.abs(sum / n - 0.5) < 0.01, `mean ${sum / n}`);
    for (const hits of buckets) assert.ok(Math.abs(hits - n / 10) < n / 100, `bucket counts ${buckets.join(',')}`);
  });

  test('different seeds and indexes past 2^32 give different sequences', () => {
    let sameSeed = 0;
    let wrapped = 0;
    for (let index = 0; index < 10_000; index++) {
      if (seededRandom(1, index) === seededRandom(2, index)) sameSeed++;
      if (seededRandom(1, index) === seededRandom(1, index + 2 ** 32)) wrapped++;
    }
    assert.ok(sameSeed < 5, `${sameSeed} equal values across seeds`);
    assert.ok(wrapped < 5, `${wrapped} equal values 2^32 apart`);
  });

  test('randomInt covers [0, n) evenly', () => {
    const n = 7;
    const counts = new Array<number>(n).fill(0);
    for (let index = 0; index < 70_000; index++) {
      const value = randomInt(3, index, n);
      assert.ok(Number.isInteger(value) && value >= 0 && value < n);
      counts[value] = (counts[value] ?? 0) + 1;
    }
    for (const hits of counts) assert.ok(Math.abs(hits - 10_000) < 500, `counts ${counts.join(',')}`);
  });
});
