/**
 * @module The JSON the REST endpoint answers with, in Flink's shapes and names (`jid`, `start-time`,
 * `read-records`, `in_progress`, ...): built from a JobClient's status, plan, task metrics and
 * checkpoint statistics. Pure functions; times are epoch ms, -1 where Flink has no value yet.
 */
import type { CheckpointConfigData } from '../checkpoint/checkpoint-config.ts';
import type { CheckpointStats, CheckpointStatsSnapshot, RestoredCheckpointStats } from '../checkpoint/checkpoint-stats-tracker.ts';
import type { JobGraphDescription } from '../graph/job-graph.ts';
import { isGloballyTerminal, type JobStatus } from '../cluster/job-status.ts';
import type { SubtaskMetrics } from '../cluster/task-metrics.ts';

/** What the dispatcher knows of a job, as the responses need it. */
export interface JobSnapshot {
  readonly jobId: string;
  readonly jobName: string;
  readonly status: JobStatus;
  readonly startTime: number;
  /** When it reached a terminal status; null while it runs. */
  readonly endTime: number | null;
  /** Why it failed, for a FAILED job. */
  readonly failureCause: string | null;
  readonly plan: JobGraphDescription;
  readonly tasks: readonly SubtaskMetrics[];
}

export type VertexStatus = 'DEPLOYING' | 'RUNNING' | 'FINISHED' | 'CANCELED' | 'FAILED';

/** `GET /jobs/overview`: one row per job. */
export function jobOverview(job: JobSnapshot, now: number): Record<string, unknown> {
  const count = (status: SubtaskMetrics['status']): number => job.tasks.filter((t) => t.status === status).length;
  return {
    jid: job.jobId,
    name: job.jobName,
    state: job.status,
    'start-time': job.startTime,
    'end-time': job.endTime ?? -1,
    duration: (job.endTime ?? now) - job.startTime,
    'last-modification': job.endTime ?? job.startTime,
    tasks: { total: job.tasks.length, deploying: count('DEPLOYING'), running: count('RUNNING'), finished: count('FINISHED') },
  };
}

/** `GET /jobs/:jobid`: the job with each vertex's parallelism, status, times and records in/out so far. */
export function jobDetails(job: JobSnapshot, now: number): Record<string, unknown> {
  const vertices = job.plan.vertices.map((vertex) => {
    const tasks = job.tasks.filter((t) => t.vertexId === vertex.id);
    const status = vertexStatus(tasks, job.status);
    const starts = tasks.map((t) => t.startTime).filter((t): t is number => t !== null);
    const start = starts.length === 0 ? -1 : Math.min(...starts);
    const finished = tasks.length > 0 && tasks.every((t) => t.endTime !== null);
    const end = finished ? Math.max(...tasks.map((t) => t.endTime ?? 0)) : isGloballyTerminal(job.status) ? (job.endTime ?? -1) : -1;
    const taskCounts: Record<string, number> = {};
    for (const task of tasks) taskCounts[task.status] = (taskCounts[task.status] ?? 0) + 1;
    return {
      id: vertex.id,
      name: vertex.name,
      parallelism: vertex.parallelism,
      maxParallelism: vertex.maxParallelism,
      status,
      'start-time': start,
      'end-time': end,
      duration: start === -1 ? -1 : (end === -1 ? now : end) - start,
      tasks: taskCounts,
      operators: vertex.operators.map((o) => ({ name: o.name, uid: o.uid })),
      metrics: {
        'read-records': tasks.reduce((sum, t) => sum + t.recordsIn, 0),
        'read-records-complete': finished,
        'write-records': tasks.reduce((sum, t) => sum + t.recordsOut, 0),
        'write-records-complete': finished,
      },
      subtasks: tasks.map((t) => ({
        subtask: t.subtaskIndex,
        status: t.status,
        'start-time': t.startTime ?? -1,
        'end-time': t.endTime ?? -1,
        'read-records': t.recordsIn,
        'write-records': t.recordsOut,
      })),
    };
  });
  const statusCounts: Record<string, number> = {};
  for (const vertex of vertices) statusCounts[vertex.status] = (statusCounts[vertex.status] ?? 0) + 1;
  return {
    jid: job.jobId,
    name: job.jobName,
    isStoppable: false,
    state: job.status,
    'start-time': job.startTime,
    'end-time': job.endTime ?? -1,
    duration: (job.endTime ?? now) - job.startTime,
    now,
    ...(job.failureCause === null ? {} : { 'failure-cause': job.failureCause }),
    vertices,
    'status-counts': statusCounts,
  };
}

/** A vertex's status from its subtasks', Flink's aggregate: the job's terminal status for unfinished ones. */
export function vertexStatus(tasks: readonly SubtaskMetrics[], jobStatus: JobStatus): VertexStatus {
  if (tasks.length > 0 && tasks.every((t) => t.status === 'FINISHED')) return 'FINISHED';
  if (jobStatus === 'FAILED' || jobStatus === 'FAILING') return 'FAILED';
  if (jobStatus === 'CANCELED' || jobStatus === 'CANCELLING' || jobStatus === 'FINISHED') return 'CANCELED';
  if (tasks.some((t) => t.status === 'RUNNING' || t.status === 'FINISHED')) return 'RUNNING';
  return 'DEPLOYING';
}

