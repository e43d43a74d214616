/**
 * @module FileCheckpointStorage against the storage contract, plus what only a file system shows: the
 * layout on disk, crashes and full disks during a commit, tampered `_metadata`, moved directories.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { newJobId } from '../core/ids.ts';
import { errnoCode } from './checkpoint-file-system.ts';
import { assertWeirError, corruptBytes, runCheckpointStorageContract } from './checkpoint-storage-contract.ts';
import { FaultInjectingFileSystem } from './fault-injecting-file-system.ts';
import { FileCheckpointStorage } from './file-checkpoint-storage.ts';
import { NodeCheckpointFileSystem } from './node-checkpoint-file-system.ts';
import type { CheckpointMetadata, StateHandle } from './checkpoint-metadata.ts';
import type { CheckpointLocation, CheckpointStorage, CompletedCheckpointRef } from './checkpoint-storage.ts';

runCheckpointStorageContract('FileCheckpointStorage', {
  create: async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'weir-checkpoints-'));
    return {
      storage: new FileCheckpointStorage({ directory: path.join(root, 'checkpoints') }),
      corrupt: async (directory, file, how) => {
        const target = path.join(directory, file);
        await writeFile(target, corruptBytes(await readFile(target), how));
      },
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
});

interface Fixture {
  /** A temporary directory holding `checkpoints/` (the storage's directory) and whatever a test adds. */
  readonly root: string;
  readonly directory: string;
  /** Over the real file system; the storage writes through it. */
  readonly faults: FaultInjectingFileSystem;
  readonly storage: FileCheckpointStorage;
}

/** Runs `body` with a fresh fixture and removes its directory afterwards. */
function withFixture(body: (fixture: Fixture) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'weir-checkpoints-'));
    const directory = path.join(root, 'checkpoints');
    const faults = new FaultInjectingFileSystem(new NodeCheckpointFileSystem());
    try {
      await body({ root, directory, faults, storage: new FileCheckpointStorage({ directory, fileSystem: faults }) });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  };
}

function metadataFor(location: CheckpointLocation, handle: StateHandle, timestamp: number): CheckpointMetadata {
  return {
    version: 1,
    jobId: location.jobId,
    jobName: 'file test',
    checkpointId: location.checkpointId,
    type: 'checkpoint',
    timestamp,
    operators: [{ uid: 'counter', name: 'Count', parallelism: 1, maxParallelism: 128, subtasks: [{ subtask: 0, operatorState: handle }] }],
  };
}

async function completeCheckpoint(storage: CheckpointStorage, jobId: string, checkpointId: number): Promise<CompletedCheckpointRef> {
  const location = await storage.initializeLocation(jobId, checkpointId);
  const handle = await storage.writeState(location, 'counter-0', new TextEncoder().encode(`count at checkpoint ${checkpointId}`));
  return await storage.commitMetadata(location, metadataFor(location, handle, checkpointId * 1000));
}

