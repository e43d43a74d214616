/**
 * @module Checkpoint storage failing under a running job (ENOSPC, EIO): the checkpoint is declined and
 * the job goes on (still exactly once), until more checkpoints fail in a row than
 * `tolerable-failed-checkpoints` allows, which fails the job.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileCheckpointStorage, MiniCluster, NodeCheckpointFileSystem, WeirError, jobModuleUrl } from 'weir';
import { FaultInjectingFileSystem } from 'weir/testing';
import { tick } from './jobs/checkpointed-count-job.ts';

const JOB = new URL('./jobs/checkpointed-count-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-storage-faults-'));
after(() => rmSync(root, { recursive: true, force: true }));

function faultyStorage(name: string): { fileSystem: FaultInjectingFileSystem; storage: () => FileCheckpointStorage } {
  const fileSystem = new FaultInjectingFileSystem(new NodeCheckpointFileSystem());
  const storage = new FileCheckpointStorage({ directory: join(root, name), fileSystem });
  return { fileSystem, storage: () => storage };
}

test('a disk that is full for two checkpoints declines them and the job goes on, counting exactly once', async () => {
  const { fileSystem, storage } = faultyStorage('enospc');
  fileSystem.inject({ operation: 'writeFileDurably', path: /chk-[23][/\\]/, fail: 'ENOSPC' });
  const count = 40_000;
  const client = await new MiniCluster({ checkpointStorage: storage }).submit({
    module: jobModuleUrl(JOB),
    parallelism: 2,
    args: { checkpoints: join(root, 'unused'), count: String(count), rate: '30000' },
    configuration: { 'execution.checkpointing.tolerable-failed-checkpoints': 5 },
  });
  const result = await client.getJobExecutionResult();
  const stats = client.getCheckpointStats();
  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) expected.set(tick(i).key, (expected.get(tick(i).key) ?? 0) + 1);
  assert.deepEqual(new Map(result.getCollected<{ key: string; n: number }>('counts').map((t) => [t.key, t.n])), expected);
  assert.ok(stats !== undefined && stats.counts.failed >= 2, `failed checkpoints: ${String(stats?.counts.failed)}`);
  assert.ok(stats.counts.completed >= 1, 'later checkpoints completed');
});

test('storage errors beyond the tolerable number of failed checkpoints fail the job with the reason', async () => {
  const { fileSystem, storage } = faultyStorage('eio');
  fileSystem.inject({ operation: 'writeFileDurably', fail: 'EIO' });
  const client = await new MiniCluster({ checkpointStorage: storage }).submit({
    module: jobModuleUrl(JOB),
    parallelism: 2,
    args: { checkpoints: join(root, 'unused'), count: '200000', rate: '30000' },
    configuration: { 'execution.checkpointing.tolerable-failed-checkpoints': 1, 'restart-strategy.type': 'none' },
  });
  await assert.rejects(client.getJobExecutionResult(), (error: unknown) => {
    assert.ok(error instanceof WeirError, String(error));
    assert.match(error.message, /tolerable failure threshold \(1\)/);
    return true;
  });
});
