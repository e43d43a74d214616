/**
 * @module Automatic recovery: a task fails, the restart strategy restarts the job from its latest
 * completed checkpoint, and the final counts equal a count of the whole input (exactly once).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileCheckpointStorage, MiniCluster, NodeCheckpointFileSystem, WeirError, jobModuleUrl, type FileBytes, type JobExecutionResult, type WriteFileOptions } from 'weir';
import { TEST_PARALLELISMS, runJob } from 'weir/testing';
import { reading } from './jobs/failover-job.ts';
import { reading as largeStateReading } from './jobs/large-state-job.ts';

const JOB = new URL('./jobs/failover-job.ts', import.meta.url);
const LARGE_STATE_JOB = new URL('./jobs/large-state-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-failover-'));
after(() => rmSync(root, { recursive: true, force: true }));

const count = 45_000;
const expected = new Map<string, number>();
for (let i = 0; i < count; i++) expected.set(reading(i).key, (expected.get(reading(i).key) ?? 0) + 1);

for (const parallelism of TEST_PARALLELISMS) {
  test(`a failed task restarts the job from its latest checkpoint and every record counts once at parallelism ${parallelism}`, async () => {
    const result = await runJob(JOB, {
      parallelism,
      args: { checkpoints: join(root, `p${parallelism}`), count, rate: 30_000, 'fail-at': 30_000 },
      configuration: { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': '10 ms' },
    });
    const counts = new Map(result.getCollected<{ key: string; n: number }>('counts').map((r) => [r.key, r.n]));
    assert.deepEqual(counts, expected);
    const reread = result.recordsIn('readings');
    assert.ok(reread < count, `the restarted attempt read ${reread} of ${count}: it did not start from a checkpoint`);
  });
}

// About 12 MB of keyed state: snapshots in several pieces, whose buffers are reused from one completed checkpoint to the next.
const large = { keys: 8000, pad: 1500, count: 40_000, rate: 20_000, failAt: 28_000 };
const largeExpected = new Map<string, number>();
for (let i = 0; i < large.count; i++) {
  const { key } = largeStateReading(i, large.keys);
  largeExpected.set(key, (largeExpected.get(key) ?? 0) + 1);
}

for (const parallelism of [1, 2]) {
  test(`large keyed state, checkpointed in several pieces again and again, restores intact and counts once at parallelism ${parallelism}`, async () => {
    const result = await runJob(LARGE_STATE_JOB, {
      parallelism,
      args: { checkpoints: join(root, `large-p${parallelism}`), keys: large.keys, pad: large.pad, count: large.count, rate: large.rate, 'fail-at': large.failAt },
      configuration: { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 1, 'restart-strategy.fixed-delay.delay': '10 ms' },
    });
    assertLargeStateCounted(result);
  });
}

/**
 * Writes keyed state files late, after their task has gone on to the next checkpoint, and notes the
 * files whose bytes changed while they waited to be written.
 */
class LateStateFileSystem extends NodeCheckpointFileSystem {
  readonly written: string[] = [];
  readonly changed: string[] = [];
  override async writeFileDurably(path: string, bytes: FileBytes, options: WriteFileOptions): Promise<void> {
    if (path.includes('-keyed')) {
      const before = digest(bytes);
      await new Promise((resolve) => setTimeout(resolve, 150));
      if (digest(bytes) !== before) this.changed.push(path);
      this.written.push(path);
    }
    await super.writeFileDurably(path, bytes, options);
  }
}

function digest(bytes: FileBytes): string {
  const hash = createHash('sha256');
  for (const piece of bytes instanceof Uint8Array ? [bytes] : bytes) hash.update(piece);
  return hash.digest('hex');
}

test('a snapshot piece is not written again while a slow write of its checkpoint still reads it (two checkpoints at once)', async () => {
  const fileSystem = new LateStateFileSystem();
  const storage = new FileCheckpointStorage({ directory: join(root, 'late-storage'), fileSystem });
  const client = await new MiniCluster({ checkpointStorage: () => storage }).submit({
    module: jobModuleUrl(LARGE_STATE_JOB),
    parallelism: 1,
    args: { checkpoints: join(root, 'unused'), keys: String(large.keys), pad: String(large.pad), count: String(large.count), rate: String(large.rate), 'fail-at': String(large.failAt), concurrent: '2' },
    configuration: { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 1, 'restart-strategy.fixed-delay.delay': '10 ms' },
  });
  assertLargeStateCounted(await client.getJobExecutionResult());
  assert.ok(fileSystem.written.length >= 4, `${fileSystem.written.length} keyed state files written`);
  assert.deepEqual(fileSystem.changed, [], 'state bytes changed before they were written');
});

function assertLargeStateCounted(result: JobExecutionResult): void {
  const counts = new Map(result.getCollected<{ key: string; n: number }>('counts').map((r) => [r.key, r.n]));
  assert.deepEqual(counts, largeExpected);
  const reread = result.recordsIn('readings');
  assert.ok(reread < large.count, `the restarted attempt read ${reread} of ${large.count}: it did not start from a checkpoint`);
}

test('without a restart strategy allowing it, the failure fails the job with its cause', async () => {
  await assert.rejects(
    runJob(JOB, {
      parallelism: 2,
      args: { checkpoints: join(root, 'none'), count: 5000, rate: 50_000, 'fail-at': 100 },
      configuration: { 'restart-strategy.type': 'none' },
    }),
    (error: unknown) => error instanceof WeirError && error.code === 'USER_FUNCTION_FAILED' && error.message.includes('injected failure at record 100'),
  );
});
