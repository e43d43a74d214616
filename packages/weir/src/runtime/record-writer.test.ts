/**
 * @module Tests of RecordWriter: which channel each partitioner picks, key errors, and the
 * operations every writer shares (control elements, flushing, availability).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { hashKey, keyGroupRangeForSubtask, subtaskForKeyGroup } from '../core/key-groups.ts';
import type { Key } from '../core/key-groups.ts';
import { NO_TIMESTAMP, watermark } from '../core/stream-element.ts';
import type { ControlElement } from '../core/stream-element.ts';
import type { Partitioner } from '../graph/partitioner.ts';
import type { ChannelWriter } from './channels.ts';
import { createRecordWriter } from './record-writer.ts';
import type { RecordWriter } from './record-writer.ts';

const DESCRIBE = (): string => "keyBy() into operator 'count' (uid count) at subtask 1/3 of 'Source: events'";

/** A channel that records what it was given. */
class RecordingChannel implements ChannelWriter {
  readonly records: [unknown, number][] = [];
  readonly controls: ControlElement[] = [];
  flushes = 0;
  available = true;
  partialSince = -1;
  onAvailable = (): void => {};

  add(value: unknown, timestamp: number): void {
    this.records.push([value, timestamp]);
  }
  emitControl(element: ControlElement): void {
    this.controls.push(element);
  }
  flush(): void {
    this.flushes++;
    this.partialSince = -1;
  }
  isAvailable(): boolean {
    return this.available;
  }
}

function recordingChannels(count: number): RecordingChannel[] {
  return Array.from({ length: count }, () => new RecordingChannel());
}

function writer(partitioner: Partitioner, channels: readonly ChannelWriter[], producerSubtask = 0, maxParallelism = 128): RecordWriter {
  return createRecordWriter({ partitioner, channels, producerSubtask, maxParallelism, describe: DESCRIBE });
}

/** The index of the channel each value went to, in emit order. */
function routes(channels: readonly RecordingChannel[], values: readonly unknown[]): number[] {
  return values.map((value) => {
    const found = channels.findIndex((c) => c.records.some(([v]) => v === value));
    assert.ok(found >= 0, `${String(value)} reached no channel`);
    return found;
  });
}

const VALUES = Array.from({ length: 40 }, (_, i) => `v${i}`);

test('forward and global send every record to the single channel they are given, first', () => {
  for (const kind of ['forward', 'global'] as const) {
    const channels = recordingChannels(3);
    const w = writer({ kind }, channels, 2);
    VALUES.forEach((v, i) => w.emit(v, i));
    assert.deepEqual(channels[0]?.records, VALUES.map((v, i) => [v, i]), kind);
    assert.deepEqual(channels.slice(1).map((c) => c.records.length), [0, 0], kind);
  }
});

test('rebalance and rescale go round robin, starting at the producer subtask', () => {
  for (const kind of ['rebalance', 'rescale'] as const) {
    for (const [channelCount, producer] of [[3, 0], [3, 1], [3, 5], [4, 3], [1, 2]] as const) {
      const channels = recordingChannels(channelCount);
      const w = writer({ kind }, channels, producer);
      VALUES.forEach((v) => w.emit(v, NO_TIMESTAMP));
      const expected = VALUES.map((_, i) => (producer + i) % channelCount);
      assert.deepEqual(routes(channels, VALUES), expected, `${kind}, ${channelCount} channels, producer ${producer}`);
    }
  }
});

test('shuffle picks the same channels for the same producer and covers all of them', () => {
  const many = Array.from({ length: 2000 }, (_, i) => i);
  const run = (producer: number): number[] => {
    const channels = recordingChannels(5);
    const w = writer({ kind: 'shuffle' }, channels, producer);
    many.forEach((v) => w.emit(v, NO_TIMESTAMP));
    return routes(channels, many);
  };
  const first = run(1);
  assert.deepEqual(run(1), first, 'deterministic per producer');
  assert.notDeepEqual(run(2), first, 'another producer shuffles differently');
  const counts = [0, 1, 2, 3, 4].map((c) => first.filter((x) => x === c).length);
  assert.ok(counts.every((n) => n > 2000 / 5 / 2), `every channel gets a fair share: ${counts.join(',')}`);
  assert.notDeepEqual(first.slice(0, 20), first.slice(0, 20).sort(), 'not simply in order');
});

test('broadcast sends every record to every channel', () => {
  const channels = recordingChannels(4);
  const w = writer({ kind: 'broadcast' }, channels, 1);
  VALUES.forEach((v, i) => w.emit(v, i));
  for (const channel of channels) assert.deepEqual(channel.records, VALUES.map((v, i) => [v, i]));
});

