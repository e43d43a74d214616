/**
 * @module Live task metrics: what each slot reports about its running tasks every second (and when the
 * JobManager asks), and the JobManager's view of every subtask of the current attempt, for the REST API
 * and `weir run`'s progress line.
 */
import type { TaskReport } from '../runtime/stream-task.ts';

/** How often a slot reports its tasks' counters, in ms. */
export const METRICS_REPORT_INTERVAL_MS = 1000;

/** One running task's counters as its slot reports them. */
export interface TaskMetricsSample {
  readonly vertexId: string;
  readonly subtaskIndex: number;
  readonly attemptNumber: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
}

export type SubtaskStatus = 'DEPLOYING' | 'RUNNING' | 'FINISHED';

/** One subtask of the current attempt, as the JobManager last heard of it. Times are epoch ms. */
export interface SubtaskMetrics {
  readonly vertexId: string;
  readonly subtaskIndex: number;
  readonly status: SubtaskStatus;
  /** Records read (a source: records emitted by its reader), as of the last report. */
  readonly recordsIn: number;
  /** Records emitted by the task's chain, as of the last report. */
  readonly recordsOut: number;
  /** When it started running; null while deploying. */
  readonly startTime: number | null;
  /** When it finished; null before. */
  readonly endTime: number | null;
}

type Entry = { -readonly [K in keyof SubtaskMetrics]: SubtaskMetrics[K] };

/**
 * The JobManager's table of subtask metrics. A restarted task starts again from zero, as Flink's
 * counters do for a new attempt.
 */
export class TaskMetricsStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A task is (re)deployed: it counts from zero. */
  deploying(vertexId: string, subtaskIndex: number): void {
    this.#entries.set(`${vertexId}/${subtaskIndex}`, { vertexId, subtaskIndex, status: 'DEPLOYING', recordsIn: 0, recordsOut: 0, startTime: null, endTime: null });
  }

  running(vertexId: string, subtaskIndex: number): void {
    const entry = this.#entries.get(`${vertexId}/${subtaskIndex}`);
    if (entry === undefined) return;
    entry.status = 'RUNNING';
    entry.startTime = this.#now();
  }

  /** A periodic or requested sample; ignored for a task that already finished (its report is final). */
  sample(sample: TaskMetricsSample): void {
    const entry = this.#entries.get(`${sample.vertexId}/${sample.subtaskIndex}`);
    if (entry === undefined || entry.status === 'FINISHED') return;
    entry.recordsIn = sample.recordsIn;
    entry.recordsOut = sample.recordsOut;
  }

  finished(report: TaskReport): void {
    const entry = this.#entries.get(`${report.vertexId}/${report.subtaskIndex}`);
    if (entry === undefined) return;
    entry.status = 'FINISHED';
    entry.recordsIn = report.recordsIn;
    entry.recordsOut = report.recordsOut;
    entry.endTime = this.#now();
    entry.startTime ??= entry.endTime - report.durationMs;
  }

  /** Every subtask, by vertex then subtask index in the order they were deployed. */
  snapshot(): SubtaskMetrics[] {
    return [...this.#entries.values()].map((entry) => ({ ...entry }));
  }
}
