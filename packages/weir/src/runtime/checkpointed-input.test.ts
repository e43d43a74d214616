/**
 * @module Tests of CheckpointedInput over the channels of two input gates numbered as one range, as a
 * two-input task uses it: aligned blocking across both gates, at-least-once, unaligned channel state
 * labelled by input, and the switch from aligned to unaligned after the alignment timeout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointId } from '../core/ids.ts';
import type { CheckpointBarrier } from '../core/stream-element.ts';
import { Types } from '../types/types.ts';
import { decodeChannelStateByChannel } from './channel-state.ts';
import { CheckpointedInput, type BarrierSettings, type CheckpointedInputTask, type InputChannels } from './checkpointed-input.ts';

const barrier = (id: number): CheckpointBarrier => ({ kind: 'barrier', checkpointId: CheckpointId(id), timestamp: 1000 + id, type: 'checkpoint', unaligned: false });

/** Two gates of 2 and 1 channels, as one range 0..2; records what the input asks of them and of the task. */
function twoGates(settings: Partial<BarrierSettings> = {}) {
  const log: string[] = [];
  const blocked = [new Set<number>(), new Set<number>()];
  const channels: InputChannels = {
    count: 3,
    block: (channel) => {
      if (channel < 2) blocked[0]?.add(channel);
      else blocked[1]?.add(channel - 2);
      log.push(`block ${channel}`);
    },
    unblockAll: () => {
      blocked[0]?.clear();
      blocked[1]?.clear();
      log.push('unblock');
    },
    hasInput: () => false,
  };
  const channelStates: Promise<Uint8Array>[] = [];
  const timers: (() => void)[] = [];
  const task: CheckpointedInputTask = {
    name: 'task (1/1)',
    performCheckpoint: (b, _alignment, unaligned) => {
      log.push(`snapshot ${b.checkpointId}${unaligned === undefined ? '' : ' unaligned'}`);
      if (unaligned !== undefined) channelStates.push(unaligned.channelState);
    },
    registerProcessingTimer: (_time, action) => {
      timers.push(action);
      return () => {};
    },
    decline: (id) => log.push(`decline ${id}`),
    schedule: () => {},
    now: () => 0,
  };
  const input = new CheckpointedInput(
    task,
    channels,
    { mode: 'EXACTLY_ONCE', unaligned: false, channelSerializers: [Types.number, Types.number, Types.string], ...settings },
    { inputOf: (channel) => (channel < 2 ? 1 : 2), origin: { subtask: 0, parallelism: 1 } },
  );
  return { input, log, blocked, channelStates, timers };
}

test('aligned: a barrier blocks its channel in its own gate until the channels of both gates delivered it', () => {
  const { input, log, blocked } = twoGates();
  input.onBarrier(0, barrier(1));
  input.onBarrier(2, barrier(1));
  assert.deepEqual(blocked.map((b) => [...b]), [[0], [0]], 'channel 0 of gate 1 and channel 0 of gate 2');
  input.onBarrier(1, barrier(1));
  assert.deepEqual(log, ['block 0', 'block 2', 'snapshot 1', 'unblock']);
});

test('aligned: an input whose channels ended no longer holds the alignment back', () => {
  const { input, log } = twoGates();
  input.onBarrier(0, barrier(1));
  input.onBarrier(1, barrier(1));
  input.onChannelEnded(2);
  assert.deepEqual(log, ['block 0', 'block 1', 'snapshot 1', 'unblock']);
});

test('at-least-once: nothing is blocked; the snapshot comes once both gates delivered the barrier', () => {
  const { input, log } = twoGates({ mode: 'AT_LEAST_ONCE' });
  input.onBarrier(2, barrier(1));
  input.onBarrier(0, barrier(1));
  assert.deepEqual(log, []);
  input.onBarrier(1, barrier(1));
  assert.deepEqual(log.filter((entry) => entry !== 'unblock'), ['snapshot 1']);
});

test('unaligned: the first barrier snapshots; records of both inputs in flight are kept as channel state labelled by input', async () => {
  const { input, log, channelStates } = twoGates({ unaligned: true });
  input.onBarrier(0, barrier(1));
  assert.deepEqual(log, ['snapshot 1 unaligned']);
  assert.equal(input.recordedChannel(0), undefined, 'the channel that delivered the barrier is past the checkpoint');
  input.recordedChannel(1)?.values.push(7);
  input.recordedChannel(1)?.timestamps.push(70);
  input.recordedChannel(2)?.values.push('x');
  input.recordedChannel(2)?.timestamps.push(80);
  input.onBarrier(2, barrier(1));
  assert.equal(input.recordedChannel(2), undefined);
  input.onBarrier(1, barrier(1));
  const bytes = await channelStates[0];
  const decoded = decodeChannelStateByChannel(bytes as Uint8Array, 'test');
  assert.deepEqual(decoded.origin, { subtask: 0, parallelism: 1 });
  assert.deepEqual(
    decoded.channels.map((c) => [c.input, c.values, c.timestamps]),
    [
      [1, [7], [70]],
      [2, ['x'], [80]],
    ],
  );
});

test('aligned with a timeout: an alignment across both gates that takes too long continues unaligned', async () => {
  const { input, log, timers, channelStates } = twoGates({ unaligned: true, alignedCheckpointTimeout: 5 });
  input.onBarrier(2, barrier(1));
  assert.deepEqual(log, ['block 2']);
  timers[0]?.();
  assert.deepEqual(log, ['block 2', 'unblock', 'snapshot 1 unaligned']);
  input.recordedChannel(0)?.values.push(1);
  input.recordedChannel(0)?.timestamps.push(10);
  input.onBarrier(0, barrier(1));
  input.onBarrier(1, barrier(1));
  const decoded = decodeChannelStateByChannel((await channelStates[0]) as Uint8Array, 'test');
  assert.deepEqual(decoded.channels.map((c) => [c.input, c.values]), [[1, [1]], [1, []]]);
});

test('savepoints are always aligned: with unaligned checkpoints (timeout or not) and in at-least-once mode their barriers block', () => {
  const savepoint = (id: number): CheckpointBarrier => ({ ...barrier(id), type: 'savepoint' });
  for (const settings of [{ unaligned: true, alignedCheckpointTimeout: 0 }, { unaligned: true, alignedCheckpointTimeout: 5 }, { mode: 'AT_LEAST_ONCE' as const }]) {
    const { input, log, timers } = twoGates(settings);
    input.onBarrier(0, savepoint(1));
    input.onBarrier(2, savepoint(1));
    for (const fire of timers) fire();
    input.onBarrier(1, savepoint(1));
    assert.deepEqual(log, ['block 0', 'block 2', 'snapshot 1', 'unblock'], JSON.stringify(settings));
  }
});
