/**
 * @module Windows across a failure and a restore from the latest checkpoint, at parallelism 1, 2 and
 * 4: window contents live in keyed state and window timers in the checkpointed timer service, so
 * every tumbling and session window fires exactly once with all its records.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TEST_PARALLELISMS, runJob } from 'weir/testing';
import { SESSION_GAP_MS, TUMBLING_MS, tick, type Firings, type Tick } from './jobs/window-recovery-job.ts';

const JOB = new URL('./jobs/window-recovery-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-window-recovery-'));
after(() => rmSync(root, { recursive: true, force: true }));

const count = 30_000;
const input: Tick[] = Array.from({ length: count }, (_, i) => tick(i));

/** Every window of the input with its sum and count: tumbling by start, sessions by sorted times per key. */
function referenceWindows(): Map<string, { end: number; sum: number; count: number }> {
  const windows = new Map<string, { end: number; sum: number; count: number }>();
  const add = (id: string, end: number, value: number): void => {
    const w = windows.get(id) ?? { end, sum: 0, count: 0 };
    w.sum += value;
    w.count++;
    windows.set(id, w);
  };
  for (const t of input) {
    const start = Math.floor(t.time / TUMBLING_MS) * TUMBLING_MS;
    add(`tumbling/${t.key}/${start}`, start + TUMBLING_MS, t.value);
  }
  const byKey = new Map<string, Tick[]>();
  for (const t of input) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t]);
  for (const [key, ticks] of byKey) {
    ticks.sort((a, b) => a.time - b.time);
    let session: { start: number; end: number; sum: number; count: number } | undefined;
    const close = (): void => {
      if (session !== undefined) windows.set(`session/${key}/${session.start}`, { end: session.end, sum: session.sum, count: session.count });
    };
    for (const t of ticks) {
      if (session !== undefined && t.time <= session.end) {
        session.end = Math.max(session.end, t.time + SESSION_GAP_MS);
        session.sum += t.value;
        session.count++;
      } else {
        close();
        session = { start: t.time, end: t.time + SESSION_GAP_MS, sum: t.value, count: 1 };
      }
    }
    close();
  }
  return windows;
}

const expected = referenceWindows();

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
