/**
 * @module MemoryCheckpointStorage: checkpoint storage in maps, with the file storage's semantics
 * (layout, checksums, `_metadata` written last, the same errors), for unit tests of the coordinator.
 */
import path from 'node:path';
import { WeirError } from '../core/errors.ts';
import {
  METADATA_FILE_NAME,
  SHARED_DIRECTORY_NAME,
  TASK_OWNED_DIRECTORY_NAME,
  checkpointDirectoryName,
  parseCheckpointDirectoryName,
  requireCheckpointId,
  requireJobIdName,
  requireStateFileName,
  savepointDirectoryName,
} from './checkpoint-layout.ts';
import { decodeCheckpointMetadata, encodeCheckpointMetadata } from './checkpoint-metadata-codec.ts';
import { commitProblem, loadVerifiedCheckpoint, missingStateFile, newestFirst, readVerifiedState, verifyCheckpoint } from './checkpoint-verification.ts';
import { piecesOf, type FileBytes } from './checkpoint-file-system.ts';
import { createStateHandle } from './state-handles.ts';
import type { CheckpointMetadata, StateHandle } from './checkpoint-metadata.ts';
import type { CheckpointLocation, CheckpointStorage, CompletedCheckpointRef } from './checkpoint-storage.ts';
import type { CheckpointDirectoryReader } from './checkpoint-verification.ts';

export interface MemoryCheckpointStorageOptions {
  /** The prefix of every path; `memory:` when absent. Paths use `/`. */
  readonly directory?: string | undefined;
}

/**
 * Checkpoints in memory: directories are a set of paths, files a map from path to bytes (copied in and
 * out, so callers may reuse their buffers). Paths look like `memory:/<jobId>/chk-<n>`.
 *
 * @example
 * const storage = new MemoryCheckpointStorage();
 * const coordinator = createCheckpointCoordinator({ storage, clock, ... });
 */
export class MemoryCheckpointStorage implements CheckpointStorage {
  readonly directory: string;
  readonly #directories = new Set<string>();
  readonly #files = new Map<string, Uint8Array>();

  constructor(options: MemoryCheckpointStorageOptions = {}) {
    this.directory = normalize(options.directory ?? 'memory:');
    this.#directories.add(this.directory);
  }

  /** Replaces the bytes of a stored file with `change(bytes)`, for tests that simulate corruption. */
  tamper(file: string, change: (bytes: Uint8Array) => Uint8Array): void {
    const key = normalize(file);
    const bytes = this.#files.get(key);
    if (bytes === undefined) throw new Error(`MemoryCheckpointStorage.tamper: no file ${key}`);
    this.#files.set(key, change(bytes.slice()));
  }

