/**
 * @module The names in Flink's checkpoint layout, `<dir>/<jobId>/chk-<n>/` (state files and `_metadata`)
 * beside `<dir>/<jobId>/shared/` and `taskowned/`, and of savepoint directories
 * (`<dir>/savepoint-<job>-<random>/`), and the rules that keep every name a plain file name and every
 * path a checkpoint records inside its directory.
 */
import { randomBytes } from 'node:crypto';
import { WeirError } from '../core/errors.ts';

/** Written last: a checkpoint directory without it does not exist. */
export const METADATA_FILE_NAME = '_metadata';
/** `_metadata` while it is written; renamed to `_metadata` once durable. Never read. */
export const METADATA_IN_PROGRESS_FILE_NAME = '_metadata.inprogress';
/** Per job: files referenced by several incremental checkpoints. */
export const SHARED_DIRECTORY_NAME = 'shared';
/** Per job: files owned by tasks rather than by one checkpoint. */
export const TASK_OWNED_DIRECTORY_NAME = 'taskowned';

const RESERVED_NAMES: ReadonlySet<string> = new Set([METADATA_FILE_NAME, METADATA_IN_PROGRESS_FILE_NAME]);
/** File systems commonly cap one name at 255 bytes. */
const MAX_NAME_BYTES = 255;

/** `chk-<n>`. */
export function checkpointDirectoryName(checkpointId: number): string {
  return `chk-${checkpointId}`;
}

/** The checkpoint id of a `chk-<n>` name, or undefined for any other name. */
export function parseCheckpointDirectoryName(name: string): number | undefined {
  const match = /^chk-([1-9][0-9]*)$/.exec(name);
  if (match?.[1] === undefined) return undefined;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? id : undefined;
}

/**
 * A new savepoint directory name, Flink's `savepoint-<first 6 characters of the job id>-<12 random hex
 * digits>`: the random part keeps two savepoints of one job apart.
 */
export function savepointDirectoryName(jobId: string): string {
  return `savepoint-${jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`;
}

/** True for a name {@link savepointDirectoryName} could have made. */
export function isSavepointDirectoryName(name: string): boolean {
  return /^savepoint-[^/\\]{1,6}-[0-9a-f]{12}$/.test(name);
}

/** Why `name` cannot be one path segment (a file or directory name), or undefined when it can. */
export function invalidNameReason(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'it is not a string';
  if (name.length === 0) return 'it is empty';
  if (name === '.' || name === '..') return 'it is a dot segment';
  if (name.includes('/') || name.includes('\\')) return 'it contains a path separator';
  if (name.includes('\0')) return 'it contains a NUL character';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `it is longer than ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

/**
 * Throws INVALID_OPTION unless `name` can name a state file in a checkpoint directory: one plain
 * file name, not `_metadata` or `_metadata.inprogress`.
 */
export function requireStateFileName(name: unknown, checkpointDirectory: string): string {
  const reason = invalidNameReason(name) ?? (RESERVED_NAMES.has(name as string) ? 'it is reserved for the checkpoint metadata' : undefined);
  if (reason !== undefined) {
    throw new WeirError('INVALID_OPTION', `invalid state file name ${JSON.stringify(name)} in ${checkpointDirectory}: ${reason}`, {
      hint: 'Name a state file by a plain file name without separators, such as `<operator uid>-<subtask>-keyed`.',
    });
  }
  return name as string;
}

/** Throws INVALID_OPTION unless `jobId` can name a job directory. */
export function requireJobIdName(jobId: unknown, storageDirectory: string): string {
  const reason = invalidNameReason(jobId);
  if (reason !== undefined) {
    throw new WeirError('INVALID_OPTION', `invalid job id ${JSON.stringify(jobId)} for checkpoint storage ${storageDirectory}: ${reason}`, {
      hint: 'Job ids name directories; use the hex ids weir generates.',
    });
  }
  return jobId as string;
}

/** Throws INVALID_OPTION unless `checkpointId` is a positive safe integer. */
export function requireCheckpointId(checkpointId: unknown, storageDirectory: string): number {
  if (typeof checkpointId !== 'number' || !Number.isSafeInteger(checkpointId) || checkpointId < 1) {
    throw new WeirError('INVALID_OPTION', `invalid checkpoint id ${String(checkpointId)} for checkpoint storage ${storageDirectory}: it must be an integer from 1`);
  }
  return checkpointId;
}

/**
 * Why a state handle's path would reach outside its checkpoint directory (absolute, `..`, a backslash)
 * or onto the metadata, or undefined when it stays inside. Paths use `/` between segments.
 */
export function unsafeStatePathReason(path: unknown): string | undefined {
  if (typeof path !== 'string') return 'it is not a string';
  if (path.startsWith('/')) return 'it is absolute';
  for (const segment of path.split('/')) {
    const reason = invalidNameReason(segment);
    if (reason !== undefined) return `it leaves the checkpoint directory or is malformed (a segment: ${reason})`;
  }
  if (RESERVED_NAMES.has(path)) return 'it names the checkpoint metadata';
  return undefined;
}
