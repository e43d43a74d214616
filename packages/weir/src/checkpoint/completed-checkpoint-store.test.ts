/**
 * @module Tests of CompletedCheckpointStore: the newest N are kept, older ones are handed back to discard,
 * and ids only increase.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointId } from '../core/ids.ts';
import type { CompletedCheckpoint } from './completed-checkpoint.ts';
import { CompletedCheckpointStore } from './completed-checkpoint-store.ts';

function checkpoint(id: number): CompletedCheckpoint {
  return {
    checkpointId: CheckpointId(id),
    type: 'checkpoint',
    timestamp: id * 1000,
    completedAt: id * 1000 + 10,
    directory: `memory:/job/chk-${id}`,
    metadata: { version: 1, jobId: 'job', jobName: 'job', checkpointId: id, type: 'checkpoint', timestamp: id * 1000, operators: [] },
    stateSize: 0,
  };
}

test('the store keeps the newest N checkpoints and returns the older ones as subsumed', () => {
  const retained = 3;
  const store = new CompletedCheckpointStore(retained);
  const subsumed: number[] = [];
  const ids = [1, 2, 3, 4, 5, 6];
  for (const id of ids) {
    const result = store.add(checkpoint(id));
    assert.equal(result.kind, 'added');
    if (result.kind === 'added') subsumed.push(...result.subsumed.map((c) => c.checkpointId));
  }
  assert.deepEqual(
    store.all().map((c) => c.checkpointId),
    ids.slice(-retained),
  );
  assert.deepEqual(subsumed, ids.slice(0, -retained));
  assert.equal(store.latest()?.checkpointId, ids.at(-1));
});

test('adding a checkpoint not newer than every earlier one is rejected', () => {
  const store = new CompletedCheckpointStore(1);
  store.add(checkpoint(5));
  const older = store.add(checkpoint(4));
  assert.equal(older.kind, 'rejected');
  assert.equal(store.add(checkpoint(5)).kind, 'rejected');
  assert.equal(store.latest()?.checkpointId, 5);
  // ids stay increasing even once the store is emptied
  store.removeAll();
  assert.equal(store.add(checkpoint(5)).kind, 'rejected');
  assert.equal(store.add(checkpoint(6)).kind, 'added');
});

test('an empty store has no latest checkpoint and rejects a retained count below 1', () => {
  assert.equal(new CompletedCheckpointStore().latest(), undefined);
  assert.throws(() => new CompletedCheckpointStore(0), /numRetainedCheckpoints/);
});
