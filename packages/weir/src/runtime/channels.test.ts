/**
 * @module Tests of channels: the LocalChannel's order and availability, and the remote pair
 * (RemoteChannelWriter, RemoteInputChannel, PeerConnection) over a real MessageChannel in one thread:
 * order, credit-based flow control and the place of control elements among batches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { NO_TIMESTAMP, watermark } from '../core/stream-element.ts';
import type { ControlElement } from '../core/stream-element.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { Types } from '../types/types.ts';
import { LocalChannel, PeerConnection, RemoteChannelWriter, RemoteInputChannel, isControl } from './channels.ts';
import type { ChannelItem, ChannelLimits, InputChannel, WireMessage } from './channels.ts';
import { EncodedBatch, type RecordBatch } from './record-batch.ts';

const DESCRIBE = (): string => "edge into operator 'sink' subtask 1/1";
const INT = Types.int as TypeSerializer<unknown>;

/** Everything a channel holds now, polled until it is empty. */
function drain(channel: InputChannel): ChannelItem[] {
  const items: ChannelItem[] = [];
  for (let item = channel.poll(); item !== undefined; item = channel.poll()) items.push(item);
  return items;
}

/** A batch as values, decoding one that came from another slot. */
function recordsOf(batch: RecordBatch | EncodedBatch): RecordBatch {
  return batch instanceof EncodedBatch ? batch.decodeAll() : batch;
}

/** A readable form of channel items: a batch as its values, a control element as itself. */
function describeItems(items: readonly ChannelItem[]): unknown[] {
  return items.map((item) => (isControl(item) ? item : recordsOf(item).values));
}

test('a LocalChannel delivers records in the order they were added, in batches of maxBatchRecords', () => {
  const channel = new LocalChannel({ buffersPerChannel: 1000, maxBatchRecords: 7, maxBatchBytes: 1 });
  const values = Array.from({ length: 50 }, (_, i) => i);
  for (const value of values) channel.add(value, NO_TIMESTAMP);
  channel.flush();
  const items = drain(channel);
  const batches = items.map((item) => (isControl(item) ? assert.fail('no control element was sent') : recordsOf(item)));
  assert.deepEqual(batches.flatMap((b) => b.values), values);
  assert.deepEqual(batches.map((b) => b.values.length), [7, 7, 7, 7, 7, 7, 7, 1]);
  assert.ok(batches.every((b) => b.timestamps === null));
});

test('a LocalChannel keeps timestamps beside the values, back-filling records without one', () => {
  const channel = new LocalChannel({ buffersPerChannel: 4, maxBatchRecords: 100, maxBatchBytes: 1 });
  channel.add('a', NO_TIMESTAMP);
  channel.add('b', 20);
  channel.add('c', 30);
  channel.flush();
  assert.deepEqual(drain(channel), [{ values: ['a', 'b', 'c'], timestamps: [NO_TIMESTAMP, 20, 30] }]);
});

test('a control element on a LocalChannel follows the records added before it', () => {
  const channel = new LocalChannel({ buffersPerChannel: 10, maxBatchRecords: 100, maxBatchBytes: 1 });
  channel.add(1, NO_TIMESTAMP);
  channel.add(2, NO_TIMESTAMP);
  channel.emitControl(watermark(5));
  channel.add(3, NO_TIMESTAMP);
  channel.emitControl(watermark(9));
  channel.emitControl(watermark(10));
  assert.deepEqual(describeItems(drain(channel)), [[1, 2], watermark(5), [3], watermark(9), watermark(10)]);
});

test('flush of an empty LocalChannel sends nothing and partialSince tracks the oldest unsent record', () => {
  const channel = new LocalChannel({ buffersPerChannel: 4, maxBatchRecords: 100, maxBatchBytes: 1 });
  channel.flush();
  assert.equal(channel.hasItems(), false);
  assert.equal(channel.partialSince, -1);
  const before = performance.now();
  channel.add('x', NO_TIMESTAMP);
  const since = channel.partialSince;
  assert.ok(since >= before && since <= performance.now());
  channel.add('y', NO_TIMESTAMP);
  assert.equal(channel.partialSince, since, 'a second record does not move it');
  channel.flush();
  assert.equal(channel.partialSince, -1);
});

