/**
 * @module The live progress of `weir run` in the foreground, on stderr (stdout stays the job's own
 * output): on a terminal one status line redrawn every second, otherwise a plain line every 5 s.
 * It shows records in/out per vertex (each vertex is a chain of operators), the checkpoints completed
 * and failed, and the latest checkpoint's duration.
 */
import type { CheckpointStatsSnapshot } from '../checkpoint/checkpoint-stats-tracker.ts';
import type { JobStatus } from '../cluster/job-status.ts';
import type { JobClient } from '../cluster/mini-cluster.ts';
import type { SubtaskMetrics } from '../cluster/task-metrics.ts';
import type { JobGraphDescription } from '../graph/job-graph.ts';
import { formatCount, formatDurationMs } from './format-table.ts';

export const TTY_INTERVAL_MS = 1000;
export const PLAIN_INTERVAL_MS = 5000;

export interface ProgressInput {
  readonly status: JobStatus;
  readonly elapsedMs: number;
  readonly plan: JobGraphDescription;
  readonly tasks: readonly SubtaskMetrics[];
  readonly checkpoints: CheckpointStatsSnapshot | undefined;
}

/**
 * One line: status and time, records in/out summed over each vertex's subtasks, and checkpoints.
 *
 * @example
 * // RUNNING 12.0 s | Source: gen -> parse: 1,200 in, 1,200 out | count: 1,150 in, 40 out | checkpoints: 3 completed, 0 failed, last 45 ms
 */
export function formatProgress(input: ProgressInput): string {
  const parts = [`${input.status} ${formatDurationMs(input.elapsedMs)}`];
  for (const vertex of input.plan.vertices) {
    let recordsIn = 0;
    let recordsOut = 0;
    for (const task of input.tasks) {
      if (task.vertexId !== vertex.id) continue;
      recordsIn += task.recordsIn;
      recordsOut += task.recordsOut;
    }
    parts.push(`${vertex.name}: ${formatCount(recordsIn)} in, ${formatCount(recordsOut)} out`);
  }
  const stats = input.checkpoints;
  if (stats !== undefined) {
    const latest = stats.latest.completed?.endToEndDurationMs;
    const last = latest === undefined || latest === null ? '' : `, last ${formatDurationMs(latest)}`;
    parts.push(`checkpoints: ${stats.counts.completed} completed, ${stats.counts.failed} failed${last}`);
  }
  return parts.join(' | ');
}

export interface ProgressReporter {
  /** Stops reporting and clears the status line. */
  stop(): void;
}

/** Writes the job's progress to `stream` until stopped: redrawn on a TTY, periodic lines otherwise. */
export function startProgressReporter(client: JobClient, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const tty = stream.isTTY === true;
  let drawn = false;
  const draw = (): void => {
    const line = formatProgress({
      status: client.getJobStatus(),
      elapsedMs: Date.now() - client.startTime,
      plan: client.getJobPlan(),
      tasks: client.getTaskMetrics(),
      checkpoints: client.getCheckpointStats(),
    });
    if (tty) {
      const width = stream.columns > 1 ? stream.columns - 1 : 119;
      stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
      drawn = true;
    } else {
      stream.write(`progress: ${line}\n`);
    }
  };
  const timer = setInterval(draw, tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
