/**
 * @module Automatic recovery: a task fails, the restart strategy restarts the job from its latest
 * completed checkpoint, and the final counts equal a count of the whole input (exactly once).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WeirError } from 'weir';
import { TEST_PARALLELISMS, runJob } from 'weir/testing';
import { reading } from './jobs/failover-job.ts';

const JOB = new URL('./jobs/failover-job.ts', import.meta.url);
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
