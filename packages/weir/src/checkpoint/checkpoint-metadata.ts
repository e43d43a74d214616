/**
 * @module What a completed checkpoint or savepoint records in its `_metadata` file: for every operator
 * (by uid) and subtask, handles to the state files written for it. Plain JSON data.
 */

export type SnapshotType = 'checkpoint' | 'savepoint';

/** A file of state written by a subtask (or the JobManager), with what is needed to verify it. */
export interface StateHandle {
  /** Path relative to the checkpoint's directory (so a savepoint can be moved), or to `shared/` for shared files. */
  readonly path: string;
  readonly size: number;
  /** Hex SHA-256 of the file's bytes. */
  readonly checksum: string;
}

/**
 * Keyed state of one subtask: the file and the key groups it holds. With incremental checkpoints the
 * file may hold only the changes since earlier files (`base`), which the same directory holds too.
 */
export interface KeyedStateHandle extends StateHandle {
  readonly keyGroupStart: number;
  readonly keyGroupEnd: number;
  /**
   * Incremental checkpoints: the files this one's changes apply to, oldest first: a full snapshot,
   * then the changes of each later checkpoint. A restore reads them in order, then this file.
   */
  readonly base?: readonly StateHandle[] | undefined;
}

/** What one subtask of one operator snapshotted. */
export interface SubtaskState {
  readonly subtask: number;
  readonly keyedState?: KeyedStateHandle | undefined;
  /** Operator state (list, union) including source split positions. */
  readonly operatorState?: StateHandle | undefined;
  /** In-flight records of an unaligned checkpoint (input channels, output buffers). */
  readonly channelState?: StateHandle | undefined;
}

export interface OperatorSnapshot {
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly subtasks: readonly SubtaskState[];
}

export interface CheckpointMetadata {
  readonly version: 1;
  readonly jobId: string;
  readonly jobName: string;
  readonly checkpointId: number;
  readonly type: SnapshotType;
  /** Trigger time, epoch ms. */
  readonly timestamp: number;
  readonly operators: readonly OperatorSnapshot[];
}
