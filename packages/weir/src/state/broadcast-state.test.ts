/**
 * @module Tests of broadcast state in the operator state backend: every subtask gets one whole copy on
 * restore at any parallelism, snapshots keep their moment, and names, modes and types are checked.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { CheckpointId, SubtaskIndex } from '../core/ids.ts';
import { Types } from '../types/types.ts';
import { OperatorStateBackend } from './operator-state-backend.ts';
import { ListStateDescriptor, MapStateDescriptor } from './state-descriptors.ts';

const RULES = new MapStateDescriptor<string, number>('rules', Types.string, Types.number);

function snapshotAll(backends: readonly OperatorStateBackend[], checkpoint: number): Uint8Array[] {
  return backends.map((backend) => {
    const snapshot = backend.snapshot(CheckpointId(checkpoint));
    const bytes = snapshot.write();
    snapshot.release();
    return bytes;
  });
}

function restoreAll(blobs: readonly Uint8Array[], parallelism: number): OperatorStateBackend[] {
  return Array.from({ length: parallelism }, (_, index) => {
    const backend = new OperatorStateBackend({ operatorDescription: `operator 'rules' (uid rules) subtask ${index + 1}/${parallelism}` });
    backend.restore(blobs, { subtaskIndex: SubtaskIndex(index), parallelism });
    return backend;
  });
}

const entries = (backend: OperatorStateBackend): [string, number][] => [...backend.getBroadcastState(RULES).entries()].sort(([a], [b]) => a.localeCompare(b));

describe('broadcast state', () => {
  test('on restore at 2 -> 3 -> 1 every subtask gets a whole copy (new subtask i takes old subtask i mod p)', () => {
    const two = [new OperatorStateBackend(), new OperatorStateBackend()];
    for (const [index, backend] of two.entries()) {
      const state = backend.getBroadcastState(RULES);
      state.putAll([['a', 1], ['b', 2]]);
      // a marker that tells the copies apart, to see whose copy each new subtask got
      state.put('from', index);
    }
    const three = restoreAll(snapshotAll(two, 1), 3);
    assert.deepEqual(three.map(entries), [0, 1, 0].map((from) => [['a', 1], ['b', 2], ['from', from]]));
    for (const backend of three) backend.getBroadcastState(RULES).remove('b');
    const [one] = restoreAll(snapshotAll(three, 2), 1);
    assert.deepEqual(entries(one as OperatorStateBackend), [['a', 1], ['from', 0]]);
  });

  test('a snapshot keeps its moment while the map keeps changing', () => {
    const backend = new OperatorStateBackend();
    const state = backend.getBroadcastState(RULES);
    state.put('a', 1);
    const snapshot = backend.snapshot(CheckpointId(1));
    state.put('a', 2);
    state.put('b', 3);
    state.clear();
    const [restored] = restoreAll([snapshot.write()], 1);
    snapshot.release();
    assert.deepEqual(entries(restored as OperatorStateBackend), [['a', 1]]);
  });

  test('restored broadcast state nobody requested is kept for the next checkpoint', () => {
    const before = new OperatorStateBackend();
    before.getBroadcastState(RULES).put('a', 1);
    const [middle] = restoreAll(snapshotAll([before], 1), 1);
    const [after] = restoreAll(snapshotAll([middle as OperatorStateBackend], 2), 1);
    assert.deepEqual(entries(after as OperatorStateBackend), [['a', 1]]);
  });

  test('a name is broadcast state or list state, not both; a changed type or mode fails on restore naming the state', () => {
    const backend = new OperatorStateBackend({ operatorDescription: "operator 'rules' (uid rules)" });
    backend.getBroadcastState(RULES);
    assert.throws(
      () => backend.getListState(new ListStateDescriptor('rules', Types.string)),
      (error: unknown) => error instanceof WeirError && error.code === 'STATE_ACCESS' && error.message.includes('broadcast state'),
    );
    backend.getBroadcastState(RULES).put('a', 1);
    const blobs = snapshotAll([backend], 1);
    const [changed] = restoreAll(blobs, 1);
    assert.throws(
      () => changed?.getBroadcastState(new MapStateDescriptor<string, string>('rules', Types.string, Types.string)),
      (error: unknown) => error instanceof WeirError && error.code === 'RESTORE_FAILED' && error.message.includes("operator state 'rules'"),
    );
    const [asList] = restoreAll(blobs, 1);
    assert.throws(
      () => asList?.getUnionListState(new ListStateDescriptor('rules')),
      (error: unknown) => error instanceof WeirError && error.code === 'RESTORE_FAILED' && error.message.includes('broadcast state') && (error.hint ?? '').includes('getBroadcastState'),
    );
  });
});
