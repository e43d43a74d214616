/**
 * @module Windows across a failure and a restore from the latest checkpoint, at parallelism 1, 2 and
 * 4: window contents (or slices) live in keyed state and window timers in the checkpointed timer
 * service, so every tumbling, sliding and session window fires exactly once with all its records.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TEST_PARALLELISMS, runJob } from 'weir/testing';
import { tick, type Firings, type Tick } from './jobs/window-recovery-job.ts';
import { referenceWindows } from './support/window-reference.ts';

const JOB = new URL('./jobs/window-recovery-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-window-recovery-'));
after(() => rmSync(root, { recursive: true, force: true }));

const count = 30_000;
const input: Tick[] = Array.from({ length: count }, (_, i) => tick(i));

const expected = referenceWindows(input);

for (const parallelism of TEST_PARALLELISMS) {
  test(`after a failure and a restore every window fires exactly once with all its records at parallelism ${parallelism}`, async () => {
    const result = await runJob(JOB, {
      parallelism,
      args: { checkpoints: join(root, `p${parallelism}`), count, rate: 15_000, 'fail-at': 18_000 },
      configuration: { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': '10 ms' },
    });
    const firings = result.getCollected<Firings>('firings');
    assert.equal(firings.length, expected.size, 'every window reported once');
    const twice = firings.filter((f) => f.fires !== 1);
    assert.deepEqual(twice, [], 'no window fired twice or was lost');
    assert.deepEqual(new Map(firings.map((f) => [f.id, { end: f.end, sum: f.sum, count: f.count }])), expected);
    const reread = result.recordsIn('ticks');
    assert.ok(reread > 0 && reread < count, `the restarted attempt read ${reread} of ${count} records: it started from a checkpoint`);
  });
}
