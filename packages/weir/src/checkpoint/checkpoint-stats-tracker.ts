/**
 * @module Checkpoint statistics from the coordinator's events: counts, the latest completed, savepoint,
 * failed and restored checkpoint, and a bounded history (Flink's `web.checkpoints.history`, default 10).
 * `snapshot()` is plain JSON data for the REST API and the dashboard.
 */
import { checkInteger } from '../core/options.ts';
import type { SnapshotType } from './checkpoint-metadata.ts';
import type { CheckpointEvent } from './checkpoint-events.ts';
import type { CheckpointFailureReason } from './checkpoint-failure-reason.ts';
import type { CheckpointMetrics } from './checkpoint-metrics.ts';

export type CheckpointStatsStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** One checkpoint's statistics. Durations in ms, sizes in bytes, times epoch ms; `null`: not known (yet). */
export interface CheckpointStats {
  readonly checkpointId: number;
  readonly type: SnapshotType;
  readonly status: CheckpointStatsStatus;
  readonly triggeredAt: number;
  readonly latestAcknowledgedAt: number | null;
  /** When it completed or failed. */
  readonly endedAt: number | null;
  /** From trigger to completion or failure; for one in progress, to the latest acknowledgement. */
  readonly endToEndDurationMs: number | null;
  readonly numberOfSubtasks: number;
  readonly numberOfAcknowledgedSubtasks: number;
  /** Bytes of every state file the checkpoint holds. */
  readonly stateSize: number;
  /**
   * Bytes written for this checkpoint (Flink's checkpointed size): with incremental checkpoints, the
   * changes, without the earlier files linked in; otherwise `stateSize`.
   */
  readonly checkpointedSize: number;
  /** Longest of the acknowledged tasks. */
  readonly syncDurationMs: number;
  readonly asyncDurationMs: number;
  readonly alignmentDurationMs: number;
  readonly checkpointStartDelayMs: number;
  /** True when any task took it unaligned. */
  readonly unalignedCheckpoint: boolean;
  /** Sum over the tasks of in-flight bytes persisted. */
  readonly bytesPersistedDuringAlignment: number;
  readonly directory: string | null;
  readonly failureReason: CheckpointFailureReason | null;
  readonly failureMessage: string | null;
  /** What each acknowledged subtask reported, in acknowledgement order. */
  readonly subtasks: readonly SubtaskCheckpointStats[];
}

/** One subtask's part of a checkpoint: `task` is `vertexId#subtask`. */
export interface SubtaskCheckpointStats extends CheckpointMetrics {
  readonly task: string;
  readonly acknowledgedAt: number;
  readonly stateSize: number;
  readonly checkpointedSize: number;
}

export interface RestoredCheckpointStats {
  readonly checkpointId: number;
  readonly type: SnapshotType;
  readonly timestamp: number;
  readonly restoredAt: number;
  readonly directory: string;
}

/** Minimum, maximum and average over completed checkpoints; `null` before the first. */
export interface StatsSummary {
  readonly min: number | null;
  readonly max: number | null;
  readonly avg: number | null;
}

