/**
 * @module Recovery from a retained checkpoint after the job was stopped mid-way: keyed state and
 * source positions come back, and the final counts equal a count of the whole input (exactly once).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MiniCluster, jobModuleUrl } from 'weir';
import { TEST_PARALLELISMS, runJob } from 'weir/testing';
import { tick } from './jobs/checkpointed-count-job.ts';
import { keyOf } from './jobs/timer-recovery-job.ts';

const JOB = new URL('./jobs/checkpointed-count-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-recovery-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Completed checkpoints (directories with _metadata) under a checkpoint root. */
/** The id of the newest completed checkpoint under a checkpoint root, 0 when there is none. */
function newestCompletedId(dir: string): number {
  return Math.max(0, ...completed(dir).map((path) => Number(/chk-(\d+)$/.exec(path)?.[1] ?? 0)));
}

function completed(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((job) =>
    readdirSync(join(dir, job))
      .filter((d) => d.startsWith('chk-') && existsSync(join(dir, job, d, '_metadata')))
      .map((d) => join(dir, job, d)),
  );
}

for (const parallelism of TEST_PARALLELISMS) {
  test(`a job stopped mid-way and restarted from its latest checkpoint counts every record exactly once at parallelism ${parallelism}`, async () => {
    const checkpoints = join(root, `p${parallelism}`);
    const count = 60_000;
    const args = { checkpoints, count: String(count), rate: '30000' };
    const client = await new MiniCluster().submit({ module: jobModuleUrl(JOB), parallelism, args, configuration: {} });
    const deadline = Date.now() + 20_000;
    while (completed(checkpoints).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const stats = client.getCheckpointStats();
    await client.cancel();
    assert.ok(completed(checkpoints).length >= 1, 'no checkpoint completed before the cancel');
    assert.ok(stats !== undefined && stats.counts.completed >= 1, 'the statistics count the completed checkpoints');
    const latest = stats.latest.completed;
    assert.ok(latest !== null && latest.numberOfAcknowledgedSubtasks === latest.numberOfSubtasks && latest.stateSize > 0);
    // Per subtask: every task of the job, with its own durations.
    assert.equal(latest.subtasks.length, latest.numberOfSubtasks);
    assert.equal(new Set(latest.subtasks.map((s) => s.task)).size, latest.numberOfSubtasks);
    assert.ok(latest.subtasks.every((s) => s.syncDurationMs >= 0 && s.asyncDurationMs >= 0 && s.unalignedCheckpoint === false));
    assert.equal(stats.history[0]?.checkpointId, Math.max(...stats.history.map((h) => h.checkpointId)));

    const result = await runJob(JOB, { parallelism, args, configuration: {}, fromCheckpoint: 'latest' });
    const expected = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const { key } = tick(i);
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const counts = new Map(result.getCollected<{ key: string; n: number }>('counts').map((t) => [t.key, t.n]));
    assert.deepEqual(counts, expected);
    // The restarted run read only what the checkpoint had not covered: its state came back, not a replay.
    const reread = result.recordsIn('ticks');
    assert.ok(reread > 0 && reread < count, `the restarted source read ${reread} of ${count} records`);
  });
}

test('keyed timers are part of checkpoints: a timer registered before the checkpoint still fires after a restore', async () => {
  const checkpoints = join(root, 'timers');
  const count = 60_000;
  const args = { checkpoints, count: String(count), rate: '30000' };
  const timerJob = new URL('./jobs/timer-recovery-job.ts', import.meta.url);
  const client = await new MiniCluster().submit({ module: jobModuleUrl(timerJob), parallelism: 2, args, configuration: {} });
  const deadline = Date.now() + 20_000;
  while (completed(checkpoints).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await client.cancel();

  const result = await runJob(timerJob, { parallelism: 2, args, configuration: {}, fromCheckpoint: 'latest' });
  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) expected.set(keyOf(i), (expected.get(keyOf(i)) ?? 0) + 1);
  const reports = result.getCollected<[string, number]>('reports');
  assert.equal(reports.length, expected.size, 'one report per key: every timer fired once');
  assert.deepEqual(new Map(reports), expected);
});

/**
 * Runs `job` until 2 checkpoints completed, cancels it, and returns the arguments to restore with. The
 * rate keeps the job from reaching its end (and its final checkpoint) before the cancel.
 */
async function checkpointThenCancel(job: URL, name: string, parallelism: number, count: number, rate = 30_000): Promise<Record<string, string>> {
  const checkpoints = join(root, name);
  const args = { checkpoints, count: String(count), rate: String(rate) };
  const client = await new MiniCluster().submit({ module: jobModuleUrl(job), parallelism, args, configuration: {} });
  const deadline = Date.now() + 20_000;
  // One checkpoint is retained at a time: wait for the second by its id.
  while (newestCompletedId(checkpoints) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await client.cancel();
  return args;
}

for (const [from, to] of [
  [2, 3],
  [2, 1],
] as const) {
  test(`a checkpoint taken at parallelism ${from} restores at parallelism ${to}: keyed state by key group, source splits and operator state spread`, async () => {
    const count = 60_000;
    const args = await checkpointThenCancel(JOB, `rescale-${from}-${to}`, from, count);
    const result = await runJob(JOB, { parallelism: to, args, configuration: {}, fromCheckpoint: 'latest' });
    const expected = new Map<string, number>();
    for (let i = 0; i < count; i++) expected.set(tick(i).key, (expected.get(tick(i).key) ?? 0) + 1);
    assert.deepEqual(new Map(result.getCollected<{ key: string; n: number }>('counts').map((t) => [t.key, t.n])), expected);
    assert.ok(result.recordsIn('ticks') < count);
  });
}

test("a CheckpointedFunction's operator state comes back, and is spread over the subtasks when the parallelism changes", async () => {
  const job = new URL('./jobs/operator-state-job.ts', import.meta.url);
  const count = 60_000;
  const args = await checkpointThenCancel(job, 'operator-state', 2, count, 10_000);
  const result = await runJob(job, { parallelism: 3, args, configuration: {}, fromCheckpoint: 'latest' });
  // The sink's table keeps the rows the first run committed; those of map subtasks that saw nothing
  // after the restore still carry the old parallelism.
  const rows = result.getCollected<[number, number, number]>('seen');
  const seen = rows.filter(([, , parallelism]) => parallelism === 3);
  assert.equal(seen.reduce((sum, [, n]) => sum + n, 0), count, `rows: ${JSON.stringify(rows)}`);
});
