/**
 * @module A PendingCheckpoint collects the acknowledgements of checkpoint n from every task that must
 * acknowledge it, and assembles its `_metadata`. Pure and synchronous: it returns decisions
 * (TaskAcknowledgeResult) and never touches storage or timers; its lifecycle is one status table.
 */
import { WeirError } from '../core/errors.ts';
import type { CheckpointId } from '../core/ids.ts';
import type { CheckpointMetadata, OperatorSnapshot, SnapshotType, SubtaskState } from './checkpoint-metadata.ts';
import type { CheckpointFailureReason } from './checkpoint-failure-reason.ts';
import type { TaskStateSnapshot } from './checkpoint-metrics.ts';
import { subtaskStateHandles } from './completed-checkpoint.ts';

/** Flink's TaskAcknowledgeResult: what became of one acknowledgement. */
export type TaskAcknowledgeResult =
  /** Recorded. */
  | 'SUCCESS'
  /** The task had already acknowledged this checkpoint; ignored. */
  | 'DUPLICATE'
  /** The task is not one that must acknowledge this checkpoint; ignored. */
  | 'UNKNOWN'
  /** The checkpoint was aborted; the task's state files are garbage. */
  | 'DISCARDED';

/**
 * PENDING collects acknowledgements; FINALIZING writes `_metadata` (no longer abortable by timeout or
 * decline, only by the write failing); COMPLETED and ABORTED are final.
 */
export type PendingCheckpointStatus = 'PENDING' | 'FINALIZING' | 'COMPLETED' | 'ABORTED';

const allowed: Record<PendingCheckpointStatus, readonly PendingCheckpointStatus[]> = {
  PENDING: ['FINALIZING', 'ABORTED'],
  FINALIZING: ['COMPLETED', 'ABORTED'],
  COMPLETED: [],
  ABORTED: [],
};

/** Identifies a task (a subtask of a JobVertex) that acknowledges checkpoints: `${vertexId}#${subtask}`. */
export function taskName(vertexId: string, subtask: number): string {
  return `${vertexId}#${subtask}`;
}

/** What the metadata needs to know of every operator of the job. */
export interface CheckpointedOperator {
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
}

export interface PendingCheckpointOptions {
  readonly checkpointId: CheckpointId;
  readonly type: SnapshotType;
  /** Trigger time, epoch ms. */
  readonly timestamp: number;
  readonly tasksToAcknowledge: Iterable<string>;
}

/**
 * Checkpoint n while it collects acknowledgements.
 *
 * @example
 * const pending = new PendingCheckpoint({ checkpointId: CheckpointId(1), type: 'checkpoint', timestamp: 0, tasksToAcknowledge: ['v1#0'] });
 * pending.acknowledgeTask('v1#0', [{ uid: 'counter', state: { subtask: 0 } }]); // 'SUCCESS'
 * pending.isFullyAcknowledged(); // true
 */
export class PendingCheckpoint {
  readonly checkpointId: CheckpointId;
  readonly type: SnapshotType;
  readonly timestamp: number;
  readonly #notYetAcknowledged: Set<string>;
  readonly #acknowledged = new Set<string>();
  readonly #states = new Map<string, Map<number, SubtaskState>>();
  readonly #numberOfTasks: number;
  #status: PendingCheckpointStatus = 'PENDING';
  #failureReason: CheckpointFailureReason | undefined;
  #stateSize = 0;

  constructor(options: PendingCheckpointOptions) {
    this.checkpointId = options.checkpointId;
    this.type = options.type;
    this.timestamp = options.timestamp;
    this.#notYetAcknowledged = new Set(options.tasksToAcknowledge);
    this.#numberOfTasks = this.#notYetAcknowledged.size;
  }

  get status(): PendingCheckpointStatus {
    return this.#status;
  }

  /** Why it was aborted; undefined unless ABORTED. */
  get failureReason(): CheckpointFailureReason | undefined {
    return this.#failureReason;
  }

  get numberOfTasks(): number {
    return this.#numberOfTasks;
  }

  get numberOfAcknowledgedTasks(): number {
    return this.#acknowledged.size;
  }

  /** Sum of the sizes of the acknowledged state files, bytes. */
  get stateSize(): number {
    return this.#stateSize;
  }