export interface CheckpointStatsSnapshot {
  readonly counts: {
    readonly triggered: number;
    readonly inProgress: number;
    readonly completed: number;
    readonly failed: number;
    readonly restored: number;
  };
  readonly summary: { readonly stateSize: StatsSummary; readonly endToEndDurationMs: StatsSummary };
  readonly latest: {
    readonly completed: CheckpointStats | null;
    readonly savepoint: CheckpointStats | null;
    readonly failed: CheckpointStats | null;
    readonly restored: RestoredCheckpointStats | null;
  };
  /** The newest checkpoints first, at most `historySize`. */
  readonly history: readonly CheckpointStats[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class RunningSummary {
  #count = 0;
  #sum = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;

  add(value: number): void {
    this.#count++;
    this.#sum += value;
    this.#min = Math.min(this.#min, value);
    this.#max = Math.max(this.#max, value);
  }

  toJSON(): StatsSummary {
    return this.#count === 0 ? { min: null, max: null, avg: null } : { min: this.#min, max: this.#max, avg: this.#sum / this.#count };
  }
}

/**
 * Turns checkpoint events into statistics. Feed it every event of one coordinator.
 *
 * @example
 * const stats = new CheckpointStatsTracker();
 * const coordinator = new CheckpointCoordinator({ ..., events: (e) => stats.record(e) });
 * stats.snapshot().counts.completed;
 */
export class CheckpointStatsTracker {
  readonly #historySize: number;
  /** Entries in the history or still in progress, by id. */
  readonly #entries = new Map<number, Mutable<CheckpointStats>>();
  /** Ids in the history, oldest first. */
  readonly #history: number[] = [];
  readonly #inProgress = new Set<number>();
  readonly #stateSize = new RunningSummary();
  readonly #duration = new RunningSummary();
  #triggered = 0;
  #completed = 0;
  #failed = 0;
  #restored = 0;
  #latestCompleted: CheckpointStats | null = null;
  #latestSavepoint: CheckpointStats | null = null;
  #latestFailed: CheckpointStats | null = null;
  #latestRestored: RestoredCheckpointStats | null = null;

  constructor(options: { readonly historySize?: number } = {}) {
    this.#historySize = checkInteger('historySize', options.historySize ?? 10, 0, 100_000, 'CheckpointStatsTracker (web.checkpoints.history)');
  }

  record(event: CheckpointEvent): void {
    switch (event.type) {
      case 'checkpoint-triggered': {
        this.#triggered++;
        this.#inProgress.add(event.checkpointId);
        this.#entries.set(event.checkpointId, newEntry(event.checkpointId, event.checkpointType, event.triggeredAt, event.numberOfTasks));
        this.#history.push(event.checkpointId);
        while (this.#history.length > this.#historySize) {
          const evicted = this.#history.shift();
          if (evicted !== undefined && !this.#inProgress.has(evicted)) this.#entries.delete(evicted);
        }
        return;
      }
      case 'task-acknowledged': {
        const entry = this.#entries.get(event.checkpointId);
        if (entry === undefined || entry.status !== 'IN_PROGRESS') return;
        const m = event.metrics;
        entry.numberOfAcknowledgedSubtasks++;
        entry.latestAcknowledgedAt = event.acknowledgedAt;
        entry.endToEndDurationMs = event.acknowledgedAt - entry.triggeredAt;
        entry.stateSize += event.stateSize;
        entry.checkpointedSize += event.checkpointedSize;
        entry.syncDurationMs = Math.max(entry.syncDurationMs, m.syncDurationMs);
        entry.asyncDurationMs = Math.max(entry.asyncDurationMs, m.asyncDurationMs);
        entry.alignmentDurationMs = Math.max(entry.alignmentDurationMs, m.alignmentDurationMs);
        entry.checkpointStartDelayMs = Math.max(entry.checkpointStartDelayMs, m.checkpointStartDelayMs);
        entry.unalignedCheckpoint ||= m.unalignedCheckpoint;
        entry.bytesPersistedDuringAlignment += m.bytesPersistedDuringAlignment;
        entry.subtasks = [...entry.subtasks, { task: event.task, acknowledgedAt: event.acknowledgedAt, stateSize: event.stateSize, checkpointedSize: event.checkpointedSize, ...m }];
        return;
      }
      case 'checkpoint-completed': {
        this.#completed++;
        this.#stateSize.add(event.stateSize);
        this.#duration.add(event.completedAt - event.triggeredAt);
        const entry = this.#end(event.checkpointId, event.checkpointType, event.triggeredAt, event.completedAt);
        entry.status = 'COMPLETED';
        entry.stateSize = event.stateSize;
        entry.directory = event.directory;
        const done = { ...entry };
        if (event.checkpointType === 'savepoint') this.#latestSavepoint = done;
        else this.#latestCompleted = done;
        return;
      }
      case 'checkpoint-failed': {
        this.#failed++;
        const entry = this.#end(event.checkpointId, event.checkpointType, event.triggeredAt, event.failedAt);
        entry.status = 'FAILED';
        entry.failureReason = event.reason;
        entry.failureMessage = event.message;
        this.#latestFailed = { ...entry };
        return;
      }
      case 'checkpoint-restored':
        this.#restored++;
        this.#latestRestored = {
          checkpointId: event.checkpointId,
          type: event.checkpointType,
          timestamp: event.timestamp,
          restoredAt: event.restoredAt,
          directory: event.directory,
        };
        return;
      case 'acknowledge-ignored':
      case 'checkpoint-warning':
        return;
    }
  }

  snapshot(): CheckpointStatsSnapshot {
    const history: CheckpointStats[] = [];
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const entry = this.#entries.get(this.#history[i] ?? -1);
      if (entry !== undefined) history.push({ ...entry });
    }
    return {
      counts: {
        triggered: this.#triggered,
        inProgress: this.#inProgress.size,
        completed: this.#completed,
        failed: this.#failed,
        restored: this.#restored,
      },
      summary: { stateSize: this.#stateSize.toJSON(), endToEndDurationMs: this.#duration.toJSON() },
      latest: {
        completed: this.#latestCompleted,
        savepoint: this.#latestSavepoint,
        failed: this.#latestFailed,
        restored: this.#latestRestored,
      },
      history,
    };
  }

  /** Ends an entry; one whose trigger was never seen (or already left the history) gets a minimal entry. */
  #end(checkpointId: number, type: SnapshotType, triggeredAt: number, endedAt: number): Mutable<CheckpointStats> {
    this.#inProgress.delete(checkpointId);
    let entry = this.#entries.get(checkpointId);
    if (entry === undefined) {
      entry = newEntry(checkpointId, type, triggeredAt, 0);
    } else if (!this.#history.includes(checkpointId)) {
      // In progress when it left the history: counted, but no longer listed.
      this.#entries.delete(checkpointId);
    }
    entry.endedAt = endedAt;
    entry.endToEndDurationMs = endedAt - entry.triggeredAt;
    return entry;
  }
}

function newEntry(checkpointId: number, type: SnapshotType, triggeredAt: number, numberOfSubtasks: number): Mutable<CheckpointStats> {
  return {
    checkpointId,
    type,
    status: 'IN_PROGRESS',
    triggeredAt,
    latestAcknowledgedAt: null,
    endedAt: null,
    endToEndDurationMs: null,
    numberOfSubtasks,
    numberOfAcknowledgedSubtasks: 0,
    subtasks: [],
    stateSize: 0,
    checkpointedSize: 0,
    syncDurationMs: 0,
    asyncDurationMs: 0,
    alignmentDurationMs: 0,
    checkpointStartDelayMs: 0,
    unalignedCheckpoint: false,
    bytesPersistedDuringAlignment: 0,
    directory: null,
    failureReason: null,
    failureMessage: null,
  };
}
