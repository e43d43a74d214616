/**
 * @module A worker thread dying inside a phase of a checkpoint: in a task's synchronous snapshot (after
 * the barrier reached it, before it acknowledged), in the asynchronous phase (the barrier went on, the
 * state is being written) and right after a checkpoint completed (before every task was notified). Either way the job restarts from the last complete checkpoint and counts exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runJob } from 'weir/testing';
import { keyOf } from './jobs/phase-crash-job.ts';

const JOB = new URL('./jobs/phase-crash-job.ts', import.meta.url);
const count = 30_000;
const expected = new Map<string, number>();
for (let i = 0; i < count; i++) expected.set(keyOf(i), (expected.get(keyOf(i)) ?? 0) + 1);

for (const phase of ['snapshot', 'async', 'notify']) {
  test(`a worker dying in the ${phase} phase of a checkpoint restarts the job from the last complete one, counting exactly`, async () => {
    const result = await runJob(JOB, {
      parallelism: 2,
      args: { count, 'crash-in': phase },
      configuration: { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': '10 ms' },
    });
    assert.deepEqual(new Map(result.getCollected<{ key: string; n: number }>('counts').map((r) => [r.key, r.n])), expected);
    assert.ok(result.recordsIn('numbers') < count, 'the restarted attempt started from a checkpoint');
  });
}
