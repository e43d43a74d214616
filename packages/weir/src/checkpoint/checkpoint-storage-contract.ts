/**
 * @module The test suite every CheckpointStorage must pass, registered with node:test by
 * `runCheckpointStorageContract`; each implementation's test file runs it against a fresh storage.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { newJobId } from '../core/ids.ts';
import type { WeirErrorCode } from '../core/errors.ts';
import type { CheckpointMetadata, StateHandle } from './checkpoint-metadata.ts';
import type { CheckpointLocation, CheckpointStorage, CompletedCheckpointRef } from './checkpoint-storage.ts';

/** How a test damages a stored file. */
export type Corruption = 'truncate' | 'flip-bit';

/** One storage under test, with the means to damage its files behind its back. */
export interface CheckpointStorageUnderTest {
  readonly storage: CheckpointStorage;
  /** Damages `file` (a name relative to `directory`, such as `_metadata`) in place. */
  readonly corrupt: (directory: string, file: string, how: Corruption) => Promise<void>;
  /** Releases whatever `create` made (temporary directories). */
  readonly cleanup: () => Promise<void>;
}

export interface CheckpointStorageContractOptions {
  /** A fresh, empty storage per test. */
  readonly create: () => Promise<CheckpointStorageUnderTest>;
}

/**
 * The damage {@link CheckpointStorageUnderTest.corrupt} should do, so that every implementation is
 * damaged alike: `truncate` keeps the first half of the bytes, `flip-bit` flips one bit of the middle byte.
 */
export function corruptBytes(bytes: Uint8Array, how: Corruption): Uint8Array {
  const middle = Math.floor(bytes.length / 2);
  if (how === 'truncate') return bytes.slice(0, middle);
  const flipped = bytes.slice();
  flipped[middle] = (flipped[middle] ?? 0) ^ 0x10;
  return flipped;
}

/**
 * Registers, under `describe(name)`, the tests every CheckpointStorage must pass.
 *
 * @example
 * runCheckpointStorageContract('MemoryCheckpointStorage', {
 *   create: async () => {
 *     const storage = new MemoryCheckpointStorage();
 *     return { storage, corrupt: async (dir, file, how) => storage.tamper(`${dir}/${file}`, (b) => corruptBytes(b, how)), cleanup: async () => {} };
 *   },
 * });
 */
