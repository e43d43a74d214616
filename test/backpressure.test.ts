/**
 * @module Backpressure: a slow sink slows the sources down through credit-based flow control, so
 * memory stays bounded while the sources could run far ahead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runJob } from 'weir/testing';
import { RECORD_BYTES } from './jobs/backpressure-job.ts';

test('a slow sink bounds memory: RSS stays within a working set while the sources could queue gigabytes', async (t) => {
  const count = 200_000;
  const costMicros = 20;
  const volumeMiB = (count * RECORD_BYTES) / 2 ** 20;
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(process.memoryUsage().rss), 50);
  const started = performance.now();
  const result = await runJob(new URL('./jobs/backpressure-job.ts', import.meta.url), { args: { count, 'cost-micros': costMicros } });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);

  const reports = result.getCollected<{ count: number; bytes: number }>('SlowSink');
  assert.deepEqual(reports, [{ count, bytes: count * RECORD_BYTES }]);

  // The sink needs `costMicros` a record, so the job takes about count × costMicros: it was throttled.
  assert.ok(seconds > (count * costMicros * 1e-6) / 1.5, `job took ${seconds.toFixed(2)} s`);
  // Without flow control the sources would queue hundreds of MiB; with it, RSS rises to a working
  // set (worker start-up, V8 heaps, a few batches per channel) and then stays flat.
  const mib = (bytes: number): number => bytes / 2 ** 20;
  const before = samples[0] ?? 0;
  const peakGrowth = mib(Math.max(...samples) - before);
  const detail = `RSS grew by ${peakGrowth.toFixed(0)} MiB at peak while ${volumeMiB.toFixed(0)} MiB flowed in ${seconds.toFixed(1)} s`;
  t.diagnostic(detail);
  // Measured here: ~220 MiB with flow control, ~1.7 GiB with unlimited credits.
  assert.ok(peakGrowth < 400 && peakGrowth < volumeMiB / 6, detail);
});
