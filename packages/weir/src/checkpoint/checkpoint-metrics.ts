/**
 * @module What a task reports with its acknowledgement (Flink's CheckpointMetrics) and the state it
 * snapshotted (Flink's TaskStateSnapshot): plain data that crosses from the worker to the coordinator.
 */
import type { SubtaskState } from './checkpoint-metadata.ts';

/** Timings and sizes of one task's part of a checkpoint, in ms and bytes. */
export interface CheckpointMetrics {
  /** Synchronous phase: freezing state while processing waits. */
  readonly syncDurationMs: number;
  /** Asynchronous phase: writing state files while processing continues. */
  readonly asyncDurationMs: number;
  /** From the first to the last barrier on the task's inputs (0 for one input or unaligned). */
  readonly alignmentDurationMs: number;
  /** From the trigger to the first barrier reaching the task. */
  readonly checkpointStartDelayMs: number;
  /** True when this task took the checkpoint unaligned (including after an aligned-checkpoint timeout). */
  readonly unalignedCheckpoint: boolean;
  /** In-flight bytes persisted as channel state (unaligned checkpoints). */
  readonly bytesPersistedDuringAlignment: number;
}

/** Metrics of a task that reports none (e.g. a test or a finished task). */
export const EMPTY_CHECKPOINT_METRICS: CheckpointMetrics = Object.freeze({
  syncDurationMs: 0,
  asyncDurationMs: 0,
  alignmentDurationMs: 0,
  checkpointStartDelayMs: 0,
  unalignedCheckpoint: false,
  bytesPersistedDuringAlignment: 0,
});

/** The state one task snapshotted: one entry per operator (by uid) of its chain that has state. */
export type TaskStateSnapshot = readonly { readonly uid: string; readonly state: SubtaskState }[];
