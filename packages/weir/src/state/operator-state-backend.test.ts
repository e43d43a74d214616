/**
 * @module Tests of the operator state backend: split and union list state across restores at other
 * parallelisms, snapshots that keep their moment, type changes, and damaged bytes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { CheckpointId, SubtaskIndex } from '../core/ids.ts';
import { Types } from '../types/types.ts';
import { OperatorStateBackend } from './operator-state-backend.ts';
import { ListStateDescriptor } from './state-descriptors.ts';

const OPERATOR = "operator 'source' (uid src)";
const splits = new ListStateDescriptor('splits', Types.object({ partition: Types.int, offset: Types.number }));
const watermarks = new ListStateDescriptor('watermarks', Types.number);

type Split = { partition: number; offset: number };

/** Restores `parallelism` subtasks from `blobs`, each with its own share. */
function restoreAll(blobs: readonly Uint8Array[], parallelism: number): OperatorStateBackend[] {
  return Array.from({ length: parallelism }, (_, index) => {
    const backend = new OperatorStateBackend({ operatorDescription: `${OPERATOR} subtask ${index + 1}/${parallelism}` });
    backend.restore(blobs, { subtaskIndex: SubtaskIndex(index), parallelism });
    return backend;
  });
}

function snapshotAll(backends: readonly OperatorStateBackend[], checkpoint: number): Uint8Array[] {
  return backends.map((backend) => {
    const snapshot = backend.snapshot(CheckpointId(checkpoint));
    const bytes = snapshot.write();
    snapshot.release();
    return bytes;
  });
}

const byPartition = (a: Split, b: Split): number => a.partition - b.partition;

function expectError(fn: () => unknown, code: string, ...fragments: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof WeirError, String(error));
    assert.equal(error.code, code, error.message);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `'${error.message}' should mention '${fragment}'`);
    return true;
  });
}

describe('redistribution on restore', () => {
  test('split list state rescaled 2 -> 3 -> 1 keeps every element exactly once, in near-equal shares', () => {
    // two subtasks with uneven shares: 7 and 4 splits
    const reference: Split[] = Array.from({ length: 11 }, (_, partition) => ({ partition, offset: partition * 100 }));
    const two = [new OperatorStateBackend(), new OperatorStateBackend()];
    reference.forEach((split) => two[split.partition < 7 ? 0 : 1]?.getListState(splits).add(split));

    const three = restoreAll(snapshotAll(two, 1), 3);
    const shares = three.map((backend) => [...backend.getListState(splits).get()]);
    assert.deepEqual(shares.flat().sort(byPartition), reference);
    const sizes = shares.map((share) => share.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `shares ${sizes.join(', ')}`);

    // every subtask advances its own splits, as a source does between checkpoints
    for (const backend of three) backend.getListState(splits).update([...backend.getListState(splits).get()].map((split) => ({ ...split, offset: split.offset + 1 })));
    const [one] = restoreAll(snapshotAll(three, 2), 1);
    assert.deepEqual([...(one as OperatorStateBackend).getListState(splits).get()].sort(byPartition), reference.map((split) => ({ ...split, offset: split.offset + 1 })));
  });

  test('at unchanged parallelism every subtask gets back exactly what it stored', () => {
    const stored = [[1, 2, 3, 4, 5], [6]];
    const before = stored.map((values) => {
      const backend = new OperatorStateBackend();
      backend.getListState(watermarks).addAll(values);
      return backend;
    });
    const after = restoreAll(snapshotAll(before, 1), 2);
    assert.deepEqual(
      after.map((backend) => [...backend.getListState(watermarks).get()]),
      stored,
    );
  });

  test('union list state rescaled 2 -> 3 -> 1 gives every subtask every element', () => {
    const two = [new OperatorStateBackend(), new OperatorStateBackend()];
    two[0]?.getUnionListState(watermarks).addAll([10, 11]);
    two[1]?.getUnionListState(watermarks).add(20);
    const union = [10, 11, 20];
    const three = restoreAll(snapshotAll(two, 1), 3);
    for (const backend of three) assert.deepEqual([...backend.getUnionListState(watermarks).get()].sort(), union);

    // as union users do, each subtask keeps only its own part before the next checkpoint
    three.forEach((backend, index) => backend.getUnionListState(watermarks).update(union.filter((_, i) => i % 3 === index)));
    const [one] = restoreAll(snapshotAll(three, 2), 1);
    assert.deepEqual([...(one as OperatorStateBackend).getUnionListState(watermarks).get()].sort(), union);
  });

  test('restored state nobody requested is kept for the next checkpoint', () => {
    const before = new OperatorStateBackend();
    before.getListState(watermarks).addAll([1, 2]);
    const [middle] = restoreAll(snapshotAll([before], 1), 1);
    const [after] = restoreAll(snapshotAll([middle as OperatorStateBackend], 2), 1);
    assert.deepEqual([...(after as OperatorStateBackend).getListState(watermarks).get()], [1, 2]);
  });
});

describe('snapshots', () => {
  test('a snapshot keeps its moment while the lists keep changing', () => {
    const backend = new OperatorStateBackend();
    const state = backend.getListState(watermarks);
    state.addAll([1, 2, 3]);
    const snapshot = backend.snapshot(CheckpointId(1));
    const expected = [...state.get()];
    state.add(4);
    state.update([9]);
    state.clear();
    const [restored] = restoreAll([snapshot.write()], 1);
    assert.deepEqual([...(restored as OperatorStateBackend).getListState(watermarks).get()], expected);
    snapshot.release();
    expectError(() => snapshot.write(), 'INTERNAL', 'after release');
  });

  test('a compatible element change migrates, an incompatible one or a changed mode fails naming the state and operator', () => {
    const before = new OperatorStateBackend();
    before.getListState(splits).add({ partition: 1, offset: 5 });
    const blobs = snapshotAll([before], 1);

    const [migrated] = restoreAll(blobs, 1);
    const Evolved = new ListStateDescriptor('splits', Types.object({ partition: Types.number, topic: Types.optional(Types.string) }));
    assert.deepEqual([...(migrated as OperatorStateBackend).getListState(Evolved).get()], [{ partition: 1, topic: undefined }]);

    const [incompatible] = restoreAll(blobs, 1);
    const Changed = new ListStateDescriptor('splits', Types.object({ partition: Types.string, offset: Types.number }));
    expectError(() => incompatible?.getListState(Changed), 'RESTORE_FAILED', "operator state 'splits'", OPERATOR, "field 'partition' changed from int to string");

    const [union] = restoreAll(blobs, 1);
    expectError(() => union?.getUnionListState(splits), 'RESTORE_FAILED', "operator state 'splits'", 'split list state', 'union list state');
  });

  test('truncated or foreign bytes fail with CHECKPOINT_CORRUPT naming the operator', () => {
    const before = new OperatorStateBackend();
    before.getListState(splits).addAll([{ partition: 1, offset: 5 }, { partition: 2, offset: 6 }]);
    const [bytes] = snapshotAll([before], 1) as [Uint8Array];
    for (const damaged of [bytes.subarray(0, bytes.length - 3), bytes.subarray(0, 6), new TextEncoder().encode('nope'), Uint8Array.of(...bytes, 0)]) {
      expectError(() => restoreAll([damaged], 1), 'CHECKPOINT_CORRUPT', OPERATOR, 'operator state snapshot 1 of 1');
    }
  });
});