test('a LocalChannel signals data once per burst, when it goes from empty to non-empty', () => {
  const channel = new LocalChannel({ buffersPerChannel: 10, maxBatchRecords: 1, maxBatchBytes: 1 });
  let signals = 0;
  channel.onData = () => {
    signals++;
  };
  channel.add(1, NO_TIMESTAMP);
  channel.add(2, NO_TIMESTAMP);
  assert.equal(signals, 1);
  drain(channel);
  channel.add(3, NO_TIMESTAMP);
  assert.equal(signals, 2);
});

test('a LocalChannel is unavailable once it holds buffersPerChannel items, and says so again when the consumer polls', () => {
  const buffers = 3;
  const channel = new LocalChannel({ buffersPerChannel: buffers, maxBatchRecords: 1, maxBatchBytes: 1 });
  let availableCalls = 0;
  channel.onAvailable = () => {
    availableCalls++;
  };
  for (let i = 0; i < buffers; i++) {
    assert.equal(channel.isAvailable(), true, `after ${i} batches`);
    channel.add(i, NO_TIMESTAMP); // a full batch (maxBatchRecords 1) is handed over at once
  }
  assert.equal(channel.isAvailable(), false, `after ${buffers} batches`);
  assert.equal(availableCalls, 0);
  channel.poll();
  assert.equal(channel.isAvailable(), true);
  assert.equal(availableCalls, 1);
  channel.poll();
  assert.equal(availableCalls, 1, 'only the step from full to not full is signalled');
});

test('control elements waiting in a LocalChannel take room like batches', () => {
  const channel = new LocalChannel({ buffersPerChannel: 2, maxBatchRecords: 100, maxBatchBytes: 1 });
  channel.emitControl(watermark(1));
  assert.equal(channel.isAvailable(), true);
  channel.emitControl(watermark(2));
  assert.equal(channel.isAvailable(), false);
});

test('a LocalChannel keeps order over many batches as its queue is compacted', () => {
  const channel = new LocalChannel({ buffersPerChannel: 8, maxBatchRecords: 3, maxBatchBytes: 1 });
  const received: unknown[] = [];
  for (let i = 0; i < 5000; i++) {
    channel.add(i, NO_TIMESTAMP);
    if (i % 17 === 0) channel.emitControl(watermark(i));
    // consume a little less often than we produce, so the queue grows and shrinks
    if (i % 4 === 0) for (const item of [channel.poll(), channel.poll()]) if (item !== undefined && !isControl(item)) received.push(...recordsOf(item).values);
  }
  channel.flush();
  for (const item of drain(channel)) if (!isControl(item)) received.push(...recordsOf(item).values);
  assert.deepEqual(received, Array.from({ length: 5000 }, (_, i) => i));
});

/** Waits until `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** An input channel that counts what arrived over the port (polling does not change the count). */
class CountingInputChannel extends RemoteInputChannel {
  arrived = 0;
  override receive(item: ArrayBuffer | ControlElement): void {
    this.arrived++;
    super.receive(item);
  }
}

/** A peer that records the messages it posts. */
class RecordingPeer extends PeerConnection {
  readonly sent: WireMessage[] = [];
  override send(message: WireMessage, transfer?: ArrayBuffer): void {
    this.sent.push(message);
    super.send(message, transfer);
  }
}

const SENTINEL_CHANNEL = 999;

interface RemotePair {
  readonly writer: RemoteChannelWriter;
  readonly input: CountingInputChannel;
  readonly producer: RecordingPeer;
  /** Resolves once every message the producer posted so far has been dispatched on the consumer side. */
  settle(): Promise<void>;
  /** Resolves once every credit the consumer returned so far has reached the writer. */
  settleCredits(): Promise<void>;
}

