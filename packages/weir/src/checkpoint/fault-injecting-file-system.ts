/**
 * @module FaultInjectingFileSystem: wraps a CheckpointFileSystem and fails chosen operations on chosen
 * paths with errno codes, or "crashes" (leaving a partly written file and refusing everything after),
 * so tests can check what storage leaves behind when the disk fills up or the process dies.
 */
import { piecesOf } from './checkpoint-file-system.ts';
import type { CheckpointFileOperation, CheckpointFileStat, CheckpointFileSystem, FileBytes, WriteFileOptions } from './checkpoint-file-system.ts';

/** One injected failure. */
export interface FileSystemFault {
  readonly operation: CheckpointFileOperation;
  /** The paths that fail (for `rename`, either path): one exact path or a pattern. Every path when absent. */
  readonly path?: string | RegExp | undefined;
  /**
   * An errno code ('ENOSPC', 'EIO', ...) the operation rejects with, or `'crash'`: the process "dies"
   * in the operation and every later call rejects with {@link SimulatedCrashError}.
   */
  readonly fail: string;
  /**
   * `writeFileDurably` only: write the first this many bytes before failing, leaving a truncated file
   * as a full disk or a crash halfway through a write does. Nothing is written when absent.
   */
  readonly afterBytes?: number | undefined;
  /** How many matching calls fail before the fault is spent; all of them when absent. */
  readonly times?: number | undefined;
}

/** One call that reached the wrapper, in order. */
export interface FileSystemCall {
  readonly operation: CheckpointFileOperation;
  readonly path: string;
}

/** What a simulated crash throws: the process is gone, so nothing after it may touch the disk. */
export class SimulatedCrashError extends Error {
  constructor(operation: CheckpointFileOperation, path: string) {
    super(`simulated crash in ${operation} '${path}'`);
    this.name = 'SimulatedCrashError';
  }
}

/**
 * @example
 * const fileSystem = new FaultInjectingFileSystem(new NodeCheckpointFileSystem());
 * fileSystem.inject({ operation: 'writeFileDurably', path: /_metadata\.inprogress$/, fail: 'ENOSPC' });
 * const storage = new FileCheckpointStorage({ directory, fileSystem });
 */
export class FaultInjectingFileSystem implements CheckpointFileSystem {
  readonly inner: CheckpointFileSystem;
  /** Every call, failed ones included. */
  readonly calls: FileSystemCall[] = [];
  #faults: { fault: FileSystemFault; remaining: number }[] = [];
  #crashed = false;

  constructor(inner: CheckpointFileSystem) {
    this.inner = inner;
  }

  /** True once a `'crash'` fault fired; from then on every operation rejects. */
  get crashed(): boolean {
    return this.#crashed;
  }

  inject(fault: FileSystemFault): void {
    this.#faults.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  /** Removes every fault not yet spent (a crash stays a crash: wrap `inner` again to "restart"). */
  clearFaults(): void {
    this.#faults = [];
  }

  async mkdir(path: string): Promise<void> {
    this.#enter('mkdir', [path]);
    await this.inner.mkdir(path);
  }

  async writeFileDurably(path: string, bytes: FileBytes, options: WriteFileOptions): Promise<void> {
    const fault = this.#match('writeFileDurably', [path]);
    if (fault?.afterBytes !== undefined) {
      const whole = Buffer.concat(piecesOf(bytes));
      await this.inner.writeFileDurably(path, whole.subarray(0, Math.min(fault.afterBytes, whole.length)), options);
    }
    if (fault !== undefined) this.#fail(fault, 'writeFileDurably', path);
    await this.inner.writeFileDurably(path, bytes, options);
  }

  async rename(from: string, to: string): Promise<void> {
    this.#enter('rename', [from, to]);
    await this.inner.rename(from, to);
  }

  async fsyncDirectory(path: string): Promise<void> {
    this.#enter('fsyncDirectory', [path]);
    await this.inner.fsyncDirectory(path);
  }

  async readFile(path: string): Promise<Uint8Array> {
    this.#enter('readFile', [path]);
    return await this.inner.readFile(path);
  }

  async readdir(path: string): Promise<string[]> {
    this.#enter('readdir', [path]);
    return await this.inner.readdir(path);
  }

  async stat(path: string): Promise<CheckpointFileStat | undefined> {
    this.#enter('stat', [path]);
    return await this.inner.stat(path);
  }

  async rm(path: string, options: { readonly recursive: boolean }): Promise<void> {
    this.#enter('rm', [path]);
    await this.inner.rm(path, options);
  }

  async link(existing: string, newPath: string): Promise<void> {
    this.#enter('link', [newPath, existing]);
    await this.inner.link(existing, newPath);
  }

  /** Records the call and throws when a fault matches it. */
  #enter(operation: CheckpointFileOperation, paths: readonly string[]): void {
    const fault = this.#match(operation, paths);
    if (fault !== undefined) this.#fail(fault, operation, paths[0] ?? '');
  }

  #match(operation: CheckpointFileOperation, paths: readonly string[]): FileSystemFault | undefined {
    for (const path of paths) this.calls.push({ operation, path });
    if (this.#crashed) throw new SimulatedCrashError(operation, paths[0] ?? '');
    for (const entry of this.#faults) {
      if (entry.remaining <= 0 || entry.fault.operation !== operation) continue;
      if (!paths.some((path) => matches(entry.fault.path, path))) continue;
      entry.remaining--;
      return entry.fault;
    }
    return undefined;
  }

  #fail(fault: FileSystemFault, operation: CheckpointFileOperation, path: string): never {
    if (fault.fail === 'crash') {
      this.#crashed = true;
      throw new SimulatedCrashError(operation, path);
    }
    // Shaped like Node's own errors, so code under test cannot tell them apart.
    throw Object.assign(new Error(`${fault.fail}: injected fault, ${operation} '${path}'`), { code: fault.fail, syscall: operation, path });
  }
}

function matches(pattern: string | RegExp | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  return typeof pattern === 'string' ? pattern === path : pattern.test(path);
}