async function exists(target: string): Promise<boolean> {
  return (await stat(target).catch(() => undefined)) !== undefined;
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

test('checkpoints lie on disk as <directory>/<jobId>/chk-<n>/ with the state files and _metadata, beside shared/ and taskowned/', withFixture(async (fixture) => {
  const jobId = newJobId();
  const location = await fixture.storage.initializeLocation(jobId, 1);
  const bytes = new TextEncoder().encode('app1=50000');
  const handle = await fixture.storage.writeState(location, 'counter-0', bytes);
  const metadata = metadataFor(location, handle, 1_000);
  await fixture.storage.commitMetadata(location, metadata);

  const jobDirectory = path.join(fixture.directory, jobId);
  assert.equal(location.directory, path.join(jobDirectory, 'chk-1'));
  assert.deepEqual((await readdir(fixture.directory)).sort(), [jobId]);
  assert.deepEqual((await readdir(jobDirectory)).sort(), ['chk-1', 'shared', 'taskowned']);
  assert.deepEqual((await readdir(location.directory)).sort(), ['_metadata', 'counter-0']);
  assert.deepEqual(new Uint8Array(await readFile(path.join(location.directory, 'counter-0'))), bytes);
  // The envelope: plain JSON whose checksum is the SHA-256 of the body exactly as serialised.
  const body = JSON.stringify(metadata);
  const metadataText = await readFile(path.join(location.directory, '_metadata'), 'utf8');
  assert.equal(metadataText, `{"format":"weir-checkpoint-metadata","version":1,"checksum":"${sha256(body)}","body":${body}}\n`);
  assert.deepEqual(JSON.parse(metadataText), { format: 'weir-checkpoint-metadata', version: 1, checksum: sha256(body), body: metadata });
}));

test('a commit writes _metadata.inprogress durably, renames it to _metadata, then syncs the directory', withFixture(async (fixture) => {
  const location = await fixture.storage.initializeLocation(newJobId(), 1);
  const handle = await fixture.storage.writeState(location, 'counter-0', new Uint8Array([1, 2, 3]));
  fixture.faults.calls.length = 0;
  await fixture.storage.commitMetadata(location, metadataFor(location, handle, 1_000));
  const writes = fixture.faults.calls.filter((call) => call.operation !== 'stat' && call.operation !== 'readFile');
  const inProgress = path.join(location.directory, '_metadata.inprogress');
  assert.deepEqual(writes, [
    { operation: 'writeFileDurably', path: inProgress },
    { operation: 'rename', path: inProgress },
    { operation: 'rename', path: path.join(location.directory, '_metadata') },
    { operation: 'fsyncDirectory', path: location.directory },
  ]);
}));

for (const [step, fault] of [
  ['halfway through writing _metadata.inprogress', { operation: 'writeFileDurably', path: /_metadata\.inprogress$/, fail: 'crash', afterBytes: 40 }],
  ['after _metadata.inprogress was written, before the rename', { operation: 'rename', fail: 'crash' }],
] as const) {
  test(`a _metadata.inprogress left by a crash ${step} is ignored and its checkpoint not listed`, withFixture(async (fixture) => {
    const jobId = newJobId();
    const previous = await completeCheckpoint(fixture.storage, jobId, 1);
    const location = await fixture.storage.initializeLocation(jobId, 2);
    const handle = await fixture.storage.writeState(location, 'counter-0', new Uint8Array([7]));
    fixture.faults.inject(fault);
    await assert.rejects(fixture.storage.commitMetadata(location, metadataFor(location, handle, 2_000)));
    assert.ok(fixture.faults.crashed);

    // After the "restart": a new storage over the real file system sees what the crash left.
    assert.ok(await exists(path.join(location.directory, '_metadata.inprogress')));
    assert.ok(!(await exists(path.join(location.directory, '_metadata'))));
    const restarted = new FileCheckpointStorage({ directory: fixture.directory });
    const invalid: [string, string][] = [];
    assert.deepEqual(await restarted.listCompleted(jobId, (directory, reason) => invalid.push([directory, reason])), [previous]);
    assert.deepEqual(invalid, [[location.directory, 'missing _metadata: the checkpoint was never completed (_metadata.inprogress was left by a commit that failed or crashed)']]);
    await assertWeirError(restarted.loadCheckpoint(location.directory), 'CHECKPOINT_CORRUPT', [location.directory, 'never completed']);
  }));
}

for (const code of ['ENOSPC', 'EIO']) {
  test(`${code} while writing a state file is STORAGE_FAILED naming the file, and leaves neither the partial file nor _metadata`, withFixture(async (fixture) => {
    const jobId = newJobId();
    const location = await fixture.storage.initializeLocation(jobId, 1);
    fixture.faults.inject({ operation: 'writeFileDurably', path: /counter-0$/, fail: code, afterBytes: 3, times: 1 });
    const file = path.join(location.directory, 'counter-0');
    const error = await assertWeirError(fixture.storage.writeState(location, 'counter-0', new Uint8Array(10)), 'STORAGE_FAILED', [file, code]);
    assert.equal(error.retriable, true);
    assert.equal(errnoCode(error.cause), code);
    assert.ok(!(await exists(file)), 'the partial state file was removed');
    assert.ok(!(await exists(path.join(location.directory, '_metadata'))));
    assert.deepEqual(await fixture.storage.listCompleted(jobId), []);
    // Retriable: the fault is spent, and the next checkpoint completes.
    const next = await completeCheckpoint(fixture.storage, jobId, 2);
    assert.deepEqual(await fixture.storage.listCompleted(jobId), [next]);
  }));

  for (const [step, fault] of [
    ['writing _metadata.inprogress', { operation: 'writeFileDurably', path: /_metadata\.inprogress$/, fail: code, afterBytes: 20 }],
    ['renaming it to _metadata', { operation: 'rename', fail: code }],
    ['syncing the checkpoint directory', { operation: 'fsyncDirectory', path: /chk-2$/, fail: code }],
  ] as const) {
    test(`${code} while ${step} is STORAGE_FAILED and leaves no _metadata, so the previous checkpoint stays the newest`, withFixture(async (fixture) => {
      const jobId = newJobId();
      const previous = await completeCheckpoint(fixture.storage, jobId, 1);
      const location = await fixture.storage.initializeLocation(jobId, 2);
      const handle = await fixture.storage.writeState(location, 'counter-0', new Uint8Array([7]));
      fixture.faults.inject(fault);
      const error = await assertWeirError(fixture.storage.commitMetadata(location, metadataFor(location, handle, 2_000)), 'STORAGE_FAILED', [code, location.directory]);
      assert.equal(error.retriable, true);
      assert.equal(errnoCode(error.cause), code);
      assert.deepEqual((await readdir(location.directory)).sort(), ['counter-0']);
      fixture.faults.clearFaults();
      assert.deepEqual(await fixture.storage.listCompleted(jobId), [previous]);
    }));
  }
}

test('an I/O error reading _metadata while listing is STORAGE_FAILED, not a silently older checkpoint', withFixture(async (fixture) => {
  const jobId = newJobId();
  await completeCheckpoint(fixture.storage, jobId, 1);
  const newest = await completeCheckpoint(fixture.storage, jobId, 2);
  fixture.faults.inject({ operation: 'readFile', path: path.join(newest.directory, '_metadata'), fail: 'EIO' });
  const invalid: string[] = [];
  const error = await assertWeirError(fixture.storage.listCompleted(jobId, (directory) => invalid.push(directory)), 'STORAGE_FAILED', ['EIO', path.join(newest.directory, '_metadata')]);
  assert.equal(error.retriable, true);
  assert.deepEqual(invalid, []);
}));

test('an I/O error reading a state file is STORAGE_FAILED naming the file', withFixture(async (fixture) => {
  const checkpoint = await completeCheckpoint(fixture.storage, newJobId(), 1);
  const handle = checkpoint.metadata.operators[0]?.subtasks[0]?.operatorState;
  assert.ok(handle !== undefined);
  const file = path.join(checkpoint.directory, handle.path);
  fixture.faults.inject({ operation: 'readFile', path: file, fail: 'EIO' });
  const error = await assertWeirError(fixture.storage.readState(checkpoint.directory, handle), 'STORAGE_FAILED', [file, 'EIO']);
  assert.equal(error.retriable, true);
}));

test('a tampered _metadata whose state paths leave the checkpoint directory is CHECKPOINT_CORRUPT, even with a valid checksum', withFixture(async (fixture) => {
  const jobId = newJobId();
  const previous = await completeCheckpoint(fixture.storage, jobId, 1);
  const tampered = await completeCheckpoint(fixture.storage, jobId, 2);
  // A file outside with exactly the recorded size and checksum: only the path rule can stop it.
  const secret = new TextEncoder().encode('root:x:0:0');
  await writeFile(path.join(fixture.root, 'outside.txt'), secret);
  for (const escape of ['../../../outside.txt', path.join(fixture.root, 'outside.txt'), '..\\..\\..\\outside.txt', 'sub/../../chk-1/counter-0']) {
    const handle: StateHandle = { path: escape, size: secret.length, checksum: sha256(secret) };
    const body = JSON.stringify({ ...tampered.metadata, operators: [{ uid: 'counter', name: 'Count', parallelism: 1, maxParallelism: 128, subtasks: [{ subtask: 0, operatorState: handle }] }] });
    await writeFile(path.join(tampered.directory, '_metadata'), `{"format":"weir-checkpoint-metadata","version":1,"checksum":"${sha256(body)}","body":${body}}\n`);

    await assertWeirError(fixture.storage.loadCheckpoint(tampered.directory), 'CHECKPOINT_CORRUPT', [tampered.directory, JSON.stringify(escape), 'is rejected']);
    const invalid: string[] = [];
    assert.deepEqual(await fixture.storage.listCompleted(jobId, (directory) => invalid.push(directory)), [previous]);
    assert.deepEqual(invalid, [tampered.directory]);
    await assertWeirError(fixture.storage.readState(tampered.directory, handle), 'CHECKPOINT_CORRUPT', [JSON.stringify(escape)]);
  }
}));

test('a checkpoint directory moved elsewhere still loads and its state still reads, through relative paths', withFixture(async (fixture) => {
  const original = await completeCheckpoint(fixture.storage, newJobId(), 3);
  const moved = path.join(fixture.root, 'savepoints', 'savepoint-3');
  await mkdir(path.dirname(moved), { recursive: true });
  await rename(original.directory, moved);

  const storage = new FileCheckpointStorage({ directory: path.join(fixture.root, 'elsewhere') });
  const loaded = await storage.loadCheckpoint(path.join(moved, '_metadata'));
  assert.deepEqual(loaded, { ...original, directory: moved });
  const handle = loaded.metadata.operators[0]?.subtasks[0]?.operatorState;
  assert.ok(handle !== undefined);
  assert.equal(new TextDecoder().decode(await storage.readState(moved, handle)), 'count at checkpoint 3');
}));

test('a _metadata copied into another chk directory is CHECKPOINT_CORRUPT', withFixture(async (fixture) => {
  const jobId = newJobId();
  const first = await completeCheckpoint(fixture.storage, jobId, 1);
  const second = await fixture.storage.initializeLocation(jobId, 2);
  await writeFile(path.join(second.directory, 'counter-0'), await readFile(path.join(first.directory, 'counter-0')));
  await writeFile(path.join(second.directory, '_metadata'), await readFile(path.join(first.directory, '_metadata')));
  await assertWeirError(fixture.storage.loadCheckpoint(second.directory), 'CHECKPOINT_CORRUPT', ['records checkpoint 1 but the directory is chk-2']);
}));

test('loading a path where nothing is names the path with INVALID_OPTION', withFixture(async (fixture) => {
  const missing = path.join(fixture.root, 'no-such-checkpoint');
  await assertWeirError(fixture.storage.loadCheckpoint(missing), 'INVALID_OPTION', [missing, 'does not exist']);
}));

test('a relative storage directory resolves against the working directory', () => {
  assert.equal(new FileCheckpointStorage({ directory: 'checkpoints' }).directory, path.resolve('checkpoints'));
});