/** A writer and an input channel on channel 3 of one MessageChannel, closed when the test ends. */
function remotePair(t: TestContext, limits: ChannelLimits): RemotePair {
  const { port1, port2 } = new MessageChannel();
  const producer = new RecordingPeer(port1);
  const consumer = new PeerConnection(port2);
  t.after(() => {
    producer.close();
    consumer.close();
  });
  const writer = new RemoteChannelWriter(3, producer, INT, limits, DESCRIBE);
  const input = new CountingInputChannel(3, consumer, INT, DESCRIBE);
  // Ports keep order, so a message behind the others on a sentinel channel marks "all delivered".
  const sentinel = new CountingInputChannel(SENTINEL_CHANNEL, consumer, INT, DESCRIBE);
  const creditSentinel = new RemoteChannelWriter(SENTINEL_CHANNEL, producer, INT, limits, DESCRIBE);
  let creditMarks = 0;
  creditSentinel.onAvailable = () => {
    creditMarks++;
  };
  return {
    writer,
    input,
    producer,
    async settle() {
      const target = sentinel.arrived + 1;
      producer.send({ c: SENTINEL_CHANNEL, e: watermark(target) });
      await until(() => sentinel.arrived >= target, 'the sentinel message');
    },
    async settleCredits() {
      const target = creditMarks + 1;
      consumer.send({ c: SENTINEL_CHANNEL, k: 0 });
      await until(() => creditMarks >= target, 'the sentinel credit');
    },
  };
}

/** Writes each group as one batch. */
function writeBatches(writer: RemoteChannelWriter, groups: readonly (readonly number[])[]): void {
  for (const group of groups) {
    for (const value of group) writer.add(value, NO_TIMESTAMP);
    writer.flush();
  }
}

const LARGE_BATCHES: ChannelLimits = { buffersPerChannel: 4, maxBatchRecords: 1024, maxBatchBytes: 1 << 20 };

test('records cross a MessageChannel in order, with their timestamps', async (t) => {
  const pair = remotePair(t, { buffersPerChannel: 2, maxBatchRecords: 1024, maxBatchBytes: 64 });
  const records = Array.from({ length: 300 }, (_, i) => [i * 7, i % 5 === 0 ? NO_TIMESTAMP : i] as const);
  const received: (readonly [unknown, number])[] = [];
  let next = 0;
  // the producer writes while it has credit; the consumer takes what arrived; both until everything is across
  await until(() => {
    while (next < records.length && pair.writer.isAvailable()) {
      const [value, timestamp] = records[next++] as readonly [number, number];
      pair.writer.add(value, timestamp);
    }
    if (next === records.length) pair.writer.flush();
    for (const item of drain(pair.input)) {
      if (isControl(item)) assert.fail('no control element was sent');
      const batch = recordsOf(item);
      batch.values.forEach((v, i) => received.push([v, batch.timestamps?.[i] ?? NO_TIMESTAMP]));
    }
    return received.length === records.length;
  }, 'all records');
  assert.deepEqual(received, records);
});

test('a remote writer has at most buffersPerChannel batches in flight', async (t) => {
  const pair = remotePair(t, { ...LARGE_BATCHES, buffersPerChannel: 2 });
  writeBatches(pair.writer, [[1], [2], [3], [4], [5]]);
  assert.equal(pair.writer.isAvailable(), false);
  await pair.settle();
  assert.equal(pair.input.arrived, 2, 'only two batches crossed the port');
  assert.equal(pair.producer.sent.filter((m) => 'b' in m && m.c === 3).length, 2);
});

test('taking a batch returns a credit, which sends the next waiting batch', async (t) => {
  const pair = remotePair(t, { ...LARGE_BATCHES, buffersPerChannel: 2 });
  writeBatches(pair.writer, [[1], [2], [3], [4], [5]]);
  await pair.settle();
  const first = pair.input.poll();
  assert.deepEqual(first !== undefined && !isControl(first) ? recordsOf(first).values : first, [1]);
  await pair.settleCredits();
  await pair.settle();
  assert.equal(pair.input.arrived, 3, 'one credit let one more batch through');
  assert.equal(pair.writer.isAvailable(), false, 'two batches still wait');
});

