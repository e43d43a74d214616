/**
 * @module Checkpoints of a keyed two-input operator: a failure after a completed checkpoint restarts the
 * job from it, and its keyed state and event-time timers of both inputs come back exactly, with
 * barriers aligned across both inputs (aligned, and aligned with a timeout that switches to
 * unaligned) or not aligned at all (unaligned: the in-flight records of both inputs are persisted).
 * At-least-once barrier tracking across two gates is covered by runtime/checkpointed-input.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MiniCluster, jobModuleUrl, type CheckpointStatsSnapshot } from 'weir';
import { bucketOf, buy, click, type Totals } from './jobs/two-input-recovery-job.ts';

const JOB = new URL('./jobs/two-input-recovery-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-two-input-recovery-'));
after(() => rmSync(root, { recursive: true, force: true }));

const RESTART = { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 1, 'restart-strategy.fixed-delay.delay': '10 ms' };

function expectedTotals(count: number): Map<string, Totals> {
  const totals = new Map<string, { clicks: number; buys: number; amount: number; buckets: Set<number> }>();
  const of = (user: string) => {
    let t = totals.get(user);
    if (t === undefined) totals.set(user, (t = { clicks: 0, buys: 0, amount: 0, buckets: new Set() }));
    return t;
  };
  for (let i = 0; i < count; i++) {
    const c = click(i);
    of(c.user).clicks++;
    of(c.user).buckets.add(bucketOf(c.ts));
  }
  for (let j = 0; j < count / 2; j++) {
    const b = buy(j);
    of(b.user).buys++;
    of(b.user).amount += b.amount;
    of(b.user).buckets.add(bucketOf(b.ts));
  }
  return new Map([...totals].map(([user, t]) => [user, { user, clicks: t.clicks, buys: t.buys, amount: t.amount, fired: t.buckets.size }]));
}

/** Runs the job on a MiniCluster to its end; returns its result and its checkpoint statistics. */
async function run(parallelism: number, args: Record<string, string | number>, configuration: Record<string, unknown> = RESTART) {
  const stringArgs = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)]));
  const client = await new MiniCluster().submit({ module: jobModuleUrl(JOB), parallelism, args: stringArgs, configuration });
  const result = await client.getJobExecutionResult();
  return { result, stats: client.getCheckpointStats() as CheckpointStatsSnapshot };
}

const count = 20_000;
const keyedArgs = (name: string, mode: string) => ({ pipeline: 'keyed', checkpoints: join(root, name), count, rate: 20_000, 'fail-after': 10_000, mode });

for (const [mode, parallelism] of [
  ['EXACTLY_ONCE', 2],
  ['UNALIGNED', 2],
  ['ALIGNED_TIMEOUT', 2],
] as const) {
  test(`keyed co-process, ${mode} at parallelism ${parallelism}: a failure after a checkpoint restores state and timers of both inputs exactly`, async () => {
    const slow: Record<string, number> = mode === 'EXACTLY_ONCE' ? {} : { 'slow-micros': 20 };
    const configuration = mode === 'EXACTLY_ONCE' ? RESTART : { ...RESTART, 'taskmanager.network.memory.buffers-per-channel': 1, 'taskmanager.memory.segment-size': '256 b' };
    const { result, stats } = await run(parallelism, { ...keyedArgs(`keyed-${mode}`, mode), ...slow }, configuration);
    assert.deepEqual(new Map(result.getCollected<Totals>('totals').map((t) => [t.user, t])), expectedTotals(count));
    const reread = result.recordsIn('clicks');
    assert.ok(reread < count, `the restarted attempt read ${reread} of ${count} clicks: it did not start from a checkpoint`);
    if (mode === 'UNALIGNED') {
      // The final checkpoint (the last completed), taken once every input ended, has nothing in flight: it is aligned.
      const finalId = stats.latest.completed?.checkpointId;
      const twoInput = stats.history
        .filter((c) => c.checkpointId !== finalId)
        .flatMap((c) => c.subtasks)
        .filter((s) => s.task.includes('totals-per-user'));
      assert.ok(twoInput.length > 0 && twoInput.every((s) => s.unalignedCheckpoint), 'the two-input task took its checkpoints unaligned');
      assert.ok(
        twoInput.some((s) => s.bytesPersistedDuringAlignment > 0),
        'records in flight on the two-input task were persisted as channel state',
      );
    }
  });
}
