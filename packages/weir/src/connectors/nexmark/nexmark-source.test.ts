/**
 * @module Tests of NexmarkSource: every event id exactly once at several parallelisms, event times as
 * record timestamps, resuming from snapshots (also onto another parallelism), and its options.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../../core/errors.ts';
import type { SourceReader } from '../../operators/source.ts';
import { closeReaders, openSourceReaders } from '../reader-harness.ts';
import { NexmarkGenerator } from './nexmark-generator.ts';
import type { NexmarkEvent } from './nexmark-model.ts';
import { NexmarkSource } from './nexmark-source.ts';
import type { NexmarkSplit } from './nexmark-source.ts';

interface Emitted {
  readonly event: NexmarkEvent;
  readonly timestamp: number | undefined;
}

/** Polls until the end of input or until `limit` records, returning the records with their timestamps. */
async function drain(reader: SourceReader<NexmarkEvent, NexmarkSplit>, limit = Number.POSITIVE_INFINITY): Promise<Emitted[]> {
  const emitted: Emitted[] = [];
  const output = {
    collect(event: NexmarkEvent, timestamp?: number): void {
      emitted.push({ event, timestamp });
    },
  };
  const deadline = performance.now() + 10_000;
  for (;;) {
    const status = reader.pollNext(output);
    if (status === 'END_OF_INPUT' || emitted.length >= limit) return emitted;
    if (status === 'NOTHING_AVAILABLE') await reader.isAvailable();
    else await new Promise((resolve) => setImmediate(resolve));
    if (performance.now() > deadline) throw new Error('the reader did not finish within 10 s');
  }
}

const OPTIONS = { eventsPerSecond: 2000, seed: 11 } as const;
const generator = new NexmarkGenerator(OPTIONS);

describe('NexmarkSource', () => {
  for (const parallelism of [1, 2, 4]) {
    test(`emits every event id below count exactly once, with its event time, at parallelism ${parallelism}`, async () => {
      const count = 5_003;
      const source = new NexmarkSource({ ...OPTIONS, count });
      assert.equal(source.boundedness, 'BOUNDED');
      const readers = await openSourceReaders(source, parallelism);
      const perSubtask = await Promise.all(readers.map((reader) => drain(reader)));
      const seen = new Array<number>(count).fill(0);
      perSubtask.forEach((records, subtask) => {
        // subtask s emits s, s+p, s+2p, ... in order
        records.forEach(({ event, timestamp }, k) => {
          const id = subtask + k * parallelism;
          assert.deepEqual(event, generator.generate(id));
          assert.equal(timestamp, generator.timestampForEvent(id));
          seen[id] = (seen[id] ?? 0) + 1;
        });
      });
      assert.ok(
        seen.every((n) => n === 1),
        'every id exactly once',
      );
      await closeReaders(readers);
    });
  }

  for (const [from, to] of [
    [2, 2],
    [4, 1],
    [1, 3],
  ] as const) {
    test(`readers restored from a mid-way snapshot taken at parallelism ${from} emit exactly the rest at parallelism ${to}`, async () => {
      const count = 8_000;
      const source = new NexmarkSource({ ...OPTIONS, count });
      const readers = await openSourceReaders(source, from);
      const before = await Promise.all(readers.map((reader, subtask) => drain(reader, 700 * (subtask + 1))));
      // splits travel as JSON between the JobManager, workers and checkpoint files
      const splits = JSON.parse(JSON.stringify(readers.flatMap((reader) => reader.snapshotState()))) as NexmarkSplit[];
      await closeReaders(readers);
      const restored = Array.from({ length: to }, (_, subtask) => splits.filter((_, i) => i % to === subtask));
      const resumed = await openSourceReaders(source, to, restored);
      const after = await Promise.all(resumed.map((reader) => drain(reader)));
      await closeReaders(resumed);
      const all = [...before.flat(), ...after.flat()].map(({ event }) => JSON.stringify(event)).sort();
      const expected = Array.from({ length: count }, (_, id) => JSON.stringify(generator.generate(id))).sort();
      assert.ok(before.flat().length < count);
      assert.deepEqual(all, expected);
    });
  }

  test('each split emits through its own output, in event-time order, and releases it when done', async () => {
    const count = 3000;
    const source = new NexmarkSource({ ...OPTIONS, count });
    const splits = (await source.createEnumerator({ parallelism: 2, description: 'test' }).assignInitialSplits()).flat();
    // both splits of parallelism 2 on one reader, as after scaling down
    const [reader] = await openSourceReaders(source, 1, [splits]);
    const perSplit = new Map<string, number[]>();
    const released: string[] = [];
    const main = {
      collect(): void {
        throw new Error('records should go through the split outputs');
      },
      createOutputForSplit(splitId: string) {
        assert.ok(!perSplit.has(splitId), `a second output for ${splitId}`);
        const times: number[] = [];
        perSplit.set(splitId, times);
        return {
          collect(_event: NexmarkEvent, timestamp?: number): void {
            times.push(timestamp as number);
          },
        };
      },
      releaseOutputForSplit(splitId: string): void {
        released.push(splitId);
      },
    };
    const r = reader as SourceReader<NexmarkEvent, NexmarkSplit>;
    while (r.pollNext(main) !== 'END_OF_INPUT');
    assert.deepEqual([...perSplit.keys()].sort(), ['nexmark-0-of-2', 'nexmark-1-of-2']);
    assert.deepEqual(perSplit.get('nexmark-0-of-2'), Array.from({ length: count / 2 }, (_, k) => generator.timestampForEvent(2 * k)));
    assert.deepEqual(perSplit.get('nexmark-1-of-2'), Array.from({ length: count / 2 }, (_, k) => generator.timestampForEvent(2 * k + 1)));
    assert.deepEqual(released.sort(), ['nexmark-0-of-2', 'nexmark-1-of-2']);
    await r.close();
  });

  test('without a count the source is unbounded', async () => {
    const source = new NexmarkSource(OPTIONS);
    assert.equal(source.boundedness, 'CONTINUOUS_UNBOUNDED');
    const opened = await openSourceReaders(source, 1);
    const reader = opened[0] as SourceReader<NexmarkEvent, NexmarkSplit>;
    const records = await drain(reader, 3000);
    assert.ok(records.length >= 3000);
    assert.deepEqual(
      records.slice(0, 3000).map(({ event }) => event),
      Array.from({ length: 3000 }, (_, id) => generator.generate(id)),
    );
    assert.deepEqual(reader.snapshotState(), [{ splitId: 'nexmark-0-of-1', next: records.length, stride: 1, end: null }]);
    await closeReaders(opened);
  });

  test('a paced source still emits every event', async () => {
    const count = 2_000;
    const readersOfSource = await openSourceReaders(new NexmarkSource({ ...OPTIONS, count, recordsPerSecond: 200_000 }), 2);
    const perSubtask = await Promise.all(readersOfSource.map((reader) => drain(reader)));
    assert.equal(perSubtask.flat().length, count);
    await closeReaders(readersOfSource);
  });

  test('bad options fail with INVALID_OPTION naming the option', () => {
    for (const [options, option] of [
      [{ count: -1 }, 'count'],
      [{ count: 1.5 }, 'count'],
      [{ recordsPerSecond: 0 }, 'recordsPerSecond'],
      [{ eventsPerSecond: -5 }, 'eventsPerSecond'],
    ] as const) {
      assert.throws(
        () => new NexmarkSource(options),
        (error: unknown) => error instanceof WeirError && error.code === 'INVALID_OPTION' && error.message.includes(`'${option}'`),
      );
    }
  });
});