test('the writer becomes available, and says so, once its waiting batches are sent and a credit is left', async (t) => {
  const pair = remotePair(t, { ...LARGE_BATCHES, buffersPerChannel: 1 });
  let availableCalls = 0;
  pair.writer.onAvailable = () => {
    availableCalls++;
  };
  writeBatches(pair.writer, [[1], [2]]);
  assert.equal(pair.writer.isAvailable(), false);
  await pair.settle();
  drain(pair.input); // takes [1]: its credit sends [2], leaving none
  await pair.settleCredits();
  assert.equal(pair.writer.isAvailable(), false);
  assert.equal(availableCalls, 0);
  await pair.settle();
  assert.deepEqual(describeItems(drain(pair.input)), [[2]]);
  await pair.settleCredits();
  assert.equal(pair.writer.isAvailable(), true);
  assert.equal(availableCalls, 1);
});

test('control elements keep their place among batches while the batches wait for credit', async (t) => {
  const pair = remotePair(t, { ...LARGE_BATCHES, buffersPerChannel: 1 });
  // the reference: what the producer did, in order
  const expected: unknown[] = [];
  const batch = (values: number[]): void => {
    writeBatches(pair.writer, [values]);
    expected.push(values);
  };
  const control = (element: ControlElement): void => {
    pair.writer.emitControl(element);
    expected.push(element);
  };
  batch([1, 2]);
  control(watermark(1)); // no batch waits: sent at once
  batch([3]); // no credit: waits
  control(watermark(2)); // must wait behind [3]
  batch([4]);
  for (const value of [5, 6]) pair.writer.add(value, NO_TIMESTAMP);
  expected.push([5, 6]); // emitControl sends the partly filled batch first
  control(watermark(3));
  await pair.settle();
  assert.equal(pair.input.arrived, 2, 'only the first batch and the first watermark crossed');

  const received: unknown[] = [];
  await until(() => {
    received.push(...describeItems(drain(pair.input)));
    return received.length === expected.length;
  }, 'every item');
  assert.deepEqual(received, expected);
});

test('data for a channel that does not exist yet waits for its registration, in order', async (t) => {
  const { port1, port2 } = new MessageChannel();
  const producer = new PeerConnection(port1);
  const consumer = new PeerConnection(port2);
  t.after(() => {
    producer.close();
    consumer.close();
  });
  const writer = new RemoteChannelWriter(11, producer, INT, LARGE_BATCHES, DESCRIBE);
  writeBatches(writer, [[1, 2], [3]]);
  const sentinel = new CountingInputChannel(SENTINEL_CHANNEL, consumer, INT, DESCRIBE);
  producer.send({ c: SENTINEL_CHANNEL, e: watermark(1) });
  await until(() => sentinel.arrived >= 1, 'the sentinel message');
  const input = new CountingInputChannel(11, consumer, INT, DESCRIBE);
  const values = drain(input).flatMap((item) => (isControl(item) ? [] : [...recordsOf(item).values]));
  assert.deepEqual(values, [1, 2, 3]);
});

test('data still in flight for a retired channel is dropped, and its id does not reach a new channel', async (t) => {
  const { port1, port2 } = new MessageChannel();
  const producer = new PeerConnection(port1);
  const consumer = new PeerConnection(port2);
  t.after(() => {
    producer.close();
    consumer.close();
  });
  const old = new CountingInputChannel(5, consumer, INT, DESCRIBE);
  consumer.retire(5);
  const writer = new RemoteChannelWriter(5, producer, INT, LARGE_BATCHES, DESCRIBE);
  writeBatches(writer, [[7, 8]]);
  const next = new RemoteChannelWriter(105, producer, INT, LARGE_BATCHES, DESCRIBE);
  writeBatches(next, [[9]]);
  const sentinel = new CountingInputChannel(SENTINEL_CHANNEL, consumer, INT, DESCRIBE);
  producer.send({ c: SENTINEL_CHANNEL, e: watermark(1) });
  await until(() => sentinel.arrived >= 1, 'the sentinel message');
  assert.equal(old.hasItems(), false);
  const restarted = new CountingInputChannel(105, consumer, INT, DESCRIBE);
  const values = drain(restarted).flatMap((item) => (isControl(item) ? [] : [...recordsOf(item).values]));
  assert.deepEqual(values, [9]);
});
