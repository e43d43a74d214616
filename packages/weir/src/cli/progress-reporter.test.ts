import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckpointStatsSnapshot } from '../checkpoint/checkpoint-stats-tracker.ts';
import type { SubtaskMetrics } from '../cluster/task-metrics.ts';
import type { JobGraphDescription } from '../graph/job-graph.ts';
import type { JobClient } from '../cluster/mini-cluster.ts';
import { TTY_INTERVAL_MS, formatProgress, startProgressReporter } from './progress-reporter.ts';

const PLAN: JobGraphDescription = {
  jobName: 'counts',
  vertices: [
    { id: 'v1', name: 'Source: gen -> parse', parallelism: 2, maxParallelism: 128, operators: [] },
    { id: 'v2', name: 'count -> Sink: out', parallelism: 2, maxParallelism: 128, operators: [] },
  ],
  edges: [],
  warnings: [],
};

function task(vertexId: string, subtaskIndex: number, recordsIn: number, recordsOut: number): SubtaskMetrics {
  return { vertexId, subtaskIndex, status: 'RUNNING', recordsIn, recordsOut, startTime: 0, endTime: null };
}

test('the progress line sums records in and out over each vertex of the plan', () => {
  const tasks = [task('v1', 0, 1500, 1500), task('v1', 1, 700, 690), task('v2', 0, 1000, 3), task('v2', 1, 1190, 4)];
  const sum = (vertex: string, field: 'recordsIn' | 'recordsOut'): string =>
    tasks.filter((t) => t.vertexId === vertex).reduce((n, t) => n + t[field], 0).toLocaleString('en-US');
  const line = formatProgress({ status: 'RUNNING', elapsedMs: 12_000, plan: PLAN, tasks, checkpoints: undefined });
  assert.equal(
    line,
    `RUNNING 12.0 s | Source: gen -> parse: ${sum('v1', 'recordsIn')} in, ${sum('v1', 'recordsOut')} out | count -> Sink: out: ${sum('v2', 'recordsIn')} in, ${sum('v2', 'recordsOut')} out`,
  );
});

test('a vertex without reports yet shows zero, and checkpoint counts and the latest duration follow', () => {
  const checkpoints = {
    counts: { triggered: 5, inProgress: 1, completed: 3, failed: 1, restored: 0 },
    latest: { completed: { endToEndDurationMs: 45 }, savepoint: null, failed: null, restored: null },
  } as unknown as CheckpointStatsSnapshot;
  const line = formatProgress({ status: 'RUNNING', elapsedMs: 500, plan: PLAN, tasks: [task('v1', 0, 3, 3)], checkpoints });
  assert.equal(line, 'RUNNING 500 ms | Source: gen -> parse: 3 in, 3 out | count -> Sink: out: 0 in, 0 out | checkpoints: 3 completed, 1 failed, last 45 ms');
});

test('on a terminal the status line is redrawn in place, cut to the width, and cleared when the job ends', async () => {
  const writes: string[] = [];
  const stream = { isTTY: true, columns: 40, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream;
  const client = {
    startTime: Date.now(),
    getJobStatus: () => 'RUNNING',
    getJobPlan: () => PLAN,
    getTaskMetrics: () => [task('v1', 0, 10, 5)],
    getCheckpointStats: () => undefined,
  } as unknown as JobClient;
  const reporter = startProgressReporter(client, stream);
  await new Promise((resolve) => setTimeout(resolve, TTY_INTERVAL_MS * 2.5));
  reporter.stop();
  assert.ok(writes.length >= 3, JSON.stringify(writes));
  const draws = writes.slice(0, -1);
  for (const draw of draws) {
    assert.ok(draw.startsWith('\r\x1b[2K'), JSON.stringify(draw));
    assert.ok(!draw.includes('\n'));
    assert.equal(draw.length - '\r\x1b[2K'.length, 39);
    assert.ok(draw.endsWith('…'));
  }
  assert.equal(writes.at(-1), '\r\x1b[2K');
});
