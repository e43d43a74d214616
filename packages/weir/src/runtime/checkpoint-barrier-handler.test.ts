/**
 * @module Tests of barrier handling decisions: aligned blocking and release, aborts on overtaking
 * barriers, ended channels, and the at-least-once tracker that never blocks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointId } from '../core/ids.ts';
import type { CheckpointBarrier } from '../core/stream-element.ts';
import { AlignedBarrierHandler, AtLeastOnceBarrierHandler, UnalignedBarrierHandler, type BarrierDecision, type UnalignedDecision } from './checkpoint-barrier-handler.ts';

const barrier = (id: number): CheckpointBarrier => ({ kind: 'barrier', checkpointId: CheckpointId(id), timestamp: 1000 + id, type: 'checkpoint', unaligned: false });
const kinds = (decisions: BarrierDecision[]): string[] =>
  decisions.map((d) => (d.kind === 'block' ? `block ${d.channel}` : d.kind === 'snapshot' ? `snapshot ${d.barrier.checkpointId}` : `abort ${d.checkpointId}`));

test('an aligned handler blocks each channel that delivered the barrier until every channel has', () => {
  const handler = new AlignedBarrierHandler(3);
  assert.deepEqual(kinds(handler.onBarrier(2, barrier(1), 10)), ['block 2']);
  assert.deepEqual(kinds(handler.onBarrier(0, barrier(1), 15)), ['block 0']);
  const last = handler.onBarrier(1, barrier(1), 40);
  assert.deepEqual(kinds(last), ['snapshot 1']);
  assert.equal(last[0]?.kind === 'snapshot' ? last[0].alignmentMs : -1, 30);
});

test('a task with one input channel snapshots at once, without blocking', () => {
  const handler = new AlignedBarrierHandler(1);
  assert.deepEqual(kinds(handler.onBarrier(0, barrier(1), 0)), ['snapshot 1']);
  assert.deepEqual(kinds(handler.onBarrier(0, barrier(2), 0)), ['snapshot 2']);
});

test('a newer barrier during an alignment aborts the older checkpoint and starts aligning the newer', () => {
  const handler = new AlignedBarrierHandler(2);
  handler.onBarrier(0, barrier(1), 0);
  assert.deepEqual(kinds(handler.onBarrier(1, barrier(2), 5)), ['abort 1', 'block 1']);
  assert.deepEqual(kinds(handler.onBarrier(0, barrier(2), 6)), ['snapshot 2']);
  // the late barrier 1 on channel 1 is ignored
  assert.deepEqual(kinds(handler.onBarrier(1, barrier(1), 7)), []);
});

test('an ended channel no longer holds an alignment back', () => {
  const handler = new AlignedBarrierHandler(3);
  handler.onBarrier(0, barrier(4), 0);
  handler.onBarrier(1, barrier(4), 0);
  assert.deepEqual(kinds(handler.onEndOfInput(2, 9)), ['snapshot 4']);
  assert.deepEqual(kinds(handler.onBarrier(0, barrier(5), 10)), ['block 0']);
  assert.deepEqual(kinds(handler.onBarrier(1, barrier(5), 11)), ['snapshot 5']);
});

test('an abort from the JobManager releases a running alignment and makes its barriers late', () => {
  const handler = new AlignedBarrierHandler(2);
  handler.onBarrier(0, barrier(3), 0);
  assert.deepEqual(kinds(handler.onAborted(CheckpointId(3))), ['abort 3']);
  assert.deepEqual(kinds(handler.onBarrier(1, barrier(3), 1)), []);
  assert.deepEqual(kinds(handler.onAborted(CheckpointId(4))), []);
  assert.deepEqual(kinds(handler.onBarrier(0, barrier(4), 2)), []);
});

test('the at-least-once tracker never blocks and snapshots when the last channel delivers the barrier', () => {
  const handler = new AtLeastOnceBarrierHandler(3);
  assert.deepEqual(kinds(handler.onBarrier(0, barrier(1), 0)), []);
  assert.deepEqual(kinds(handler.onBarrier(0, barrier(2), 1)), []);
  assert.deepEqual(kinds(handler.onBarrier(1, barrier(1), 2)), []);
  assert.deepEqual(kinds(handler.onBarrier(2, barrier(1), 3)), ['snapshot 1']);
  assert.deepEqual(kinds(handler.onBarrier(1, barrier(2), 4)), []);
  assert.deepEqual(kinds(handler.onEndOfInput(2, 5)), ['snapshot 2']);
});

test('in at-least-once mode a newer complete checkpoint subsumes an older one that cannot complete', () => {
  const handler = new AtLeastOnceBarrierHandler(2);
  handler.onBarrier(0, barrier(1), 0);
  handler.onBarrier(0, barrier(2), 0);
  assert.deepEqual(kinds(handler.onBarrier(1, barrier(2), 1)), ['abort 1', 'snapshot 2']);
  assert.deepEqual(kinds(handler.onBarrier(1, barrier(1), 2)), []);
});

const unalignedKinds = (decisions: UnalignedDecision[]): string[] =>
  decisions.map((d) =>
    d.kind === 'snapshot-unaligned'
      ? `snapshot ${d.barrier.checkpointId} record ${d.recordChannels.join(',')}`
      : d.kind === 'stop-recording'
        ? `stop ${d.channel}`
        : d.kind === 'channel-state-complete'
          ? `complete ${d.checkpointId}`
          : `abort ${d.checkpointId}`,
  );

test('an unaligned handler snapshots on the first barrier and records the other channels until their barrier', () => {
  const handler = new UnalignedBarrierHandler(3);
  assert.deepEqual(unalignedKinds(handler.onBarrier(1, barrier(1))), ['snapshot 1 record 0,2']);
  assert.deepEqual(unalignedKinds(handler.onBarrier(0, barrier(1))), ['stop 0']);
  assert.deepEqual(unalignedKinds(handler.onBarrier(2, barrier(1))), ['stop 2', 'complete 1']);
  assert.deepEqual(unalignedKinds(handler.onBarrier(2, barrier(1))), []);
});

test('an unaligned handler with one channel completes at once; an ended channel stops being recorded', () => {
  assert.deepEqual(unalignedKinds(new UnalignedBarrierHandler(1).onBarrier(0, barrier(3))), ['snapshot 3 record ', 'complete 3']);
  const handler = new UnalignedBarrierHandler(2);
  handler.onBarrier(0, barrier(4));
  assert.deepEqual(unalignedKinds(handler.onEndOfInput(1)), ['stop 1', 'complete 4']);
});

test('a newer barrier aborts an unaligned checkpoint whose channel state is not complete', () => {
  const handler = new UnalignedBarrierHandler(2);
  handler.onBarrier(0, barrier(1));
  assert.deepEqual(unalignedKinds(handler.onBarrier(0, barrier(2))), ['abort 1', 'snapshot 2 record 1']);
  assert.deepEqual(unalignedKinds(handler.onBarrier(1, barrier(1))), []);
  assert.deepEqual(unalignedKinds(handler.onBarrier(1, barrier(2))), ['stop 1', 'complete 2']);
});

test('an alignment that times out hands its checkpoint to the unaligned handler with the channels still owing the barrier', () => {
  const aligned = new AlignedBarrierHandler(3);
  const adopted = new UnalignedBarrierHandler(3);
  aligned.onBarrier(0, barrier(5), 0);
  assert.equal(aligned.aligning, 5);
  const switched = aligned.switchToUnaligned(CheckpointId(5));
  assert.deepEqual(switched?.pending, [1, 2]);
  assert.equal(aligned.aligning, undefined);
  assert.deepEqual(kinds(aligned.onBarrier(1, barrier(5), 1)), [], 'the aligned handler no longer waits for it');
  assert.deepEqual(unalignedKinds(new UnalignedBarrierHandler(3).adopt(barrier(5), [1, 2])), ['snapshot 5 record 1,2']);
  adopted.adopt(barrier(5), switched?.pending ?? []);
  assert.equal(adopted.recording, 5);
  assert.deepEqual(unalignedKinds(adopted.onBarrier(1, barrier(5))), ['stop 1']);
  assert.deepEqual(unalignedKinds(adopted.onBarrier(2, barrier(5))), ['stop 2', 'complete 5']);
  assert.equal(aligned.switchToUnaligned(CheckpointId(5)), undefined, 'switching twice does nothing');
});
