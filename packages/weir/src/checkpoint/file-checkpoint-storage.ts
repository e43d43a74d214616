/**
 * @module FileCheckpointStorage: checkpoints as directories on a file system, in Flink's layout
 * `<directory>/<jobId>/chk-<n>/`, with every file fsynced and `_metadata` committed atomically last.
 */
import path from 'node:path';
import { WeirError, describeCause } from '../core/errors.ts';
import { errnoCode } from './checkpoint-file-system.ts';
import {
  METADATA_FILE_NAME,
  METADATA_IN_PROGRESS_FILE_NAME,
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
import { NodeCheckpointFileSystem } from './node-checkpoint-file-system.ts';
import { createStateHandle } from './state-handles.ts';
import type { CheckpointFileStat, CheckpointFileSystem, FileBytes } from './checkpoint-file-system.ts';
import type { CheckpointMetadata, StateHandle } from './checkpoint-metadata.ts';
import type { CheckpointLocation, CheckpointStorage, CompletedCheckpointRef } from './checkpoint-storage.ts';
import type { CheckpointDirectoryReader } from './checkpoint-verification.ts';

export interface FileCheckpointStorageOptions {
  /** The root of all checkpoints (`state.checkpoints.dir`); a relative path resolves against the working directory. */
  readonly directory: string;
  /** Where the bytes go; the real file system when absent. Tests pass a FaultInjectingFileSystem. */
  readonly fileSystem?: CheckpointFileSystem | undefined;
}

/**
 * Checkpoint storage on a file system. Every path it returns is absolute; state handles hold paths
 * relative to their checkpoint directory, so a directory can be moved (or copied elsewhere as a
 * savepoint) and still loads. Failures of the file system reject with STORAGE_FAILED (retriable), a
 * directory that is not a valid completed checkpoint with CHECKPOINT_CORRUPT.
 *
 * @example
 * const storage = new FileCheckpointStorage({ directory: '/var/lib/weir/checkpoints' });
 * const location = await storage.initializeLocation(jobId, 7);
 * const handle = await storage.writeState(location, 'counter-0-keyed', bytes);
 * await storage.commitMetadata(location, metadataRecording(handle));
 */
export class FileCheckpointStorage implements CheckpointStorage {
  /** The root, absolute. */
  readonly directory: string;
  readonly #fileSystem: CheckpointFileSystem;

  constructor(options: FileCheckpointStorageOptions) {
    if (typeof options.directory !== 'string' || options.directory.length === 0) {
      throw new WeirError('INVALID_OPTION', `invalid checkpoint directory ${JSON.stringify(options.directory)}: expected a non-empty path`, {
        hint: 'Set state.checkpoints.dir to a directory path.',
      });
    }
    this.directory = path.resolve(options.directory);
    this.#fileSystem = options.fileSystem ?? new NodeCheckpointFileSystem();
  }

  async initializeLocation(jobId: string, checkpointId: number): Promise<CheckpointLocation> {
    requireJobIdName(jobId, this.directory);
    requireCheckpointId(checkpointId, this.directory);
    const jobDirectory = path.join(this.directory, jobId);
    const directory = path.join(jobDirectory, checkpointDirectoryName(checkpointId));
    for (const name of [SHARED_DIRECTORY_NAME, TASK_OWNED_DIRECTORY_NAME]) {
      const created = path.join(jobDirectory, name);
      await this.#io('create directory', created, () => this.#fileSystem.mkdir(created));
    }
    if ((await this.#stat(directory)) !== undefined) {
      if ((await this.#stat(path.join(directory, METADATA_FILE_NAME))) !== undefined) throw alreadyCompleted(directory);
      // Left by an attempt that never completed (a crash before the coordinator discarded it): it is
      // not a checkpoint, and its files would clash with the new attempt's names.
      await this.#io('delete directory', directory, () => this.#fileSystem.rm(directory, { recursive: true }));
    }
    await this.#io('create directory', directory, () => this.#fileSystem.mkdir(directory));
    // The new entries must survive a power loss too, or a committed `_metadata` could vanish with its directory.
    await this.#io('sync directory', jobDirectory, () => this.#fileSystem.fsyncDirectory(jobDirectory));
    await this.#io('sync directory', this.directory, () => this.#fileSystem.fsyncDirectory(this.directory));
    return { jobId, checkpointId, directory };
  }

  async initializeSavepointLocation(jobId: string, checkpointId: number): Promise<CheckpointLocation> {
    requireJobIdName(jobId, this.directory);
    requireCheckpointId(checkpointId, this.directory);
    await this.#io('create directory', this.directory, () => this.#fileSystem.mkdir(this.directory));
    let directory = path.join(this.directory, savepointDirectoryName(jobId));
    // 48 random bits make a clash unlikely; never reuse a directory that exists.
    while ((await this.#stat(directory)) !== undefined) directory = path.join(this.directory, savepointDirectoryName(jobId));
    await this.#io('create directory', directory, () => this.#fileSystem.mkdir(directory));
    await this.#io('sync directory', this.directory, () => this.#fileSystem.fsyncDirectory(this.directory));
    return { jobId, checkpointId, directory };
  }

  async writeState(location: CheckpointLocation, name: string, bytes: FileBytes): Promise<StateHandle> {
    requireStateFileName(name, location.directory);
    const file = path.join(location.directory, name);
    const handle = createStateHandle(name, bytes);
    try {
      // Exclusive: two writers picking one name is a bug that would otherwise lose one's state. No
      // mkdir either: writing into a checkpoint discarded meanwhile must fail, not resurrect it.
      await this.#fileSystem.writeFileDurably(file, bytes, { exclusive: true });
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') {
        throw new WeirError('INVALID_OPTION', `state file ${file} already exists: every state file of a checkpoint needs its own name`, {
          hint: 'Include the operator uid and the subtask index in state file names.',
        });
      }
      await this.#removeQuietly(file);
      throw storageFailed('write state file', file, error);
    }
    // The file's directory entry becomes durable with the directory fsync of commitMetadata.
    return handle;
  }

  async linkState(location: CheckpointLocation, fromDirectory: string, handle: StateHandle): Promise<StateHandle> {
    requireStateFileName(handle.path, location.directory);
    const source = path.resolve(fromDirectory, handle.path);
    if (!isInside(this.directory, source)) {
      throw new WeirError('INVALID_OPTION', `refusing to link ${source} into ${location.directory}: it is not inside the checkpoint directory ${this.directory}`, {
        hint: 'Only files of this storage\'s checkpoints are reused by incremental checkpoints.',
      });
    }
    const target = path.join(location.directory, handle.path);
    try {
      await this.#fileSystem.link(source, target);
    } catch (error) {
      const code = errnoCode(error);
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') throw storageFailed('link state file', `${source} as ${target}`, error);
      // No hard links here: a verified copy keeps the directory self-contained all the same.
      await this.writeState(location, handle.path, await this.readState(path.dirname(source), handle));
    }
    // The link's directory entry becomes durable with the directory fsync of commitMetadata.
    return handle;
  }

  readState(directory: string, handle: StateHandle): Promise<Uint8Array> {
    const base = path.resolve(directory);
    return readVerifiedState(base, handle, this.#reader(base));
  }

  async commitMetadata(location: CheckpointLocation, metadata: CheckpointMetadata): Promise<CompletedCheckpointRef> {
    const directory = location.directory;
    const problem = commitProblem(location, metadata);
    if (problem !== undefined) throw new WeirError('INTERNAL', `cannot complete checkpoint ${directory}: ${problem}`);
    const reader = this.#reader(directory);
    if ((await reader.fileSize(METADATA_FILE_NAME)) !== undefined) throw alreadyCompleted(directory);
    const missing = await missingStateFile(metadata, reader);
    if (missing !== undefined) throw new WeirError('CHECKPOINT_FAILED', `cannot complete checkpoint ${directory}: ${missing}`);

    const bytes = encodeCheckpointMetadata(metadata);
    const inProgress = path.join(directory, METADATA_IN_PROGRESS_FILE_NAME);
    const final = path.join(directory, METADATA_FILE_NAME);
    try {
      // Not exclusive: a `.inprogress` left by an earlier failed commit is garbage to overwrite.
      await this.#fileSystem.writeFileDurably(inProgress, bytes, { exclusive: false });
    } catch (error) {
      await this.#removeQuietly(inProgress);
      throw storageFailed('write', inProgress, error);
    }
    try {
      await this.#fileSystem.rename(inProgress, final);
    } catch (error) {
      await this.#removeQuietly(inProgress);
      throw storageFailed(`rename to ${METADATA_FILE_NAME}`, inProgress, error);
    }
    try {
      await this.#fileSystem.fsyncDirectory(directory);
    } catch (error) {
      // The rename may not be durable, so the commit failed; the caller aborts the checkpoint, and a
      // `_metadata` left behind would make it reappear as completed after a restart.
      await this.#removeQuietly(final);
      throw storageFailed('sync directory', directory, error);
    }
    const written = decodeCheckpointMetadata(bytes);
    if (!written.ok) throw new WeirError('INTERNAL', `checkpoint ${directory}: the ${METADATA_FILE_NAME} just written ${written.reason}`);
    return { checkpointId: location.checkpointId, directory, metadata: written.metadata };
  }

  async discard(directory: string): Promise<void> {
    const target = path.resolve(directory);
    if (!isInside(this.directory, target)) {
      throw new WeirError('INVALID_OPTION', `refusing to discard ${target}: it is not inside the checkpoint directory ${this.directory}`, {
        hint: 'Only checkpoints of this storage are discarded; delete savepoints elsewhere by hand.',
      });
    }
    await this.#io('delete directory', target, () => this.#fileSystem.rm(target, { recursive: true }));
  }

  async loadCheckpoint(checkpointPath: string): Promise<CompletedCheckpointRef> {
    const resolved = path.resolve(checkpointPath);
    const directory = path.basename(resolved) === METADATA_FILE_NAME ? path.dirname(resolved) : resolved;
    const found = await this.#stat(directory);
    const missing = found === undefined ? 'does not exist' : found.kind !== 'directory' ? 'is not a directory' : undefined;
    return loadVerifiedCheckpoint(checkpointPath, directory, this.#reader(directory), missing);
  }

  async listCompleted(jobId: string | undefined, onInvalid?: (directory: string, reason: string) => void): Promise<CompletedCheckpointRef[]> {
    const jobDirectories = jobId === undefined ? await this.#jobDirectories() : [path.join(this.directory, requireJobIdName(jobId, this.directory))];
    const completed: CompletedCheckpointRef[] = [];
    for (const jobDirectory of jobDirectories) {
      const ids = (await this.#readdirOrEmpty(jobDirectory))
        .map(parseCheckpointDirectoryName)
        .filter((id) => id !== undefined)
        .sort((a, b) => a - b);
      for (const id of ids) {
        const directory = path.join(jobDirectory, checkpointDirectoryName(id));
        const found = await this.#stat(directory);
        if (found === undefined) continue; // discarded while we listed
        if (found.kind !== 'directory') {
          onInvalid?.(directory, 'is not a directory');
          continue;
        }
        // I/O failures propagate: skipping an unreadable newest checkpoint would silently restore an older one.
        const verdict = await verifyCheckpoint(directory, this.#reader(directory));
        if (verdict.valid) completed.push(verdict.checkpoint);
        else onInvalid?.(directory, verdict.reason);
      }
    }
    return completed.sort(newestFirst);
  }

  #reader(directory: string): CheckpointDirectoryReader {
    const resolve = (relativePath: string): string => path.join(directory, ...relativePath.split('/'));
    return {
      readFile: async (relativePath) => {
        const file = resolve(relativePath);
        try {
          return await this.#fileSystem.readFile(file);
        } catch (error) {
          const code = errnoCode(error);
          if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
          throw storageFailed('read', file, error);
        }
      },
      fileSize: async (relativePath) => {
        const found = await this.#stat(resolve(relativePath));
        return found?.kind === 'file' ? found.size : undefined;
      },
    };
  }

  async #jobDirectories(): Promise<string[]> {
    const directories: string[] = [];
    for (const name of (await this.#readdirOrEmpty(this.directory)).sort()) {
      const candidate = path.join(this.directory, name);
      if ((await this.#stat(candidate))?.kind === 'directory') directories.push(candidate);
    }
    return directories;
  }

  async #readdirOrEmpty(directory: string): Promise<string[]> {
    try {
      return await this.#fileSystem.readdir(directory);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw storageFailed('list directory', directory, error);
    }
  }

  async #stat(target: string): Promise<CheckpointFileStat | undefined> {
    return await this.#io('inspect', target, () => this.#fileSystem.stat(target));
  }

  async #io<T>(action: string, target: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw storageFailed(action, target, error);
    }
  }

  /** Best-effort cleanup after a failed write; the original failure is what the caller must see. */
  async #removeQuietly(file: string): Promise<void> {
    try {
      await this.#fileSystem.rm(file, { recursive: false });
    } catch {
      // ignored: the file is garbage either way, and a checkpoint without `_metadata` does not exist
    }
  }
}

/** True when `target` (absolute) lies strictly inside `root`. */
function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return !(relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative));
}

function alreadyCompleted(directory: string): WeirError {
  return new WeirError('CHECKPOINT_FAILED', `checkpoint ${directory} is already completed: its ${METADATA_FILE_NAME} exists`, {
    hint: 'Checkpoint ids only increase; after a restore, continue counting after the restored checkpoint id.',
  });
}

/** STORAGE_FAILED naming the path and the errno code, with a hint for the common codes. */
function storageFailed(action: string, target: string, cause: unknown): WeirError {
  const code = errnoCode(cause);
  return new WeirError('STORAGE_FAILED', `could not ${action} ${target}: ${code ?? describeCause(cause)}`, {
    retriable: true,
    cause,
    hint: STORAGE_HINTS[code ?? ''] ?? 'Check that the checkpoint directory is reachable and writable; the next checkpoint retries.',
  });
}

const STORAGE_HINTS: Readonly<Record<string, string>> = {
  ENOSPC: 'The disk is full: free space or point state.checkpoints.dir at a larger volume.',
  EDQUOT: 'The disk quota is exhausted: free space or raise the quota.',
  EACCES: 'weir may not write there: check the permissions of the checkpoint directory.',
  EPERM: 'weir may not write there: check the permissions of the checkpoint directory.',
  EROFS: 'The file system is read-only: point state.checkpoints.dir at a writable one.',
  EIO: 'The storage reported an I/O error: check the disk or the mount; the next checkpoint retries.',
  ENOENT: 'The checkpoint directory is gone: the checkpoint was probably aborted and discarded meanwhile.',
};
