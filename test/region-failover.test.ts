/**
 * @module Region failover: a job of two independent pipelines (two pipelined regions) where one task
 * fails. With `region` (the default) only the failed pipeline restarts, from the latest checkpoint;
 * with `full` both do. Either way every record counts once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileCheckpointStorage, MiniCluster, NodeCheckpointFileSystem, jobModuleUrl, type WriteFileOptions } from 'weir';
import { TEST_PARALLELISMS, runJob } from 'weir/testing';
import { reading, type AttemptCount } from './jobs/region-failover-job.ts';

const JOB = new URL('./jobs/region-failover-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-region-failover-'));
after(() => rmSync(root, { recursive: true, force: true }));

const count = 30_000;
function expectedCounts(pipeline: 'a' | 'b'): Map<string, number> {
  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const { key } = reading(pipeline, i);
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  return expected;
}

const restart = { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': '10 ms' };

for (const parallelism of TEST_PARALLELISMS) {
  test(`region failover restarts only the failed pipeline and both count exactly at parallelism ${parallelism}`, async () => {
    const result = await runJob(JOB, {
      parallelism,
      args: { checkpoints: join(root, `region-p${parallelism}`), count, rate: 20_000, 'fail-at': 20_000 },
      configuration: { ...restart, 'jobmanager.execution.failover-strategy': 'region' },
    });
    const a = result.getCollected<AttemptCount>('a-counts');
    const b = result.getCollected<AttemptCount>('b-counts');
    assert.deepEqual(new Map(a.map((r) => [r.key, r.n])), expectedCounts('a'));
    assert.deepEqual(new Map(b.map((r) => [r.key, r.n])), expectedCounts('b'));
    assert.ok(a.some((r) => r.attempt === 1), 'pipeline a did not restart');
    assert.deepEqual(new Set(b.map((r) => r.attempt)), new Set([0]), 'pipeline b restarted although it did not fail');
    assert.ok(result.recordsIn('a-readings') < count, 'pipeline a started over instead of restoring its checkpoint');
  });
}

test('full failover restarts every pipeline, and both still count exactly', async () => {
  const result = await runJob(JOB, {
    parallelism: 2,
    args: { checkpoints: join(root, 'full'), count, rate: 20_000, 'fail-at': 20_000 },
    configuration: { ...restart, 'jobmanager.execution.failover-strategy': 'full' },
  });
  const a = result.getCollected<AttemptCount>('a-counts');
  const b = result.getCollected<AttemptCount>('b-counts');
  assert.deepEqual(new Map(a.map((r) => [r.key, r.n])), expectedCounts('a'));
  assert.deepEqual(new Map(b.map((r) => [r.key, r.n])), expectedCounts('b'));
  assert.ok(b.some((r) => r.attempt === 1), 'pipeline b did not restart under full failover');
});

/**
 * Writes every checkpoint's `_metadata` slowly, so that a failure almost always finds one being
 * committed, and reads state files slowly, so that a restart reading the older one is still at it
 * when that commit would end.
 */
class SlowFileSystem extends NodeCheckpointFileSystem {
  override async writeFileDurably(path: string, bytes: Uint8Array, options: WriteFileOptions): Promise<void> {
    if (path.endsWith('_metadata.inprogress')) await new Promise((resolve) => setTimeout(resolve, 400));
    await super.writeFileDurably(path, bytes, options);
  }
  override async readFile(path: string): Promise<Uint8Array> {
    if (!path.endsWith('_metadata')) await new Promise((resolve) => setTimeout(resolve, 100));
    return super.readFile(path);
  }
}

test('a region restart waits for a checkpoint that is committing, and restores from it once the older one is gone', async () => {
  const storage = new FileCheckpointStorage({ directory: join(root, 'slow-storage'), fileSystem: new SlowFileSystem() });
  const client = await new MiniCluster({ checkpointStorage: () => storage }).submit({
    module: jobModuleUrl(JOB),
    parallelism: 2,
    args: { checkpoints: join(root, 'unused'), count: String(count), rate: '20000', 'fail-at': '20000' },
    configuration: { ...restart, 'jobmanager.execution.failover-strategy': 'region' },
  });
  const result = await client.getJobExecutionResult();
  const a = result.getCollected<AttemptCount>('a-counts');
  assert.deepEqual(new Map(a.map((r) => [r.key, r.n])), expectedCounts('a'));
  assert.deepEqual(new Map(result.getCollected<AttemptCount>('b-counts').map((r) => [r.key, r.n])), expectedCounts('b'));
  assert.ok(a.some((r) => r.attempt === 1), 'pipeline a did not restart');
});
