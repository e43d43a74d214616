/**
 * @module The messages between the JobManager and a slot's worker thread.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ChannelLimits } from '../runtime/channels.ts';
import type { ErrorData } from '../core/errors.ts';
import type { SourceSplit } from '../operators/source.ts';
import type { RestoredTaskState, TaskCheckpointAck, TaskReport } from '../runtime/stream-task.ts';
import type { CheckpointBarrier } from '../core/stream-element.ts';
import type { CheckpointId, JobId } from '../core/ids.ts';
import type { StopWithSavepoint } from '../checkpoint/checkpoint-coordinator.ts';
import type { JobSubmission } from './job-loader.ts';
import type { TaskMetricsSample } from './task-metrics.ts';

/** Everything a slot needs to run its share of a job. */
export interface SlotDeployment {
  readonly jobId: JobId;
  readonly attemptNumber: number;
  readonly slot: number;
  readonly numSlots: number;
  readonly submission: JobSubmission;
  /** The JobGraph fingerprint the JobManager built; the worker's must match. */
  readonly fingerprint: string;
  /** Initial splits per source vertex, indexed by subtask. */
  readonly splits: Readonly<Record<string, readonly (readonly SourceSplit[])[]>>;
  /** Credits and batch sizes of the channels. */
  readonly channelLimits: ChannelLimits;
  /** One port per other slot, for the channels between them. */
  readonly peers: readonly { readonly slot: number; readonly port: MessagePort }[];
  /** State restored from a checkpoint, by vertex id, then subtask index (this slot's subtasks only). */
  readonly restored?: Readonly<Record<string, Readonly<Record<number, RestoredTaskState>>>> | undefined;
  /** The checkpoint restored from, for the tasks' information. */
  readonly restoredCheckpointId?: number | undefined;
  /**
   * The attempt number of each vertex's tasks, by vertex id: the job's attempt plus the restarts of the
   * vertex's pipelined region. It also numbers the generation of the region's channels.
   */
  readonly vertexAttempts: Readonly<Record<string, number>>;
  /**
   * How tasks treat barriers; `finalCheckpoint` (checkpointing is on): tasks whose input ended wait for
   * the final checkpoint before they close.
   */
  readonly checkpointing?:
    | {
        readonly mode: 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';
        readonly unaligned: boolean;
        readonly alignedCheckpointTimeout: number;
        readonly finalCheckpoint?: boolean | undefined;
        /** `execution.checkpointing.incremental`: keyed state as a full snapshot plus the changes since. */
        readonly incremental?: boolean | undefined;
      }
    | undefined;
}

export type ToWorker =
  | { readonly type: 'deploy'; readonly deployment: SlotDeployment }
  | { readonly type: 'shutdown' }
  /**
   * Sources of this slot inject barrier n; with `stop`, they stop after it (stop-with-savepoint); with
   * `final`, every task (all wait at the end of their input) snapshots at once for the final checkpoint.
   */
  | { readonly type: 'trigger-checkpoint'; readonly barrier: CheckpointBarrier; readonly stop?: StopWithSavepoint | undefined; readonly final?: boolean | undefined }
  /** The final checkpoint completed (or a stop-with-savepoint covered everything): tasks waiting at the end of their input close and report finished. */
  | { readonly type: 'finish-tasks' }
  | { readonly type: 'checkpoint-complete'; readonly checkpointId: CheckpointId }
  | { readonly type: 'checkpoint-aborted'; readonly checkpointId: CheckpointId }
  /** Region failover: cancel the tasks of these vertices and forget their channels. */
  | { readonly type: 'cancel-tasks'; readonly requestId: number; readonly vertices: readonly string[] }
  /** Region failover: start the tasks of these vertices again, with new attempt numbers and state. */
  | { readonly type: 'deploy-tasks'; readonly deployment: RegionDeployment }
  /** Report the tasks' counters now (they are also reported every second), answering with `requestId`. */
  | { readonly type: 'report-metrics'; readonly requestId: number };

/** A restarted region's share of a slot's deployment. */
export interface RegionDeployment {
  readonly vertices: readonly string[];
  readonly vertexAttempts: Readonly<Record<string, number>>;
  readonly restored?: SlotDeployment['restored'];
  readonly restoredCheckpointId?: number | undefined;
}

export type FromWorker =
  | { readonly type: 'deployed' }
  /** The counters of this slot's running tasks: every second, and in answer to `report-metrics`. */
  | { readonly type: 'task-metrics'; readonly tasks: readonly TaskMetricsSample[]; readonly requestId?: number | undefined }
  | { readonly type: 'tasks-cancelled'; readonly requestId: number }
  | { readonly type: 'task-running'; readonly vertexId: string; readonly subtaskIndex: number; readonly attemptNumber: number }
  /** The task's input ended and its operators finished; it waits for the final checkpoint (checkpointing on). */
  | { readonly type: 'task-end-of-input'; readonly vertexId: string; readonly subtaskIndex: number; readonly attemptNumber: number }
  | { readonly type: 'task-finished'; readonly report: TaskReport; readonly attemptNumber: number }
  | { readonly type: 'task-failed'; readonly vertexId: string; readonly subtaskIndex: number; readonly attemptNumber: number; readonly error: ErrorData }
  | { readonly type: 'slot-failed'; readonly error: ErrorData }
  | { readonly type: 'operator-event'; readonly uid: string; readonly subtaskIndex: number; readonly event: unknown }
  | { readonly type: 'checkpoint-ack'; readonly ack: TaskCheckpointAck }
  | {
      readonly type: 'checkpoint-decline';
      readonly checkpointId: CheckpointId;
      readonly vertexId: string;
      readonly subtaskIndex: number;
      readonly reason: ErrorData;
      /** The task was not running (finishing, starting): not the checkpoint's fault, not counted. */
      readonly taskNotRunning: boolean;
    };

/**
 * The buffers of an acknowledgement's state bytes that can move to the JobManager without a copy:
 * those a byte array owns whole (never a view into a shared or pooled buffer, which would take the
 * other views' memory with it).
 */
export function transferableStateOf(ack: TaskCheckpointAck): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const consider = (bytes: Uint8Array | undefined): void => {
    if (bytes === undefined || !(bytes.buffer instanceof ArrayBuffer)) return;
    if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.byteLength > 0) buffers.add(bytes.buffer);
  };
  for (const state of ack.states) {
    // A keyed snapshot's pieces each start an ArrayBuffer of their own (longer than the piece, mostly).
    for (const chunk of state.keyed?.chunks ?? []) if (chunk.byteOffset === 0 && chunk.buffer instanceof ArrayBuffer) buffers.add(chunk.buffer);
    consider(state.operator);
    consider(state.channel);
  }
  return [...buffers];
}
