/**
 * @module The typed events a CheckpointCoordinator emits: what happened to each checkpoint, for the stats
 * tracker, logs and the REST API. Plain data; no statistics code inside the protocol.
 */
import type { CheckpointId } from '../core/ids.ts';
import type { SnapshotType, StateHandle } from './checkpoint-metadata.ts';
import type { CheckpointFailureReason } from './checkpoint-failure-reason.ts';
import type { CheckpointMetrics } from './checkpoint-metrics.ts';
import type { TaskAcknowledgeResult } from './pending-checkpoint.ts';

export type CheckpointEvent =
  | {
      readonly type: 'checkpoint-triggered';
      readonly checkpointId: CheckpointId;
      readonly checkpointType: SnapshotType;
      readonly triggeredAt: number;
      readonly numberOfTasks: number;
    }
  | {
      readonly type: 'task-acknowledged';
      readonly checkpointId: CheckpointId;
      readonly task: string;
      readonly acknowledgedAt: number;
      /** Bytes of the state files this task reported. */
      readonly stateSize: number;
      /** Bytes this task wrote for the checkpoint: `stateSize` without the files an incremental checkpoint builds on. */
      readonly checkpointedSize: number;
      readonly metrics: CheckpointMetrics;
    }
  | {
      readonly type: 'checkpoint-completed';
      readonly checkpointId: CheckpointId;
      readonly checkpointType: SnapshotType;
      readonly triggeredAt: number;
      readonly completedAt: number;
      readonly stateSize: number;
      readonly directory: string;
    }
  | {
      readonly type: 'checkpoint-failed';
      readonly checkpointId: CheckpointId;
      readonly checkpointType: SnapshotType;
      readonly triggeredAt: number;
      readonly failedAt: number;
      readonly reason: CheckpointFailureReason;
      /** The failure as a user reads it, with the cause when there is one. */
      readonly message: string;
    }
  | {
      readonly type: 'checkpoint-restored';
      readonly checkpointId: CheckpointId;
      readonly checkpointType: SnapshotType;
      /** Trigger time of the restored checkpoint. */
      readonly timestamp: number;
      readonly restoredAt: number;
      readonly directory: string;
    }
  | {
      /**
       * An acknowledgement that was not recorded. `cleanedUp` tells whether the coordinator deleted the
       * checkpoint's directory again (aborted checkpoints); when false and `handles` is not empty, the
       * files are orphans the caller may delete (for an UNKNOWN checkpoint id the coordinator does not know
       * the directory).
       */
      readonly type: 'acknowledge-ignored';
      readonly checkpointId: CheckpointId;
      readonly task: string;
      readonly result: Exclude<TaskAcknowledgeResult, 'SUCCESS'>;
      readonly handles: readonly StateHandle[];
      readonly cleanedUp: boolean;
    }
  | {
      /** Something that failed without failing a checkpoint: deleting a directory, notifying tasks. */
      readonly type: 'checkpoint-warning';
      readonly checkpointId: CheckpointId | null;
      readonly message: string;
    };

/** Receives the coordinator's events. It must not throw; if it does, the coordinator ignores that. */
export type CheckpointEventListener = (event: CheckpointEvent) => void;
