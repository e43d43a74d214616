/**
 * @module Tests of the InputGate over LocalChannels: round robin between channels with data, the
 * combined watermark (minimum over live channels, only increasing) and end of input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointId } from '../core/ids.ts';
import { END_OF_INPUT, NO_TIMESTAMP, WATERMARK_STATUS_ACTIVE, WATERMARK_STATUS_IDLE, watermark } from '../core/stream-element.ts';
import type { ControlElement } from '../core/stream-element.ts';
import { LocalChannel } from './channels.ts';
import { EncodedBatch } from './record-batch.ts';
import { InputGate } from './input-gate.ts';
import type { GateEvent } from './input-gate.ts';

function channels(count: number): LocalChannel[] {
  return Array.from({ length: count }, () => new LocalChannel({ buffersPerChannel: 1000, maxBatchRecords: 1000, maxBatchBytes: 1 }));
}

/** Sends one batch holding `values` on `channel`. */
function sendBatch(channel: LocalChannel, ...values: unknown[]): void {
  for (const value of values) channel.add(value, NO_TIMESTAMP);
  channel.flush();
}

/** Every event the gate has now. */
function drainGate(gate: InputGate): GateEvent[] {
  const events: GateEvent[] = [];
  for (let event = gate.poll(); event !== undefined; event = gate.poll()) events.push(event);
  return events;
}

/** Events in a compact form: `c<channel>:<values>`, `wm:<t>`, `end`, `ctl:<kind>`. */
function summarize(events: readonly GateEvent[]): string[] {
  return events.map((e) => {
    switch (e.kind) {
      case 'batch':
        return `c${e.channel}:${(e.batch instanceof EncodedBatch ? e.batch.decodeAll() : e.batch).values.join(',')}`;
      case 'watermark':
        return `wm:${e.timestamp}`;
      case 'watermark-status':
        return e.idle ? 'idle' : 'active';
      case 'end-of-input':
        return 'end';
      case 'control':
        return `ctl:${e.element.kind}`;
    }
  });
}

/**
 * The reference combined watermark: the minimum of each live channel's highest watermark, reported
 * only when it rises; undefined once every channel has ended.
 */
class ReferenceWatermark {
  readonly #highest: number[];
  readonly #ended: boolean[];
  #combined = Number.NEGATIVE_INFINITY;

  constructor(channelCount: number) {
    this.#highest = new Array<number>(channelCount).fill(Number.NEGATIVE_INFINITY);
    this.#ended = new Array<boolean>(channelCount).fill(false);
  }

