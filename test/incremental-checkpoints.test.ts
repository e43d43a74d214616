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
import { FileCheckpointStorage, MiniCluster, NodeCheckpointFileSystem, jobModuleUrl, type FileBytes, type WriteFileOptions } from 'weir';
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

function expectedCounts(count: number, keys?: number): Map<string, number> {
  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) expected.set(tick(i, keys).key, (expected.get(tick(i, keys).key) ?? 0) + 1);
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

/** Fails the write of one checkpoint's keyed files: that checkpoint is declined and aborted. */
class FailingCheckpointFileSystem extends NodeCheckpointFileSystem {
  constructor(private readonly failing: number) {
    super();
  }

  override async writeFileDurably(path: string, bytes: FileBytes, options: WriteFileOptions): Promise<void> {
    if (new RegExp(`-keyed-${this.failing}$`).test(path)) throw new Error(`injected write failure of ${path}`);
    await super.writeFileDurably(path, bytes, options);
  }
}

test('an aborted checkpoint does not end the chain: its changes go into the next delta, and the chain restores exactly', async () => {
  const checkpoints = join(root, 'aborted');
  const count = 90_000;
  const failing = 3;
  // about as many keys as ticks: the state grows, so the chain stays on deltas unless something breaks it
  const keys = count;
  const args = { checkpoints, count: String(count), rate: '15000', keys: String(keys) };
  const storage = new FileCheckpointStorage({ directory: checkpoints, fileSystem: new FailingCheckpointFileSystem(failing) });
  const client = await new MiniCluster({ checkpointStorage: () => storage }).submit({
    module: jobModuleUrl(COUNT_JOB),
    parallelism: 2,
    args,
    // The pause lets the abort reach the tasks before the next barrier does: a snapshot built on the
    // aborted one would have to be full, which is what this test tells apart.
    configuration: { ...INCREMENTAL, 'execution.checkpointing.tolerable-failed-checkpoints': 5, 'execution.checkpointing.min-pause': '300 ms' },
  });
  const deadline = Date.now() + 30_000;
  const newest = (): number => Math.max(0, ...completed(checkpoints).map(checkpointIdOf));
  while (newest() < failing + 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await client.cancel();
  const stats = client.getCheckpointStats();
  assert.equal(stats?.counts.failed, 1, 'the injected failure aborted one checkpoint');

  const latest = completed(checkpoints).at(-1) as string;
  assert.ok(checkpointIdOf(latest) > failing, `the latest checkpoint ${latest} comes after the aborted one`);
  const ref = await new FileCheckpointStorage({ directory: checkpoints }).loadCheckpoint(latest);
  const keyed = ref.metadata.operators.flatMap((o) => o.subtasks.flatMap((s) => (s.keyedState === undefined ? [] : [s.keyedState])));
  assert.ok(keyed.length > 0);
  for (const handle of keyed) {
    const chain = (handle.base ?? []).map((base) => Number(/-keyed-(\d+)$/.exec(base.path)?.[1]));
    // the chain started before the aborted checkpoint and went on without it: no full snapshot after it
    assert.ok(chain.length > 0 && (chain[0] as number) < failing, `${handle.path} builds on ${chain.join(', ')}`);
    assert.ok(!chain.includes(failing), `${handle.path} builds on the aborted checkpoint ${failing}`);
  }

  // The restored run emits the keys it counts after the checkpoint, each with its whole count: a key
  // also counted while checkpoint 3 was aborted is off by its ticks then if its changes were lost.
  const expected = expectedCounts(count, keys);
  for (const parallelism of [2, 1]) {
    const result = await runJob(COUNT_JOB, { parallelism, args, configuration: INCREMENTAL, fromCheckpoint: latest });
    const counted = new Map(result.getCollected<{ key: string; n: number }>('counts').map((t) => [t.key, t.n]));
    const again = [...counted.keys()].filter((key) => (counted.get(key) as number) > 1);
    assert.ok(again.length > 1000, `only ${again.length} keys emitted with a count over 1`);
    for (const [key, n] of counted) assert.equal(n, expected.get(key), `${key} restored at parallelism ${parallelism}`);
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