export function runCheckpointStorageContract(name: string, options: CheckpointStorageContractOptions): void {
  const withStorage = (body: (under: CheckpointStorageUnderTest) => Promise<void>) => async () => {
    const under = await options.create();
    try {
      await body(under);
    } finally {
      await under.cleanup();
    }
  };

  describe(name, () => {
    test('a state file reads back byte for byte, and its handle records its name, size and SHA-256', withStorage(async ({ storage }) => {
      const location = await storage.initializeLocation(newJobId(), 1);
      const bytes = new TextEncoder().encode('app1=50000\napp2=10000\n');
      const handle = await storage.writeState(location, 'counter-0-keyed', bytes);
      assert.deepEqual(handle, { path: 'counter-0-keyed', size: bytes.length, checksum: sha256(bytes) });
      assert.deepEqual(await storage.readState(location.directory, handle), bytes);
    }));

    test('an empty state file round-trips too', withStorage(async ({ storage }) => {
      const location = await storage.initializeLocation(newJobId(), 1);
      const handle = await storage.writeState(location, 'empty', new Uint8Array(0));
      assert.deepEqual(handle, { path: 'empty', size: 0, checksum: sha256(new Uint8Array(0)) });
      assert.deepEqual(await storage.readState(location.directory, handle), new Uint8Array(0));
    }));

    test('the buffer handed to writeState may be reused once the write resolved', withStorage(async ({ storage }) => {
      const location = await storage.initializeLocation(newJobId(), 1);
      const bytes = new Uint8Array([1, 2, 3, 4]);
      const handle = await storage.writeState(location, 'reused', bytes);
      bytes.fill(9);
      assert.deepEqual(await storage.readState(location.directory, handle), new Uint8Array([1, 2, 3, 4]));
    }));

    for (const how of ['truncate', 'flip-bit'] as const) {
      test(`reading a state file damaged by ${how} fails with CHECKPOINT_CORRUPT naming the file`, withStorage(async ({ storage, corrupt }) => {
        const location = await storage.initializeLocation(newJobId(), 1);
        const handle = await storage.writeState(location, 'counter-1-keyed', stateBytes(location));
        await corrupt(location.directory, 'counter-1-keyed', how);
        await assertWeirError(storage.readState(location.directory, handle), 'CHECKPOINT_CORRUPT', [location.directory, 'counter-1-keyed', how === 'truncate' ? 'truncated' : 'checksum mismatch']);
      }));
    }

    test('a handle that records another size or checksum than the file fails to read with CHECKPOINT_CORRUPT', withStorage(async ({ storage }) => {
      const location = await storage.initializeLocation(newJobId(), 1);
      const handle = await storage.writeState(location, 'state', stateBytes(location));
      await assertWeirError(storage.readState(location.directory, { ...handle, size: handle.size + 1 }), 'CHECKPOINT_CORRUPT', ['state', 'truncated']);
      await assertWeirError(storage.readState(location.directory, { ...handle, checksum: sha256(new Uint8Array([0])) }), 'CHECKPOINT_CORRUPT', ['state', 'checksum mismatch']);
      await assertWeirError(storage.readState(location.directory, { ...handle, path: 'absent' }), 'CHECKPOINT_CORRUPT', ['absent', 'missing']);
    }));

    test('a linked state file belongs to the new checkpoint: it reads back there and outlives the discard of the old one', withStorage(async ({ storage }) => {
      const jobId = newJobId();
      const first = await storage.initializeLocation(jobId, 1);
      const bytes = stateBytes(first);
      const handle = await storage.writeState(first, 'counter-0-keyed-1', bytes);
      const second = await storage.initializeLocation(jobId, 2);
      const linked = await storage.linkState(second, first.directory, handle);
      assert.deepEqual(linked, handle);
      await storage.discard(first.directory);
      assert.deepEqual(await storage.readState(second.directory, linked), bytes);
      await assertWeirError(storage.linkState(second, first.directory, handle), 'STORAGE_FAILED', ['counter-0-keyed-1']);
    }));

    test('committed metadata loads back equal from the checkpoint directory and from its _metadata path', withStorage(async ({ storage }) => {
      const jobId = newJobId();
      const location = await storage.initializeLocation(jobId, 3);
      const keyed = await storage.writeState(location, 'counter-0-keyed', stateBytes(location));
      const offsets = await storage.writeState(location, 'source-0-operator', new TextEncoder().encode('{"partition":0,"offset":1000}'));
      const metadata: CheckpointMetadata = {
        version: 1,
        jobId,
        jobName: 'page views',
        checkpointId: 3,
        type: 'checkpoint',
        timestamp: 1_700_000_000_000,
        operators: [
          { uid: 'source', name: 'Source: clicks', parallelism: 1, maxParallelism: 128, subtasks: [{ subtask: 0, operatorState: offsets }] },
          { uid: 'counter', name: 'Count', parallelism: 1, maxParallelism: 128, subtasks: [{ subtask: 0, keyedState: { ...keyed, keyGroupStart: 0, keyGroupEnd: 127 } }] },
        ],
      };
      const committed = await storage.commitMetadata(location, metadata);
      const expected: CompletedCheckpointRef = { checkpointId: 3, directory: location.directory, metadata };
      assert.deepEqual(committed, expected);
      assert.deepEqual(await storage.loadCheckpoint(location.directory), expected);
      assert.deepEqual(await storage.loadCheckpoint(`${location.directory}/_metadata`), expected);
      assert.deepEqual(await storage.listCompleted(jobId), [expected]);
    }));

    test('a checkpoint without _metadata is not listed, is reported invalid, and fails to load as never completed', withStorage(async ({ storage }) => {
      const jobId = newJobId();
      const completed = await completeCheckpoint(storage, jobId, 1, 1_000);
      const pending = await storage.initializeLocation(jobId, 2);
      await storage.writeState(pending, 'counter-0-keyed', stateBytes(pending));
      const invalid: [string, string][] = [];
      assert.deepEqual(await storage.listCompleted(jobId, (directory, reason) => invalid.push([directory, reason])), [completed]);
      assert.deepEqual(invalid, [[pending.directory, 'missing _metadata: the checkpoint was never completed']]);
      await assertWeirError(storage.loadCheckpoint(pending.directory), 'CHECKPOINT_CORRUPT', [pending.directory, 'missing _metadata: the checkpoint was never completed']);
    }));

    for (const how of ['truncate', 'flip-bit'] as const) {
      test(`a _metadata damaged by ${how} is skipped with a reason and the previous checkpoint is returned`, withStorage(async ({ storage, corrupt }) => {
        const jobId = newJobId();
        const previous = await completeCheckpoint(storage, jobId, 1, 1_000);
        const damaged = await completeCheckpoint(storage, jobId, 2, 2_000);
        await corrupt(damaged.directory, '_metadata', how);
        const invalid: [string, string][] = [];
        assert.deepEqual(await storage.listCompleted(jobId, (directory, reason) => invalid.push([directory, reason])), [previous]);
        assert.equal(invalid.length, 1);
        assert.equal(invalid[0]?.[0], damaged.directory);
        assert.match(invalid[0]?.[1] ?? '', how === 'truncate' ? /^_metadata .*truncated/ : /^_metadata checksum mismatch \(file corrupted\)$/);
        await assertWeirError(storage.loadCheckpoint(damaged.directory), 'CHECKPOINT_CORRUPT', [damaged.directory, '_metadata']);
      }));
    }

    test('metadata recording a state file that was never written is not committed', withStorage(async ({ storage }) => {
      const jobId = newJobId();
      const previous = await completeCheckpoint(storage, jobId, 1, 1_000);
      const location = await storage.initializeLocation(jobId, 2);
      const handle = await storage.writeState(location, 'counter-0-keyed', stateBytes(location));
      const metadata = metadataFor(location, [handle, { path: 'never-written', size: 1, checksum: sha256(new Uint8Array([1])) }], 2_000);
      await assertWeirError(storage.commitMetadata(location, metadata), 'CHECKPOINT_FAILED', ['never-written', 'missing']);
      const invalid: string[] = [];
      assert.deepEqual(await storage.listCompleted(jobId, (_directory, reason) => invalid.push(reason)), [previous]);
      assert.deepEqual(invalid, ['missing _metadata: the checkpoint was never completed']);
    }));

    test('a discarded checkpoint is neither listed nor loadable, and the others stay', withStorage(async ({ storage }) => {
      const jobId = newJobId();
      const kept = await completeCheckpoint(storage, jobId, 1, 1_000);
      const discarded = await completeCheckpoint(storage, jobId, 2, 2_000);
      await storage.discard(discarded.directory);
      const invalid: string[] = [];
      assert.deepEqual(await storage.listCompleted(jobId, (directory) => invalid.push(directory)), [kept]);
      assert.deepEqual(invalid, []);
      await assertWeirError(storage.loadCheckpoint(discarded.directory), 'INVALID_OPTION', [discarded.directory, 'does not exist']);
      assert.deepEqual(await storage.loadCheckpoint(kept.directory), kept);
    }));

    test('discarding a checkpoint twice, or one that never existed, succeeds', withStorage(async ({ storage }) => {
      const jobId = newJobId();
      const checkpoint = await completeCheckpoint(storage, jobId, 1, 1_000);
      await storage.discard(checkpoint.directory);
      await storage.discard(checkpoint.directory);
      await storage.discard(checkpoint.directory.replace(/chk-1$/, 'chk-99'));
      assert.deepEqual(await storage.listCompleted(jobId), []);
    }));

    test('discarding a directory outside the storage is refused with INVALID_OPTION', withStorage(async ({ storage }) => {
      const location = await storage.initializeLocation(newJobId(), 1);
      const outside = `${location.directory}/../../../../outside-the-storage`;
      await assertWeirError(storage.discard(outside), 'INVALID_OPTION', ['refusing to discard']);
    }));

    test('a state file cannot be written into a discarded checkpoint', withStorage(async ({ storage }) => {
      const location = await storage.initializeLocation(newJobId(), 1);
      await storage.discard(location.directory);
      await assertWeirError(storage.writeState(location, 'late', stateBytes(location)), 'STORAGE_FAILED', ['late']);
    }));

    test('completed checkpoints are listed newest first by trigger time, then by id, per job and across jobs', withStorage(async ({ storage }) => {
      const [jobA, jobB] = [newJobId(), newJobId()];
      // Trigger times out of id order and one tie, so neither id nor time order alone gives the answer.
      const plan: [string, number, number][] = [[jobA, 1, 5_000], [jobA, 2, 3_000], [jobA, 3, 3_000], [jobB, 1, 4_000], [jobB, 7, 6_000]];
      const refs: CompletedCheckpointRef[] = [];
      for (const [jobId, id, timestamp] of plan) refs.push(await completeCheckpoint(storage, jobId, id, timestamp));
      const expected = (jobId?: string) =>
        refs
          .filter((ref) => jobId === undefined || ref.metadata.jobId === jobId)
          .sort((a, b) => (a.metadata.timestamp !== b.metadata.timestamp ? b.metadata.timestamp - a.metadata.timestamp : b.checkpointId - a.checkpointId));
      assert.deepEqual(await storage.listCompleted(jobA), expected(jobA));
      assert.deepEqual(await storage.listCompleted(jobB), expected(jobB));
      assert.deepEqual(await storage.listCompleted(undefined), expected());
    }));

    test('a savepoint gets a new savepoint-<job>-<random> directory under the root, loads back and is never listed as a checkpoint', withStorage(async ({ storage }) => {
      const jobId = newJobId();
      const first = await storage.initializeSavepointLocation(jobId, 4);
      const second = await storage.initializeSavepointLocation(jobId, 5);
      for (const location of [first, second]) {
        const name = location.directory.split('/').pop() ?? '';
        assert.match(name, new RegExp(`^savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));
      }
      assert.notEqual(first.directory, second.directory);
      const handle = await storage.writeState(first, 'counter-0-keyed', stateBytes(first));
      const metadata = { ...metadataFor(first, [handle], 9_000), type: 'savepoint' as const };
      const committed = await storage.commitMetadata(first, metadata);
      assert.deepEqual(await storage.loadCheckpoint(first.directory), committed);
      assert.deepEqual(await storage.readState(first.directory, handle), stateBytes(first));
      assert.deepEqual(await storage.listCompleted(jobId), []);
      assert.deepEqual(await storage.listCompleted(undefined), []);
      await storage.discard(second.directory);
    }));

    test('listing a job without checkpoints returns nothing', withStorage(async ({ storage }) => {
      assert.deepEqual(await storage.listCompleted(newJobId()), []);
      assert.deepEqual(await storage.listCompleted(undefined), []);
    }));

    test('state file names with separators, dot segments, NUL or reserved names are rejected with INVALID_OPTION', withStorage(async ({ storage }) => {
      const location = await storage.initializeLocation(newJobId(), 1);
      for (const name of ['a/b', 'a\\b', '../escape', '..', '.', '', 'nul\0byte', '/etc/passwd', '_metadata', '_metadata.inprogress', 'x'.repeat(256)]) {
        await assertWeirError(storage.writeState(location, name, stateBytes(location)), 'INVALID_OPTION', ['invalid state file name']);
      }
      assert.deepEqual(await storage.listCompleted(location.jobId), []);
    }));

    test('a second state file with the same name in one checkpoint is rejected and the first is kept', withStorage(async ({ storage }) => {
      const location = await storage.initializeLocation(newJobId(), 1);
      const first = await storage.writeState(location, 'counter-0-keyed', new Uint8Array([1]));
      await assertWeirError(storage.writeState(location, 'counter-0-keyed', new Uint8Array([2])), 'INVALID_OPTION', ['counter-0-keyed', 'already exists']);
      assert.deepEqual(await storage.readState(location.directory, first), new Uint8Array([1]));
    }));

    test('a completed checkpoint can be neither committed nor initialized again', withStorage(async ({ storage }) => {
      const jobId = newJobId();
      const completed = await completeCheckpoint(storage, jobId, 1, 1_000);
      const location: CheckpointLocation = { jobId, checkpointId: 1, directory: completed.directory };
      await assertWeirError(storage.commitMetadata(location, { ...completed.metadata, timestamp: 9_000 }), 'CHECKPOINT_FAILED', ['already completed']);
      await assertWeirError(storage.initializeLocation(jobId, 1), 'CHECKPOINT_FAILED', ['already completed']);
      assert.deepEqual(await storage.loadCheckpoint(completed.directory), completed);
    }));

    test('initializing a checkpoint whose earlier attempt never completed starts it empty', withStorage(async ({ storage }) => {
      const jobId = newJobId();
      const attempt = await storage.initializeLocation(jobId, 4);
      await storage.writeState(attempt, 'counter-0-keyed', new Uint8Array([1]));
      const retry = await storage.initializeLocation(jobId, 4);
      const handle = await storage.writeState(retry, 'counter-0-keyed', new Uint8Array([2]));
      await storage.commitMetadata(retry, metadataFor(retry, [handle], 4_000));
      assert.deepEqual(await storage.readState(retry.directory, handle), new Uint8Array([2]));
    }));

    test('metadata of another job or checkpoint than its location is not committed', withStorage(async ({ storage }) => {
      const location = await storage.initializeLocation(newJobId(), 1);
      const handle = await storage.writeState(location, 'state', stateBytes(location));
      const metadata = metadataFor(location, [handle], 1_000);
      await assertWeirError(storage.commitMetadata(location, { ...metadata, checkpointId: 2 }), 'INTERNAL', ['checkpoint 2']);
      await assertWeirError(storage.commitMetadata(location, { ...metadata, jobId: newJobId() }), 'INTERNAL', ['of job']);
      await assertWeirError(storage.loadCheckpoint(location.directory), 'CHECKPOINT_CORRUPT', ['never completed']);
    }));

    test('invalid job and checkpoint ids are rejected with INVALID_OPTION', withStorage(async ({ storage }) => {
      for (const jobId of ['', '..', 'a/b']) await assertWeirError(storage.initializeLocation(jobId, 1), 'INVALID_OPTION', ['job id']);
      for (const id of [0, -1, 1.5, Number.NaN]) await assertWeirError(storage.initializeLocation(newJobId(), id), 'INVALID_OPTION', ['checkpoint id']);
      await assertWeirError(storage.listCompleted('../other'), 'INVALID_OPTION', ['job id']);
    }));
  });
}

/** Initializes, writes one state file and commits checkpoint `checkpointId` of `jobId`. */
async function completeCheckpoint(storage: CheckpointStorage, jobId: string, checkpointId: number, timestamp: number): Promise<CompletedCheckpointRef> {
  const location = await storage.initializeLocation(jobId, checkpointId);
  const handle = await storage.writeState(location, 'counter-0-keyed', stateBytes(location));
  return await storage.commitMetadata(location, metadataFor(location, [handle], timestamp));
}

/** Metadata of one operator whose subtask i wrote `handles[i]` as operator state. */
function metadataFor(location: CheckpointLocation, handles: readonly StateHandle[], timestamp: number): CheckpointMetadata {
  return {
    version: 1,
    jobId: location.jobId,
    jobName: 'contract',
    checkpointId: location.checkpointId,
    type: 'checkpoint',
    timestamp,
    operators: [
      {
        uid: 'counter',
        name: 'Count',
        parallelism: Math.max(1, handles.length),
        maxParallelism: 128,
        subtasks: handles.map((handle, subtask) => ({ subtask, operatorState: handle })),
      },
    ],
  };
}

/** Bytes that differ per checkpoint, long enough that halving them still leaves some. */
function stateBytes(location: CheckpointLocation): Uint8Array {
  return new TextEncoder().encode(`state of ${location.jobId} checkpoint ${location.checkpointId}: ${'x'.repeat(64)}`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Asserts `promise` rejects with a WeirError of `code` whose message contains every fragment. */
export async function assertWeirError(promise: Promise<unknown>, code: WeirErrorCode, fragments: readonly string[]): Promise<WeirError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof WeirError, `expected a WeirError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const fragment of fragments) assert.ok(caught.message.includes(fragment), `message ${JSON.stringify(caught.message)} should contain ${JSON.stringify(fragment)}`);
  return caught;
}
