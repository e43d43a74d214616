/**
 * @module Incremental checkpoints (`execution.checkpointing.incremental`): keyed state is written as a
 * full snapshot and then the changes since, each checkpoint directory links the files it builds on,
 * and restores (after a failure, from a retained checkpoint, at another parallelism) count exactly once.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileCheckpointStorage, MiniCluster, jobModuleUrl } from 'weir';
import { TEST_PARALLELISMS, runJob } from 'weir/testing';
import { tick } from './jobs/checkpointed-count-job.ts';
import { tick as windowTick, type Firings } from './jobs/window-recovery-job.ts';
import { referenceWindows } from './support/window-reference.ts';

const COUNT_JOB = new URL('./jobs/checkpointed-count-job.ts', import.meta.url);
const WINDOW_JOB = new URL('./jobs/window-recovery-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-incremental-'));
after(() => rmSync(root, { recursive: true, force: true }));

const INCREMENTAL = { 'execution.checkpointing.incremental': true };

/** Completed checkpoint directories (with `_metadata`) under a checkpoint root, oldest first. */
function completed(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((job) =>
      readdirSync(join(dir, job))
        .filter((d) => d.startsWith('chk-') && existsSync(join(dir, job, d, '_metadata')))
        .map((d) => join(dir, job, d)),
    )
    .sort((a, b) => checkpointIdOf(a) - checkpointIdOf(b));
}

function checkpointIdOf(directory: string): number {
  return Number(/chk-(\d+)$/.exec(directory)?.[1] ?? 0);
}

function expectedCounts(count: number): Map<string, number> {
  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) expected.set(tick(i).key, (expected.get(tick(i).key) ?? 0) + 1);
  return expected;
}

test('retained incremental checkpoints hold the changes and every file they build on, and restore at parallelism 2, 3 and 1', async () => {
  const checkpoints = join(root, 'count');
  const count = 90_000;
  const args = { checkpoints, count: String(count), rate: '20000' };
  const client = await new MiniCluster().submit({ module: jobModuleUrl(COUNT_JOB), parallelism: 2, args, configuration: INCREMENTAL });
  const deadline = Date.now() + 30_000;
  const newest = (): number => Math.max(0, ...completed(checkpoints).map(checkpointIdOf));
  while (newest() < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  // A savepoint in the middle of the chain is full and self-contained, and the chain goes on after it.
  const savepoint = await client.triggerSavepoint({ targetDirectory: join(root, 'savepoints') });
  const savepointRef = await new FileCheckpointStorage({ directory: join(root, 'savepoints') }).loadCheckpoint(savepoint);
  const savepointKeyed = savepointRef.metadata.operators.flatMap((o) => o.subtasks.flatMap((s) => (s.keyedState === undefined ? [] : [s.keyedState])));
  assert.ok(savepointKeyed.length > 0 && savepointKeyed.every((h) => h.base === undefined && /-keyed$/.test(h.path)), 'the savepoint holds whole keyed state');
  while (newest() < 7 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await client.cancel();

  const retained = completed(checkpoints);
  assert.ok(retained.length >= 1, 'a checkpoint was retained');
  const storage = new FileCheckpointStorage({ directory: checkpoints });
  let chained = 0;
  for (const directory of retained) {
    // Loading verifies every file the metadata names, the linked base files included.
    const ref = await storage.loadCheckpoint(directory);
    for (const operator of ref.metadata.operators) {
      for (const subtask of operator.subtasks) {
        const keyed = subtask.keyedState;
        if (keyed === undefined) continue;
        assert.match(keyed.path, /-keyed-\d+$/);
        for (const base of keyed.base ?? []) assert.ok(existsSync(join(directory, base.path)), `${base.path} is in ${directory}`);
        if ((keyed.base?.length ?? 0) > 0) chained++;
      }
    }
  }
  assert.ok(chained > 0, 'some retained checkpoint holds changes on top of earlier files');

  const expected = expectedCounts(count);
  // The newest retained checkpoint: each restore starts from it (the restored runs checkpoint under new job ids).
  const latest = retained.at(-1) as string;
  for (const parallelism of [2, 3, 1]) {
    const result = await runJob(COUNT_JOB, { parallelism, args, configuration: INCREMENTAL, fromCheckpoint: latest });
    assert.deepEqual(new Map(result.getCollected<{ key: string; n: number }>('counts').map((t) => [t.key, t.n])), expected, `restored at parallelism ${parallelism}`);
    assert.ok(result.recordsIn('ticks') < count, 'the restore started from the checkpoint, not from the beginning');
  }
});

const windowCount = 30_000;
const expectedWindows = referenceWindows(Array.from({ length: windowCount }, (_, i) => windowTick(i)));

for (const parallelism of TEST_PARALLELISMS) {
  test(`with incremental checkpoints, windows (state per window and timers) fire exactly once across a failure at parallelism ${parallelism}`, async () => {
    const result = await runJob(WINDOW_JOB, {
      parallelism,
      args: { checkpoints: join(root, `windows-p${parallelism}`), count: windowCount, rate: 15_000, 'fail-at': 18_000 },
      configuration: { ...INCREMENTAL, 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': '10 ms' },
    });
    const firings = result.getCollected<Firings>('firings');
    assert.deepEqual(firings.filter((f) => f.fires !== 1), [], 'no window fired twice or was lost');
    assert.deepEqual(new Map(firings.map((f) => [f.id, { end: f.end, sum: f.sum, count: f.count }])), expectedWindows);
    const reread = result.recordsIn('ticks');
    assert.ok(reread > 0 && reread < windowCount, `the restarted attempt read ${reread} of ${windowCount} records: it started from a checkpoint`);
  });
}
