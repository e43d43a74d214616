/**
 * @module Tests of PendingCheckpoint: acknowledgement results, the status table, and the metadata it
 * assembles (operators by uid, subtasks in order).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { CheckpointId } from '../core/ids.ts';
import type { SubtaskState } from './checkpoint-metadata.ts';
import { PendingCheckpoint, taskName } from './pending-checkpoint.ts';

const operators = [
  { uid: 'source', name: 'Source', parallelism: 2, maxParallelism: 128 },
  { uid: 'counter', name: 'Count', parallelism: 2, maxParallelism: 128 },
  { uid: 'print', name: 'Print', parallelism: 1, maxParallelism: 128 },
];

function state(subtask: number, size: number): SubtaskState {
  return { subtask, operatorState: { path: `s-${subtask}`, size, checksum: 'ab' } };
}

function create(tasks = [taskName('v1', 0), taskName('v1', 1)]): PendingCheckpoint {
  return new PendingCheckpoint({ checkpointId: CheckpointId(7), type: 'checkpoint', timestamp: 1234, tasksToAcknowledge: tasks });
}

test('a checkpoint is fully acknowledged once every expected task acknowledged', () => {
  const pending = create();
  assert.equal(pending.acknowledgeTask('v1#1', [{ uid: 'source', state: state(1, 10) }]), 'SUCCESS');
  assert.equal(pending.isFullyAcknowledged(), false);
  assert.deepEqual(pending.notYetAcknowledgedTasks(), ['v1#0']);
  assert.equal(pending.acknowledgeTask('v1#0', [{ uid: 'source', state: state(0, 5) }]), 'SUCCESS');
  assert.equal(pending.isFullyAcknowledged(), true);
  assert.equal(pending.stateSize, 15);
  assert.equal(pending.numberOfAcknowledgedTasks, 2);
});

test('a second acknowledgement of a task is DUPLICATE and one of a task not expected is UNKNOWN', () => {
  const pending = create();
  assert.equal(pending.acknowledgeTask('v1#0', [{ uid: 'source', state: state(0, 5) }]), 'SUCCESS');
  assert.equal(pending.acknowledgeTask('v1#0', [{ uid: 'source', state: state(0, 99) }]), 'DUPLICATE');
  assert.equal(pending.acknowledgeTask('v9#0', []), 'UNKNOWN');
  assert.equal(pending.stateSize, 5);
});

test('an acknowledgement after an abort is DISCARDED', () => {
  const pending = create();
  assert.equal(pending.abort('CHECKPOINT_DECLINED'), true);
  assert.equal(pending.status, 'ABORTED');
  assert.equal(pending.failureReason, 'CHECKPOINT_DECLINED');
  assert.equal(pending.acknowledgeTask('v1#0', []), 'DISCARDED');
  assert.equal(pending.abort('CHECKPOINT_EXPIRED'), false);
  assert.equal(pending.failureReason, 'CHECKPOINT_DECLINED');
});

test('once finalizing, a checkpoint cannot be aborted, only completed or failed by its metadata write', () => {
  const pending = create([taskName('v1', 0)]);
  assert.throws(() => pending.startFinalizing(), (e: unknown) => e instanceof WeirError && e.code === 'INTERNAL');
  pending.acknowledgeTask('v1#0', []);
  pending.startFinalizing();
  assert.equal(pending.abort('CHECKPOINT_EXPIRED'), false);
  assert.equal(pending.status, 'FINALIZING');
  pending.complete();
  assert.equal(pending.status, 'COMPLETED');
  assert.equal(pending.isDisposed(), true);
  assert.throws(() => pending.failFinalization(), (e: unknown) => e instanceof WeirError && e.code === 'INTERNAL');

  const failing = create([taskName('v1', 0)]);
  failing.acknowledgeTask('v1#0', []);
  failing.startFinalizing();
  failing.failFinalization();
  assert.equal(failing.status, 'ABORTED');
  assert.equal(failing.failureReason, 'FINALIZE_CHECKPOINT_FAILURE');
});

test('metadata lists every operator sorted by uid, with its subtasks in index order', () => {
  const pending = create([taskName('v1', 1), taskName('v1', 0)]);
  pending.acknowledgeTask('v1#1', [
    { uid: 'source', state: state(1, 1) },
    { uid: 'counter', state: state(1, 2) },
  ]);
  pending.acknowledgeTask('v1#0', [
    { uid: 'counter', state: state(0, 3) },
    { uid: 'source', state: state(0, 4) },
  ]);
  const metadata = pending.toMetadata({ jobId: 'job', jobName: 'pageviews', operators });
  const expectedUids = operators.map((o) => o.uid).sort();
  assert.deepEqual(
    metadata.operators.map((o) => o.uid),
    expectedUids,
  );
  for (const operator of metadata.operators) {
    const subtasks = operator.subtasks.map((s) => s.subtask);
    assert.deepEqual(subtasks, [...subtasks].sort((a, b) => a - b));
  }
  assert.deepEqual(metadata.operators.find((o) => o.uid === 'counter')?.subtasks, [state(0, 3), state(1, 2)]);
  assert.deepEqual(metadata.operators.find((o) => o.uid === 'print')?.subtasks, []);
  assert.equal(metadata.checkpointId, 7);
  assert.equal(metadata.timestamp, 1234);
  assert.equal(metadata.type, 'checkpoint');
  assert.equal(metadata.version, 1);
});

test('state for an operator the job does not have, or reported twice, is a bug', () => {
  const pending = create();
  pending.acknowledgeTask('v1#0', [{ uid: 'ghost', state: state(0, 1) }]);
  assert.throws(() => pending.toMetadata({ jobId: 'job', jobName: 'pageviews', operators }), /ghost/);
  assert.throws(() => pending.acknowledgeTask('v1#1', [{ uid: 'ghost', state: state(0, 1) }]), /already reported/);
  assert.deepEqual(pending.notYetAcknowledgedTasks(), ['v1#1']);
});
