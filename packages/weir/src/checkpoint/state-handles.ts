/**
 * @module State handles: making one for bytes just written (size and SHA-256), checking bytes read
 * back against one, and finding every handle a checkpoint's metadata records.
 */
import { createHash } from 'node:crypto';
import type { CheckpointMetadata, StateHandle } from './checkpoint-metadata.ts';
import { byteLengthOf, piecesOf, type FileBytes } from './checkpoint-file-system.ts';

/** Lowercase hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The handle of `bytes` stored at `path` (relative to the checkpoint directory). */
export function createStateHandle(path: string, bytes: FileBytes): StateHandle {
  const hash = createHash('sha256');
  for (const piece of piecesOf(bytes)) hash.update(piece);
  return { path, size: byteLengthOf(bytes), checksum: hash.digest('hex') };
}

/** Why `bytes` are not what `handle` recorded (to follow the file's name in a message), or undefined. */
export function stateMismatchReason(handle: StateHandle, bytes: Uint8Array): string | undefined {
  if (bytes.byteLength !== handle.size) {
    return `has ${bytes.byteLength} bytes where the checkpoint recorded ${handle.size} (file truncated or replaced)`;
  }
  if (sha256Hex(bytes) !== handle.checksum) return 'checksum mismatch (file corrupted)';
  return undefined;
}

/** A handle found in metadata, with who wrote it, for messages. */
export interface RecordedStateHandle {
  readonly handle: StateHandle;
  /** E.g. `operator 'counter' subtask 1 keyed state`. */
  readonly owner: string;
}

/** Every state handle `metadata` records, in operator and subtask order. */
export function stateHandlesOf(metadata: CheckpointMetadata): RecordedStateHandle[] {
  const handles: RecordedStateHandle[] = [];
  for (const operator of metadata.operators) {
    for (const subtask of operator.subtasks) {
      const owner = `operator '${operator.uid}' subtask ${subtask.subtask}`;
      for (const [i, handle] of (subtask.keyedState?.base ?? []).entries()) handles.push({ handle, owner: `${owner} keyed state (base ${i + 1})` });
      if (subtask.keyedState !== undefined) handles.push({ handle: subtask.keyedState, owner: `${owner} keyed state` });
      if (subtask.operatorState !== undefined) handles.push({ handle: subtask.operatorState, owner: `${owner} operator state` });
      if (subtask.channelState !== undefined) handles.push({ handle: subtask.channelState, owner: `${owner} channel state` });
    }
  }
  return handles;
}