  /** Tasks still to acknowledge, sorted. */
  notYetAcknowledgedTasks(): string[] {
    return [...this.#notYetAcknowledged].sort();
  }

  /** True once COMPLETED or ABORTED. */
  isDisposed(): boolean {
    return allowed[this.#status].length === 0;
  }

  isFullyAcknowledged(): boolean {
    return this.#notYetAcknowledged.size === 0 && !this.isDisposed();
  }

  /**
   * Records `task`'s acknowledgement with the state of each operator of its chain. A task may report each
   * (uid, subtask) once; two tasks reporting the same one is a bug (INTERNAL).
   */
  acknowledgeTask(task: string, states: TaskStateSnapshot): TaskAcknowledgeResult {
    if (this.#status === 'ABORTED') return 'DISCARDED';
    if (this.#acknowledged.has(task)) return 'DUPLICATE';
    if (!this.#notYetAcknowledged.has(task)) return 'UNKNOWN';
    for (const { uid, state } of states) {
      if (this.#states.get(uid)?.has(state.subtask) === true) {
        throw new WeirError('INTERNAL', `checkpoint ${this.checkpointId}: task ${task} reported state of operator ${uid} subtask ${state.subtask}, which another task already reported`);
      }
    }
    for (const { uid, state } of states) {
      let bySubtask = this.#states.get(uid);
      if (bySubtask === undefined) {
        bySubtask = new Map<number, SubtaskState>();
        this.#states.set(uid, bySubtask);
      }
      bySubtask.set(state.subtask, state);
      for (const handle of subtaskStateHandles(state)) this.#stateSize += handle.size;
    }
    this.#notYetAcknowledged.delete(task);
    this.#acknowledged.add(task);
    return 'SUCCESS';
  }

  /** PENDING -> FINALIZING once every task acknowledged; from now on only the metadata write decides. */
  startFinalizing(): void {
    if (this.#notYetAcknowledged.size > 0) {
      throw new WeirError('INTERNAL', `checkpoint ${this.checkpointId} cannot finalize: tasks ${this.notYetAcknowledgedTasks().join(', ')} have not acknowledged`);
    }
    this.#move('FINALIZING');
  }

  /** FINALIZING -> COMPLETED, once `_metadata` is committed. */
  complete(): void {
    this.#move('COMPLETED');
  }

  /**
   * PENDING -> ABORTED. Returns false (and changes nothing) when the checkpoint is finalizing or already
   * over: it is too late, the metadata write decides.
   */
  abort(reason: CheckpointFailureReason): boolean {
    if (this.#status !== 'PENDING') return false;
    this.#failureReason = reason;
    this.#move('ABORTED');
    return true;
  }

  /** FINALIZING -> ABORTED: writing or assembling `_metadata` failed. */
  failFinalization(): void {
    this.#failureReason = 'FINALIZE_CHECKPOINT_FAILURE';
    this.#move('ABORTED');
  }

  /**
   * The checkpoint's `_metadata`: every operator of the job sorted by uid (operators without state have no
   * subtasks), each with the reported subtasks sorted by index. State reported for a uid that is not one
   * of `operators` is a bug (INTERNAL).
   */
  toMetadata(job: { readonly jobId: string; readonly jobName: string; readonly operators: readonly CheckpointedOperator[] }): CheckpointMetadata {
    const known = new Set(job.operators.map((o) => o.uid));
    const stray = [...this.#states.keys()].filter((uid) => !known.has(uid));
    if (stray.length > 0) {
      throw new WeirError('INTERNAL', `checkpoint ${this.checkpointId}: state was reported for operators ${stray.join(', ')}, which are not in job ${job.jobName}`);
    }
    const operators: OperatorSnapshot[] = [...job.operators]
      .sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0))
      .map((operator) => ({
        uid: operator.uid,
        name: operator.name,
        parallelism: operator.parallelism,
        maxParallelism: operator.maxParallelism,
        subtasks: [...(this.#states.get(operator.uid)?.values() ?? [])].sort((a, b) => a.subtask - b.subtask),
      }));
    return {
      version: 1,
      jobId: job.jobId,
      jobName: job.jobName,
      checkpointId: this.checkpointId,
      type: this.type,
      timestamp: this.timestamp,
      operators,
    };
  }

  #move(to: PendingCheckpointStatus): void {
    if (!allowed[this.#status].includes(to)) {
      throw new WeirError('INTERNAL', `checkpoint ${this.checkpointId}: illegal status change ${this.#status} -> ${to}`);
    }
    this.#status = to;
  }
}