  /** Paths of every stored file, sorted (for tests that check what is left behind). */
  listFiles(): string[] {
    return [...this.#files.keys()].sort();
  }

  async initializeLocation(jobId: string, checkpointId: number): Promise<CheckpointLocation> {
    requireJobIdName(jobId, this.directory);
    requireCheckpointId(checkpointId, this.directory);
    const jobDirectory = path.posix.join(this.directory, jobId);
    const directory = path.posix.join(jobDirectory, checkpointDirectoryName(checkpointId));
    this.#directories.add(jobDirectory);
    this.#directories.add(path.posix.join(jobDirectory, SHARED_DIRECTORY_NAME));
    this.#directories.add(path.posix.join(jobDirectory, TASK_OWNED_DIRECTORY_NAME));
    if (this.#directories.has(directory)) {
      if (this.#files.has(path.posix.join(directory, METADATA_FILE_NAME))) throw alreadyCompleted(directory);
      this.#delete(directory); // an attempt that never completed, as in FileCheckpointStorage
    }
    this.#directories.add(directory);
    return Promise.resolve({ jobId, checkpointId, directory });
  }

  async initializeSavepointLocation(jobId: string, checkpointId: number): Promise<CheckpointLocation> {
    requireJobIdName(jobId, this.directory);
    requireCheckpointId(checkpointId, this.directory);
    let directory = path.posix.join(this.directory, savepointDirectoryName(jobId));
    while (this.#directories.has(directory)) directory = path.posix.join(this.directory, savepointDirectoryName(jobId));
    this.#directories.add(directory);
    return Promise.resolve({ jobId, checkpointId, directory });
  }

  async writeState(location: CheckpointLocation, name: string, bytes: FileBytes): Promise<StateHandle> {
    requireStateFileName(name, location.directory);
    const directory = normalize(location.directory);
    const file = path.posix.join(directory, name);
    if (!this.#directories.has(directory)) {
      throw new WeirError('STORAGE_FAILED', `could not write state file ${file}: ENOENT`, {
        retriable: true,
        hint: 'The checkpoint directory is gone: the checkpoint was probably aborted and discarded meanwhile.',
      });
    }
    if (this.#files.has(file)) {
      throw new WeirError('INVALID_OPTION', `state file ${file} already exists: every state file of a checkpoint needs its own name`, {
        hint: 'Include the operator uid and the subtask index in state file names.',
      });
    }
    this.#files.set(file, new Uint8Array(Buffer.concat(piecesOf(bytes))));
    return Promise.resolve(createStateHandle(name, bytes));
  }

  async linkState(location: CheckpointLocation, fromDirectory: string, handle: StateHandle): Promise<StateHandle> {
    const source = path.posix.join(normalize(fromDirectory), handle.path);
    if (!this.#files.has(source)) {
      throw new WeirError('STORAGE_FAILED', `could not link state file ${source} into ${location.directory}: ENOENT`, {
        retriable: true,
        hint: 'The checkpoint directory is gone: the checkpoint was probably aborted and discarded meanwhile.',
      });
    }
    const bytes = await this.readState(fromDirectory, handle);
    return await this.writeState(location, handle.path, bytes);
  }

  readState(directory: string, handle: StateHandle): Promise<Uint8Array> {
    const base = normalize(directory);
    return readVerifiedState(base, handle, this.#reader(base));
  }

  async commitMetadata(location: CheckpointLocation, metadata: CheckpointMetadata): Promise<CompletedCheckpointRef> {
    const directory = normalize(location.directory);
    const problem = commitProblem(location, metadata);
    if (problem !== undefined) throw new WeirError('INTERNAL', `cannot complete checkpoint ${directory}: ${problem}`);
    if (!this.#directories.has(directory)) {
      throw new WeirError('STORAGE_FAILED', `could not write ${path.posix.join(directory, METADATA_FILE_NAME)}: ENOENT`, { retriable: true });
    }
    const reader = this.#reader(directory);
    if ((await reader.fileSize(METADATA_FILE_NAME)) !== undefined) throw alreadyCompleted(directory);
    const missing = await missingStateFile(metadata, reader);
    if (missing !== undefined) throw new WeirError('CHECKPOINT_FAILED', `cannot complete checkpoint ${directory}: ${missing}`);
    const bytes = encodeCheckpointMetadata(metadata);
    // One map update: the memory counterpart of write-fsync-rename, visible whole or not at all.
    this.#files.set(path.posix.join(directory, METADATA_FILE_NAME), bytes);
    const written = decodeCheckpointMetadata(bytes);
    if (!written.ok) throw new WeirError('INTERNAL', `checkpoint ${directory}: the ${METADATA_FILE_NAME} just written ${written.reason}`);
    return { checkpointId: location.checkpointId, directory, metadata: written.metadata };
  }

  async discard(directory: string): Promise<void> {
    const target = normalize(directory);
    if (!target.startsWith(`${this.directory}/`)) {
      throw new WeirError('INVALID_OPTION', `refusing to discard ${target}: it is not inside the checkpoint directory ${this.directory}`, {
        hint: 'Only checkpoints of this storage are discarded; delete savepoints elsewhere by hand.',
      });
    }
    this.#delete(target);
    return Promise.resolve();
  }

  async loadCheckpoint(checkpointPath: string): Promise<CompletedCheckpointRef> {
    const resolved = normalize(checkpointPath);
    const directory = path.posix.basename(resolved) === METADATA_FILE_NAME ? path.posix.dirname(resolved) : resolved;
    const missing = this.#directories.has(directory) ? undefined : this.#files.has(directory) ? 'is not a directory' : 'does not exist';
    return loadVerifiedCheckpoint(checkpointPath, directory, this.#reader(directory), missing);
  }

  async listCompleted(jobId: string | undefined, onInvalid?: (directory: string, reason: string) => void): Promise<CompletedCheckpointRef[]> {
    const jobDirectory = jobId === undefined ? undefined : path.posix.join(this.directory, requireJobIdName(jobId, this.directory));
    const candidates: { directory: string; id: number }[] = [];
    for (const directory of this.#directories) {
      const id = parseCheckpointDirectoryName(path.posix.basename(directory));
      const parent = path.posix.dirname(directory);
      const inScope = jobDirectory === undefined ? path.posix.dirname(parent) === this.directory : parent === jobDirectory;
      if (id !== undefined && inScope) candidates.push({ directory, id });
    }
    // The file storage reports invalid checkpoints job by job in id order; so does this.
    candidates.sort((a, b) => compareText(path.posix.dirname(a.directory), path.posix.dirname(b.directory)) || a.id - b.id);
    const completed: CompletedCheckpointRef[] = [];
    for (const { directory } of candidates) {
      const verdict = await verifyCheckpoint(directory, this.#reader(directory));
      if (verdict.valid) completed.push(verdict.checkpoint);
      else onInvalid?.(directory, verdict.reason);
    }
    return completed.sort(newestFirst);
  }

  #reader(directory: string): CheckpointDirectoryReader {
    return {
      readFile: (relativePath) => Promise.resolve(this.#files.get(path.posix.join(directory, relativePath))?.slice()),
      fileSize: (relativePath) => Promise.resolve(this.#files.get(path.posix.join(directory, relativePath))?.byteLength),
    };
  }

  #delete(directory: string): void {
    const prefix = `${directory}/`;
    for (const file of this.#files.keys()) if (file.startsWith(prefix)) this.#files.delete(file);
    for (const entry of this.#directories) if (entry === directory || entry.startsWith(prefix)) this.#directories.delete(entry);
  }
}

function normalize(target: string): string {
  const normalized = path.posix.normalize(target);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function alreadyCompleted(directory: string): WeirError {
  return new WeirError('CHECKPOINT_FAILED', `checkpoint ${directory} is already completed: its ${METADATA_FILE_NAME} exists`, {
    hint: 'Checkpoint ids only increase; after a restore, continue counting after the restored checkpoint id.',
  });
}