  /** What the gate should report after `element` arrives on `channel`. */
  next(channel: number, element: ControlElement): string | undefined {
    if (element.kind === 'watermark') this.#highest[channel] = Math.max(this.#highest[channel] ?? 0, element.timestamp);
    if (element.kind === 'end-of-input') {
      if (this.#ended[channel] === true) return undefined;
      this.#ended[channel] = true;
      if (this.#ended.every(Boolean)) return 'end';
    }
    const live = this.#highest.filter((_, i) => this.#ended[i] !== true);
    if (live.length === 0) return undefined;
    const min = Math.min(...live);
    if (min <= this.#combined) return undefined;
    this.#combined = min;
    return `wm:${min}`;
  }
}

test('the gate serves channels with data in turn rather than draining one first', () => {
  const inputs = channels(3);
  const gate = new InputGate(inputs);
  for (let i = 0; i < 3; i++) sendBatch(inputs[0] as LocalChannel, `a${i}`);
  for (let i = 0; i < 3; i++) sendBatch(inputs[1] as LocalChannel, `b${i}`);
  sendBatch(inputs[2] as LocalChannel, 'c0');
  // round robin in the order the channels became ready, skipping a channel once it is empty
  assert.deepEqual(summarize(drainGate(gate)), ['c0:a0', 'c1:b0', 'c2:c0', 'c0:a1', 'c1:b1', 'c0:a2', 'c1:b2']);
  assert.equal(gate.hasInput(), false);
});

test('a channel that receives data again after it emptied rejoins the rotation', () => {
  const inputs = channels(2);
  const gate = new InputGate(inputs);
  sendBatch(inputs[0] as LocalChannel, 1);
  assert.deepEqual(summarize(drainGate(gate)), ['c0:1']);
  sendBatch(inputs[1] as LocalChannel, 2);
  sendBatch(inputs[0] as LocalChannel, 3);
  sendBatch(inputs[1] as LocalChannel, 4);
  assert.deepEqual(summarize(drainGate(gate)), ['c1:2', 'c0:3', 'c1:4']);
});

test('onAvailable fires when the gate goes from nothing to read to something to read', () => {
  const inputs = channels(2);
  const gate = new InputGate(inputs);
  let signals = 0;
  gate.onAvailable = () => {
    signals++;
  };
  sendBatch(inputs[0] as LocalChannel, 1);
  sendBatch(inputs[1] as LocalChannel, 2);
  assert.equal(signals, 1);
  assert.equal(gate.hasInput(), true);
  drainGate(gate);
  sendBatch(inputs[1] as LocalChannel, 3);
  assert.equal(signals, 2);
});

test('the combined watermark is the minimum over the channels and only increases', () => {
  const inputs = channels(3);
  const gate = new InputGate(inputs);
  const reference = new ReferenceWatermark(3);
  const script: [number, number][] = [
    [0, 10],
    [1, 5],
    [2, 7], // every channel has one now: min 5
    [1, 20], // min is channel 2's 7
    [2, 6], // a watermark going back on one channel is ignored
    [2, 30], // min is channel 0's 10
    [0, 25],
    [0, 40], // min 20
    [1, 15], // lower than before: ignored
  ];
  const expected: string[] = [];
  const actual: string[] = [];
  for (const [channel, timestamp] of script) {
    (inputs[channel] as LocalChannel).emitControl(watermark(timestamp));
    const next = reference.next(channel, watermark(timestamp));
    if (next !== undefined) expected.push(next);
    actual.push(...summarize(drainGate(gate)));
  }
  assert.deepEqual(actual, expected);
  assert.ok(expected.length >= 3, 'the script makes the watermark rise several times');
  const timestamps = expected.map((e) => Number(e.slice(3)));
  assert.deepEqual(timestamps, [...timestamps].sort((a, b) => a - b), 'reported watermarks increase');
});

test('an ended channel no longer holds the watermark back', () => {
  const inputs = channels(2);
  const gate = new InputGate(inputs);
  (inputs[0] as LocalChannel).emitControl(watermark(100));
  (inputs[1] as LocalChannel).emitControl(watermark(3));
  assert.deepEqual(summarize(drainGate(gate)), ['wm:3']);
  (inputs[1] as LocalChannel).emitControl(END_OF_INPUT);
  assert.deepEqual(summarize(drainGate(gate)), ['wm:100']);
  assert.equal(gate.isFinished, false);
});

test('end of input is reported once, only after every channel ended', () => {
  const inputs = channels(3);
  const gate = new InputGate(inputs);
  sendBatch(inputs[0] as LocalChannel, 'last');
  (inputs[0] as LocalChannel).emitControl(END_OF_INPUT);
  (inputs[1] as LocalChannel).emitControl(END_OF_INPUT);
  (inputs[1] as LocalChannel).emitControl(END_OF_INPUT); // a duplicate does not count twice
  let events = summarize(drainGate(gate));
  assert.ok(events.includes('c0:last'));
  assert.ok(!events.includes('end'), `not yet: ${events.join(' ')}`);
  assert.equal(gate.isFinished, false);
  (inputs[2] as LocalChannel).emitControl(END_OF_INPUT);
  events = summarize(drainGate(gate));
  assert.deepEqual(events, ['end']);
  assert.equal(gate.isFinished, true);
});

test('watermarks and ends on random channels match the reference', () => {
  let seed = 7;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let round = 0; round < 50; round++) {
    const count = 1 + Math.floor(random() * 4);
    const inputs = channels(count);
    const gate = new InputGate(inputs);
    const reference = new ReferenceWatermark(count);
    const expected: string[] = [];
    const actual: string[] = [];
    const ended = new Set<number>();
    for (let step = 0; step < 30 && ended.size < count; step++) {
      const channel = Math.floor(random() * count);
      if (ended.has(channel)) continue;
      const element: ControlElement = random() < 0.15 ? END_OF_INPUT : watermark(Math.floor(random() * 100));
      if (element.kind === 'end-of-input') ended.add(channel);
      (inputs[channel] as LocalChannel).emitControl(element);
      const next = reference.next(channel, element);
      if (next !== undefined) expected.push(next);
      actual.push(...summarize(drainGate(gate)));
    }
    assert.deepEqual(actual, expected, `round ${round}`);
  }
});

test('control elements other than watermarks and ends are passed on with their channel', () => {
  const inputs = channels(2);
  const gate = new InputGate(inputs);
  const barrier: ControlElement = { kind: 'barrier', checkpointId: CheckpointId(1), timestamp: 0, type: 'checkpoint', unaligned: false };
  sendBatch(inputs[1] as LocalChannel, 'before');
  (inputs[1] as LocalChannel).emitControl(barrier);
  const events = drainGate(gate);
  assert.deepEqual(summarize(events), ['c1:before', 'ctl:barrier']);
  assert.deepEqual(events[1], { kind: 'control', channel: 1, element: barrier });
});

test('a blocked channel is not read until unblocked, while the other channels are', () => {
  const a = new LocalChannel({ buffersPerChannel: 100, maxBatchRecords: 1, maxBatchBytes: 1 });
  const b = new LocalChannel({ buffersPerChannel: 100, maxBatchRecords: 1, maxBatchBytes: 1 });
  const gate = new InputGate([a, b]);
  a.add('a1', NO_TIMESTAMP);
  b.add('b1', NO_TIMESTAMP);
  gate.block(0);
  a.add('a2', NO_TIMESTAMP);
  b.add('b2', NO_TIMESTAMP);
  assert.deepEqual(summarize(drainGate(gate)), ['c1:b1', 'c1:b2']);
  assert.equal(gate.isBlocked(0), true);
  gate.unblockAll();
  assert.deepEqual(summarize(drainGate(gate)), ['c0:a1', 'c0:a2']);
});

test('the gate reports each channel that ends, before the end of all input', () => {
  const a = new LocalChannel({ buffersPerChannel: 100, maxBatchRecords: 1, maxBatchBytes: 1 });
  const b = new LocalChannel({ buffersPerChannel: 100, maxBatchRecords: 1, maxBatchBytes: 1 });
  const gate = new InputGate([a, b]);
  const ended: number[] = [];
  gate.onChannelEnded = (channel) => ended.push(channel);
  b.emitControl(END_OF_INPUT);
  drainGate(gate);
  assert.deepEqual(ended, [1]);
  a.emitControl(END_OF_INPUT);
  assert.deepEqual(summarize(drainGate(gate)), ['end']);
  assert.deepEqual(ended, [1, 0]);
});

test('an idle channel does not hold the watermark back, and counts again once it has caught up', () => {
  const inputs = channels(2);
  const gate = new InputGate(inputs);
  const [a, b] = inputs as [LocalChannel, LocalChannel];
  a.emitControl(watermark(10));
  b.emitControl(watermark(5));
  assert.deepEqual(summarize(drainGate(gate)), ['wm:5']);
  b.emitControl(WATERMARK_STATUS_IDLE);
  assert.deepEqual(summarize(drainGate(gate)), ['wm:10'], 'channel 1 went idle: the minimum is channel 0 alone');
  a.emitControl(watermark(20));
  assert.deepEqual(summarize(drainGate(gate)), ['wm:20']);
  b.emitControl(WATERMARK_STATUS_ACTIVE);
  b.emitControl(watermark(15));
  a.emitControl(watermark(30));
  assert.deepEqual(summarize(drainGate(gate)), ['wm:30'], 'channel 1 is behind the combined watermark: not aligned yet');
  b.emitControl(watermark(35));
  a.emitControl(watermark(40));
  assert.deepEqual(summarize(drainGate(gate)), ['wm:35'], 'channel 1 caught up: it holds the watermark again');
});

test('the gate is idle only while every live channel is idle, and flushes the highest watermark then', () => {
  const inputs = channels(2);
  const gate = new InputGate(inputs);
  const [a, b] = inputs as [LocalChannel, LocalChannel];
  a.emitControl(watermark(7));
  b.emitControl(watermark(3));
  a.emitControl(WATERMARK_STATUS_IDLE);
  assert.deepEqual(summarize(drainGate(gate)), ['wm:3']);
  b.emitControl(WATERMARK_STATUS_IDLE);
  assert.deepEqual(summarize(drainGate(gate)), ['wm:7', 'idle']);
  a.emitControl(WATERMARK_STATUS_ACTIVE);
  assert.deepEqual(summarize(drainGate(gate)), ['active']);
  b.emitControl(END_OF_INPUT);
  a.emitControl(WATERMARK_STATUS_IDLE);
  a.emitControl(END_OF_INPUT);
  assert.deepEqual(summarize(drainGate(gate)), ['idle', 'end']);
});

