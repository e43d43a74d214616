/**
 * @module A CompletedCheckpoint: a checkpoint or savepoint whose `_metadata` is committed, with what the
 * coordinator knows about it (trigger and completion time, size). Plain data.
 */
import type { CheckpointId } from '../core/ids.ts';
import type { CheckpointMetadata, SnapshotType, StateHandle, SubtaskState } from './checkpoint-metadata.ts';

export interface CompletedCheckpoint {
  readonly checkpointId: CheckpointId;
  readonly type: SnapshotType;
  /** Trigger time, epoch ms. */
  readonly timestamp: number;
  /** When `_metadata` was committed, epoch ms. */
  readonly completedAt: number;
  /** The checkpoint's directory in the storage (what `discard` takes). */
  readonly directory: string;
  readonly metadata: CheckpointMetadata;
  /** Sum of the sizes of every state file, bytes. */
  readonly stateSize: number;
}

/** Every state handle of a subtask's snapshot. */
export function subtaskStateHandles(state: SubtaskState): StateHandle[] {
  return [...(state.keyedState?.base ?? []), state.keyedState, state.operatorState, state.channelState].filter((h): h is StateHandle => h !== undefined);
}

/** Sum of the sizes of every state file the metadata references, bytes. */
export function metadataStateSize(metadata: CheckpointMetadata): number {
  let size = 0;
  for (const operator of metadata.operators) {
    for (const subtask of operator.subtasks) for (const handle of subtaskStateHandles(subtask)) size += handle.size;
  }
  return size;
}