/** `GET /jobs/:jobid/plan`: the JobGraph as `weir plan --json` prints it. */
export function jobPlan(jobId: string, plan: JobGraphDescription): Record<string, unknown> {
  return { plan: { jid: jobId, name: plan.jobName, type: 'STREAMING', ...plan } };
}

/** `GET /jobs/:jobid/checkpoints`: counts, summary, the latest of each kind and the history. */
export function checkpointingStatistics(stats: CheckpointStatsSnapshot | undefined): Record<string, unknown> {
  if (stats === undefined) {
    const empty = { min: 0, max: 0, avg: 0 };
    return {
      counts: { restored: 0, total: 0, in_progress: 0, completed: 0, failed: 0 },
      summary: { state_size: empty, end_to_end_duration: empty },
      latest: { completed: null, savepoint: null, failed: null, restored: null },
      history: [],
    };
  }
  const summary = (s: { min: number | null; max: number | null; avg: number | null }): Record<string, number> => ({
    min: s.min ?? 0,
    max: s.max ?? 0,
    avg: s.avg === null ? 0 : Math.round(s.avg),
  });
  return {
    counts: {
      restored: stats.counts.restored,
      total: stats.counts.triggered,
      in_progress: stats.counts.inProgress,
      completed: stats.counts.completed,
      failed: stats.counts.failed,
    },
    summary: { state_size: summary(stats.summary.stateSize), end_to_end_duration: summary(stats.summary.endToEndDurationMs) },
    latest: {
      completed: stats.latest.completed === null ? null : checkpointStatistics(stats.latest.completed),
      savepoint: stats.latest.savepoint === null ? null : checkpointStatistics(stats.latest.savepoint),
      failed: stats.latest.failed === null ? null : checkpointStatistics(stats.latest.failed),
      restored: stats.latest.restored === null ? null : restoredStatistics(stats.latest.restored),
    },
    history: stats.history.map(checkpointStatistics),
  };
}

function checkpointStatistics(c: CheckpointStats): Record<string, unknown> {
  return {
    className: c.status === 'COMPLETED' ? 'completed' : c.status === 'FAILED' ? 'failed' : 'in_progress',
    id: c.checkpointId,
    status: c.status,
    is_savepoint: c.type === 'savepoint',
    checkpoint_type: c.type === 'savepoint' ? 'SAVEPOINT' : c.unalignedCheckpoint ? 'UNALIGNED_CHECKPOINT' : 'CHECKPOINT',
    trigger_timestamp: c.triggeredAt,
    latest_ack_timestamp: c.latestAcknowledgedAt ?? -1,
    state_size: c.stateSize,
    checkpointed_size: c.checkpointedSize,
    end_to_end_duration: c.endToEndDurationMs === null ? -1 : Math.round(c.endToEndDurationMs),
    sync_duration: Math.round(c.syncDurationMs),
    async_duration: Math.round(c.asyncDurationMs),
    alignment_duration: Math.round(c.alignmentDurationMs),
    start_delay: Math.round(c.checkpointStartDelayMs),
    persisted_data: c.bytesPersistedDuringAlignment,
    num_subtasks: c.numberOfSubtasks,
    num_acknowledged_subtasks: c.numberOfAcknowledgedSubtasks,
    external_path: c.directory,
    ...(c.status === 'FAILED' ? { failure_timestamp: c.endedAt ?? -1, failure_reason: c.failureReason, failure_message: c.failureMessage } : {}),
  };
}

function restoredStatistics(r: RestoredCheckpointStats): Record<string, unknown> {
  return { id: r.checkpointId, restore_timestamp: r.restoredAt, is_savepoint: r.type === 'savepoint', external_path: r.directory };
}

/** `GET /jobs/:jobid/checkpoints/config`: the job's checkpointing settings (Flink's field names). */
export function checkpointConfigInfo(config: CheckpointConfigData): Record<string, unknown> {
  return {
    mode: config.checkpointingMode === 'EXACTLY_ONCE' ? 'exactly_once' : 'at_least_once',
    interval: config.checkpointInterval,
    timeout: config.checkpointTimeout,
    min_pause: config.minPauseBetweenCheckpoints,
    max_concurrent: config.maxConcurrentCheckpoints,
    externalization: {
      enabled: config.externalizedCheckpointRetention !== 'NO_EXTERNALIZED_CHECKPOINTS',
      delete_on_cancellation: config.externalizedCheckpointRetention === 'DELETE_ON_CANCELLATION',
    },
    state_backend: 'HashMapStateBackend',
    checkpoint_storage: config.checkpointStorage === null ? 'JobManagerCheckpointStorage' : 'FileSystemCheckpointStorage',
    checkpoints_dir: config.checkpointStorage,
    unaligned_checkpoints: config.unalignedCheckpointsEnabled,
    aligned_checkpoint_timeout: config.alignedCheckpointTimeout,
    incremental_checkpoints: config.incrementalCheckpoints,
    tolerable_failed_checkpoints: config.tolerableCheckpointFailureNumber,
    num_retained_checkpoints: config.numRetainedCheckpoints,
  };
}
