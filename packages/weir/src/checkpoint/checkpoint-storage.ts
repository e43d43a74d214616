/**
 * @module The checkpoint storage contract: where state files and `_metadata` go. The layout is Flink's,
 * `<dir>/<jobId>/chk-<n>/` holding state files and, written last and atomically, `_metadata`; a
 * checkpoint without a valid `_metadata` does not exist. Savepoints are directories of their own,
 * `<dir>/savepoint-<job>-<random>/`. Implementations: file system and memory.
 */
import type { FileBytes } from './checkpoint-file-system.ts';
import type { CheckpointMetadata, StateHandle } from './checkpoint-metadata.ts';

/** Where one pending checkpoint's files go. */
export interface CheckpointLocation {
  readonly jobId: string;
  readonly checkpointId: number;
  /** The directory (file storage) or key prefix (memory storage) of `chk-<n>`. */
  readonly directory: string;
}

/** A checkpoint whose `_metadata` was read and verified. */
export interface CompletedCheckpointRef {
  readonly checkpointId: number;
  readonly directory: string;
  readonly metadata: CheckpointMetadata;
}

export interface CheckpointStorage {
  /** Creates the directory of checkpoint `checkpointId` of `jobId`. */
  initializeLocation(jobId: string, checkpointId: number): Promise<CheckpointLocation>;
  /**
   * Creates a new savepoint directory directly under the storage's root (Flink's
   * `savepoint-<job id, 6 characters>-<12 random hex digits>`): self-contained, with `_metadata` and
   * every state file inside it and nothing shared with checkpoints, so it can be moved or copied.
   */
  initializeSavepointLocation(jobId: string, checkpointId: number): Promise<CheckpointLocation>;
  /**
   * Writes one state file durably (fsync) under the location and returns its handle with a checksum.
   * `name` must be a plain file name (no separators); a clash with an existing file is an error.
   * The bytes may come in pieces, written back to back.
   */
  writeState(location: CheckpointLocation, name: string, bytes: FileBytes): Promise<StateHandle>;
  /**
   * Makes the state file `handle` of the checkpoint directory `fromDirectory` a file of `location` too,
   * under the same name, and returns its handle there (the same): incremental checkpoints reuse the
   * files of earlier ones this way, and each checkpoint directory still holds every file it needs. A
   * hard link where the storage has them, a copy otherwise; either way nothing is shared that a
   * later delete of `fromDirectory` could take away.
   */
  linkState(location: CheckpointLocation, fromDirectory: string, handle: StateHandle): Promise<StateHandle>;
  /** Reads a state file of a checkpoint directory and verifies its size and checksum (CHECKPOINT_CORRUPT otherwise). */
  readState(directory: string, handle: StateHandle): Promise<Uint8Array>;
  /** Writes `_metadata` last and atomically (temp file, fsync, rename, fsync of the directory). */
  commitMetadata(location: CheckpointLocation, metadata: CheckpointMetadata): Promise<CompletedCheckpointRef>;
  /** Deletes a checkpoint directory with everything in it (aborted, subsumed or disposed). */
  discard(directory: string): Promise<void>;
  /** Reads and verifies `_metadata` of a checkpoint directory (or of a path to `_metadata` itself). */
  loadCheckpoint(path: string): Promise<CompletedCheckpointRef>;
  /**
   * Completed checkpoints of a job (of every job under the storage's directory when `jobId` is
   * undefined), newest first by trigger time. Directories without a valid `_metadata` are skipped and
   * reported through `onInvalid` with the reason, never returned.
   */
  listCompleted(jobId: string | undefined, onInvalid?: (directory: string, reason: string) => void): Promise<CompletedCheckpointRef[]>;
}
