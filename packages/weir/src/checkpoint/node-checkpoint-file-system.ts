/**
 * @module NodeCheckpointFileSystem: the CheckpointFileSystem over node:fs/promises, with real fsync of
 * files and directories.
 */
import { link, mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { errnoCode, piecesOf } from './checkpoint-file-system.ts';
import type { CheckpointFileStat, CheckpointFileSystem, FileBytes, WriteFileOptions } from './checkpoint-file-system.ts';

/** The local file system (or any mounted one: NFS, a FUSE bucket) through node:fs/promises. */
export class NodeCheckpointFileSystem implements CheckpointFileSystem {
  async mkdir(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }

  async writeFileDurably(path: string, bytes: FileBytes, options: WriteFileOptions): Promise<void> {
    const handle = await open(path, options.exclusive ? 'wx' : 'w');
    try {
      // Each writeFile goes on where the last one ended.
      for (const piece of piecesOf(bytes)) await handle.writeFile(piece);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(from, to);
  }

  async fsyncDirectory(path: string): Promise<void> {
    // Windows cannot open a directory for fsync; NTFS journals the metadata change instead.
    if (process.platform === 'win32') return;
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async readFile(path: string): Promise<Uint8Array> {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  async readdir(path: string): Promise<string[]> {
    return await readdir(path);
  }

  async stat(path: string): Promise<CheckpointFileStat | undefined> {
    try {
      const stats = await stat(path);
      return { kind: stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other', size: stats.size };
    } catch (error) {
      // ENOTDIR: a path through a file, which also names nothing
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  async rm(path: string, options: { readonly recursive: boolean }): Promise<void> {
    await rm(path, { recursive: options.recursive, force: true });
  }

  async link(existing: string, newPath: string): Promise<void> {
    await link(existing, newPath);
  }
}
