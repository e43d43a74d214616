/**
 * @module The decisions every CheckpointStorage shares, apart from its I/O: whether a checkpoint
 * directory holds a completed checkpoint (valid `_metadata`, every state file present at its recorded
 * size), whether metadata may be committed to a location, and the newest-first order of listings.
 */
import path from 'node:path';
import { WeirError } from '../core/errors.ts';
import { METADATA_FILE_NAME, METADATA_IN_PROGRESS_FILE_NAME, parseCheckpointDirectoryName, unsafeStatePathReason } from './checkpoint-layout.ts';
import { checkMetadata, decodeCheckpointMetadata } from './checkpoint-metadata-codec.ts';
import { stateHandlesOf, stateMismatchReason } from './state-handles.ts';
import type { CheckpointMetadata, StateHandle } from './checkpoint-metadata.ts';
import type { CheckpointLocation, CompletedCheckpointRef } from './checkpoint-storage.ts';

/** Read access to the files of one checkpoint directory, by path relative to it. */
export interface CheckpointDirectoryReader {
  /** The bytes of a file, or undefined when it does not exist; other failures reject (STORAGE_FAILED). */
  readFile(relativePath: string): Promise<Uint8Array | undefined>;
  /** The size of a file, or undefined when it does not exist; other failures reject (STORAGE_FAILED). */
  fileSize(relativePath: string): Promise<number | undefined>;
}

/** Whether a directory holds a completed checkpoint. */
export type CheckpointVerdict =
  | { readonly valid: true; readonly checkpoint: CompletedCheckpointRef }
  /** `reason` says what is wrong, without the directory (`missing _metadata: ...`). */
  | { readonly valid: false; readonly reason: string };

/**
 * Reads and verifies `_metadata` of `directory` and checks that every state file it records exists with
 * its recorded size (checksums are verified when a file is read: hashing all state here would make
 * listing as slow as restoring).
 */
export async function verifyCheckpoint(directory: string, reader: CheckpointDirectoryReader): Promise<CheckpointVerdict> {
  const bytes = await reader.readFile(METADATA_FILE_NAME);
  if (bytes === undefined) {
    const leftover = (await reader.fileSize(METADATA_IN_PROGRESS_FILE_NAME)) !== undefined;
    const note = leftover ? ` (${METADATA_IN_PROGRESS_FILE_NAME} was left by a commit that failed or crashed)` : '';
    return { valid: false, reason: `missing ${METADATA_FILE_NAME}: the checkpoint was never completed${note}` };
  }
  const decoded = decodeCheckpointMetadata(bytes);
  if (!decoded.ok) return { valid: false, reason: `${METADATA_FILE_NAME} ${decoded.reason}` };
  const metadata = decoded.metadata;
  // A `_metadata` copied into another chk directory would pair with state files it did not record.
  const idFromName = parseCheckpointDirectoryName(path.basename(directory));
  if (idFromName !== undefined && idFromName !== metadata.checkpointId) {
    return { valid: false, reason: `${METADATA_FILE_NAME} records checkpoint ${metadata.checkpointId} but the directory is chk-${idFromName}` };
  }
  const missing = await missingStateFile(metadata, reader);
  if (missing !== undefined) return { valid: false, reason: missing };
  return { valid: true, checkpoint: { checkpointId: metadata.checkpointId, directory, metadata } };
}

/** What is wrong with committing `metadata` to `location` (files are checked by {@link missingStateFile}). */
export function commitProblem(location: CheckpointLocation, metadata: CheckpointMetadata): string | undefined {
  const problem = checkMetadata(metadata);
  if (problem !== undefined) return `the metadata is malformed: ${problem}`;
  if (metadata.jobId !== location.jobId || metadata.checkpointId !== location.checkpointId) {
    return `the metadata is of job ${metadata.jobId} checkpoint ${metadata.checkpointId}, the location of job ${location.jobId} checkpoint ${location.checkpointId}`;
  }
  return undefined;
}

/** The first state file `metadata` records that is missing or has another size, described; or undefined. */
export async function missingStateFile(metadata: CheckpointMetadata, reader: CheckpointDirectoryReader): Promise<string | undefined> {
  for (const { handle, owner } of stateHandlesOf(metadata)) {
    const size = await reader.fileSize(handle.path);
    if (size === undefined) return `state file ${handle.path} of ${owner} is missing`;
    if (size !== handle.size) {
      return `state file ${handle.path} of ${owner} has ${size} bytes where the checkpoint recorded ${handle.size} (file truncated or replaced)`;
    }
  }
  return undefined;
}

/** CHECKPOINT_CORRUPT: `directory` holds no usable checkpoint. */
/** Reads a state file of a checkpoint directory and verifies its path, size and checksum. */
export async function readVerifiedState(base: string, handle: StateHandle, reader: CheckpointDirectoryReader): Promise<Uint8Array> {
  const unsafe = unsafeStatePathReason(handle.path);
  if (unsafe !== undefined) throw checkpointCorrupt(base, `state file path ${JSON.stringify(handle.path)} is rejected: ${unsafe}`);
  const bytes = await reader.readFile(handle.path);
  if (bytes === undefined) throw checkpointCorrupt(base, `state file ${handle.path} is missing`);
  const mismatch = stateMismatchReason(handle, bytes);
  if (mismatch !== undefined) throw checkpointCorrupt(base, `state file ${handle.path} ${mismatch}`);
  return bytes;
}

/**
 * Loads the checkpoint at `directory` (its existence already checked by the storage, `what` says why
 * it is not one when it is missing): verified `_metadata` and state files, or CHECKPOINT_CORRUPT.
 */
export async function loadVerifiedCheckpoint(checkpointPath: string, directory: string, reader: CheckpointDirectoryReader, missing?: string): Promise<CompletedCheckpointRef> {
  if (missing !== undefined) {
    throw new WeirError('INVALID_OPTION', `no checkpoint at ${checkpointPath}: ${directory} ${missing}`, {
      hint: `Name a checkpoint directory (chk-<n>, or a savepoint directory) or its ${METADATA_FILE_NAME} file.`,
    });
  }
  const verdict = await verifyCheckpoint(directory, reader);
  if (!verdict.valid) throw checkpointCorrupt(directory, verdict.reason);
  return verdict.checkpoint;
}

export function checkpointCorrupt(directory: string, reason: string): WeirError {
  return new WeirError('CHECKPOINT_CORRUPT', `checkpoint ${directory}: ${reason}`, {
    hint: 'This checkpoint cannot be restored; start from an older retained checkpoint or a savepoint.',
  });
}

/** Orders completed checkpoints newest first: by trigger time, then by id. */
export function newestFirst(a: CompletedCheckpointRef, b: CompletedCheckpointRef): number {
  return b.metadata.timestamp - a.metadata.timestamp || b.checkpointId - a.checkpointId;
}