test('keyBy sends a record to the channel of the subtask owning its key group', () => {
  const keys: Key[] = [...Array.from({ length: 300 }, (_, i) => `user-${i}`), ...Array.from({ length: 100 }, (_, i) => i * 3), ['a', 1], 5n, true];
  for (const [maxParallelism, parallelism] of [[128, 3], [128, 1], [10, 4], [1000, 7]] as const) {
    const channels = recordingChannels(parallelism);
    const w = writer({ kind: 'hash', keySelector: (record) => (record as { key: Key }).key }, channels, 0, maxParallelism);
    const records = keys.map((key) => ({ key }));
    records.forEach((r) => w.emit(r, NO_TIMESTAMP));
    for (const [index, record] of records.entries()) {
      const keyGroup = (hashKey(record.key) >>> 0) % maxParallelism;
      const owner = subtaskForKeyGroup(maxParallelism, parallelism, keyGroup);
      assert.ok(keyGroupRangeForSubtask(maxParallelism, parallelism, owner).contains(keyGroup));
      const reached = channels.findIndex((c) => c.records.some(([v]) => v === record));
      assert.equal(reached, owner, `record ${index} (maxParallelism ${maxParallelism}, parallelism ${parallelism})`);
    }
    const sizes = channels.map((c) => c.records.length);
    assert.equal(sizes.reduce((a, b) => a + b, 0), records.length, 'each record goes to exactly one channel');
  }
});

test('keyBy with an invalid key fails with INVALID_KEY naming the edge and the problem', () => {
  const cases: [unknown, string][] = [
    [undefined, 'the key is undefined'],
    [null, 'the key is null'],
    [Number.NaN, 'NaN is not a valid key'],
    [{ id: 1 }, 'the key is an object'],
  ];
  for (const [key, problem] of cases) {
    const w = writer({ kind: 'hash', keySelector: () => key as Key }, recordingChannels(3));
    assert.throws(
      () => w.emit('record', NO_TIMESTAMP),
      (error: unknown) => {
        assert.ok(error instanceof WeirError);
        assert.equal(error.code, 'INVALID_KEY');
        assert.ok(error.message.startsWith(`key selector of ${DESCRIBE()} returned an invalid key: `), error.message);
        assert.ok(error.message.includes(problem), `"${error.message}" should contain "${problem}"`);
        return true;
      },
    );
  }
});

test('a key selector that throws fails with USER_FUNCTION_FAILED naming the edge and the cause', () => {
  const cause = new TypeError("Cannot read properties of undefined (reading 'id')");
  const w = writer(
    {
      kind: 'hash',
      keySelector: () => {
        throw cause;
      },
    },
    recordingChannels(2),
  );
  assert.throws(
    () => w.emit('record', NO_TIMESTAMP),
    (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.equal(error.code, 'USER_FUNCTION_FAILED');
      assert.ok(error.message.includes(DESCRIBE()), error.message);
      assert.ok(error.message.includes("TypeError: Cannot read properties of undefined (reading 'id')"), error.message);
      assert.equal(error.cause, cause);
      return true;
    },
  );
});

test('control elements go to every channel, whatever the partitioner', () => {
  for (const kind of ['forward', 'rebalance', 'shuffle', 'broadcast', 'global'] as const) {
    const channels = recordingChannels(3);
    writer({ kind }, channels).broadcastControl(watermark(42));
    for (const channel of channels) assert.deepEqual(channel.controls, [watermark(42)], kind);
  }
});

test('the writer is available only while every channel is', () => {
  const channels = recordingChannels(3);
  const w = writer({ kind: 'rebalance' }, channels);
  assert.equal(w.isAvailable(), true);
  (channels[1] as RecordingChannel).available = false;
  assert.equal(w.isAvailable(), false);
});

test('flushOlderThan flushes only channels whose partial batch waited since the cutoff or earlier', () => {
  const channels = recordingChannels(4);
  const w = writer({ kind: 'rebalance' }, channels);
  const since = [-1, 10, 20, 30];
  channels.forEach((c, i) => {
    c.partialSince = since[i] as number;
  });
  w.flushOlderThan(20);
  assert.deepEqual(channels.map((c) => c.flushes), since.map((s) => (s >= 0 && s <= 20 ? 1 : 0)));
  w.flush();
  assert.deepEqual(channels.map((c) => c.flushes), since.map((s) => (s >= 0 && s <= 20 ? 2 : 1)));
});

test('a writer without channels is an internal error', () => {
  assert.throws(() => writer({ kind: 'forward' }, []), (error: unknown) => error instanceof WeirError && error.code === 'INTERNAL');
});
