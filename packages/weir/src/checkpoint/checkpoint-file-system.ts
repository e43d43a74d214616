/**
 * @module The narrow file-system interface FileCheckpointStorage writes through, so tests can put a
 * fault-injecting implementation (ENOSPC, EIO, a crash halfway through a write) between the storage
 * and the disk. Implementations: NodeCheckpointFileSystem and FaultInjectingFileSystem.
 */

/** What `stat` reports about an existing path. */
export interface CheckpointFileStat {
  readonly kind: 'file' | 'directory' | 'other';
  /** Size in bytes (files). */
  readonly size: number;
}

/** Options of {@link CheckpointFileSystem.writeFileDurably}. */
/**
 * The bytes of a file to write: one array, or consecutive pieces written back to back (a large
 * snapshot arrives in pieces, and joining them would only copy it).
 */
export type FileBytes = Uint8Array | readonly Uint8Array[];

/** The pieces of `bytes`, in order. */
export function piecesOf(bytes: FileBytes): readonly Uint8Array[] {
  return bytes instanceof Uint8Array ? [bytes] : bytes;
}

/** How many bytes `bytes` holds in all. */
export function byteLengthOf(bytes: FileBytes): number {
  if (bytes instanceof Uint8Array) return bytes.byteLength;
  let length = 0;
  for (const piece of bytes) length += piece.byteLength;
  return length;
}

export interface WriteFileOptions {
  /** Fail with EEXIST instead of replacing an existing file. */
  readonly exclusive: boolean;
}

/**
 * The operations checkpoint storage needs, with Node's error conventions: failures reject with an
 * Error carrying the errno `code` ('ENOENT', 'ENOSPC', 'EIO', ...).
 */
export interface CheckpointFileSystem {
  /** Creates a directory and its missing parents; an existing directory is fine. */
  mkdir(path: string): Promise<void>;
  /**
   * Opens (creating; the parent must exist), writes every byte, fsyncs and closes. When this resolves
   * the file's data is on disk; its directory entry is durable only after `fsyncDirectory` of the parent.
   */
  writeFileDurably(path: string, bytes: FileBytes, options: WriteFileOptions): Promise<void>;
  /** Atomically renames, replacing `to` if it exists. */
  rename(from: string, to: string): Promise<void>;
  /** Fsyncs a directory so that entries created, renamed or removed in it survive a power loss. */
  fsyncDirectory(path: string): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  /** Names of the entries of a directory (not paths), in no particular order. */
  readdir(path: string): Promise<string[]>;
  /** What is at `path`, or undefined when nothing is. */
  stat(path: string): Promise<CheckpointFileStat | undefined>;
  /** Removes a file, or a directory with `recursive`; removing nothing is fine. */
  rm(path: string, options: { readonly recursive: boolean }): Promise<void>;
  /**
   * Makes `newPath` a second name of the existing file `existing` (a hard link): the content stays
   * until its last name is removed. Fails (EEXIST) when `newPath` exists, and (EXDEV, EPERM, ENOTSUP)
   * where the file system has no hard links across those paths.
   */
  link(existing: string, newPath: string): Promise<void>;
}

/** The names of the operations, for fault injection and call logs. */
export type CheckpointFileOperation = keyof CheckpointFileSystem;

/** The errno code of a Node file-system error ('ENOENT', ...), or undefined for anything else. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = error.code;
  return typeof code === 'string' ? code : undefined;
}
