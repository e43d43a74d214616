/**
 * @module Incremental checkpoints, the JobManager's side: writes a subtask's keyed file and links the
 * files it builds on (its last full snapshot and the changes since) from the checkpoint that holds
 * them into the new one, so every checkpoint directory holds all it needs and deleting an old one
 * takes nothing a newer one uses.
 */
import { WeirError } from '../core/errors.ts';
import type { KeyedStateHandle, StateHandle } from '../checkpoint/checkpoint-metadata.ts';
import type { CheckpointLocation, CheckpointStorage } from '../checkpoint/checkpoint-storage.ts';

/** A subtask's keyed bytes as its task reported them: consecutive pieces of one file. */
export interface ReportedKeyedState {
  readonly chunks: readonly Uint8Array[];
  readonly keyGroupStart: number;
  readonly keyGroupEnd: number;
  /** The checkpoints whose keyed files the bytes build on, oldest first (empty: full); undefined: not incremental. */
  readonly base?: readonly number[] | undefined;
}

/** The keyed file last written for one subtask of one operator, where it is, and the chain it ends. */
interface LastKeyedFile {
  readonly checkpointIds: readonly number[];
  readonly directory: string;
  readonly handle: KeyedStateHandle;
}

/**
 * How many chains of keyed files are remembered per operator subtask: a task whose checkpoint was
 * aborted builds its next one on the chain before it, which is then not the last one written.
 */
const REMEMBERED_CHAINS = 4;

/**
 * Remembers, per operator subtask, the chains of keyed files last written, to link them into the next
 * checkpoint whose changes build on one of them.
 *
 * @example
 * const handle = await chains.write(storage, location, 7, 'counter', 0, 'counter-xxxx-0', keyed);
 */
export class KeyedFileChains {
  /** Per operator subtask, the latest chains written, newest last. */
  readonly #written = new Map<string, LastKeyedFile[]>();

  /**
   * Writes `keyed` for checkpoint `checkpointId` under `<name>-keyed` (`<name>-keyed-<checkpoint id>`
   * for incremental checkpoints, so that linked files of several checkpoints never clash) and returns
   * its handle, with the linked files it builds on as `base`. Fails with CHECKPOINT_FAILED when the
   * files it builds on are not among the chains last written for the subtask (an earlier checkpoint of
   * the chain failed to be stored), and with STORAGE_FAILED when they are gone (the checkpoint that
   * holds them was deleted); the task then writes a full snapshot next time.
   */
  async write(
    storage: CheckpointStorage,
    location: CheckpointLocation,
    checkpointId: number,
    owner: { readonly uid: string; readonly subtask: number; readonly fileName: string },
    keyed: ReportedKeyedState,
  ): Promise<KeyedStateHandle> {
    const range = { keyGroupStart: keyed.keyGroupStart, keyGroupEnd: keyed.keyGroupEnd };
    if (keyed.base === undefined) return { ...(await storage.writeState(location, `${owner.fileName}-keyed`, keyed.chunks)), ...range };
    const key = `${owner.uid}\u0000${owner.subtask}`;
    let base: StateHandle[] | undefined;
    if (keyed.base.length > 0) {
      const chains = this.#written.get(key) ?? [];
      const last = chains.findLast((chain) => sameIds(chain.checkpointIds, keyed.base ?? []));
      if (last === undefined) {
        const latest = chains.at(-1);
        throw new WeirError(
          'CHECKPOINT_FAILED',
          `the keyed state of operator uid '${owner.uid}' subtask ${owner.subtask} for checkpoint ${checkpointId} holds the changes since checkpoints ${keyed.base.join(', ')}, but their files were not all stored (last stored: ${latest === undefined ? 'none' : latest.checkpointIds.join(', ')})`,
          { retriable: true, hint: 'the subtask writes its whole keyed state at the next checkpoint' },
        );
      }
      base = [];
      for (const handle of [...(last.handle.base ?? []), stateHandleOf(last.handle)]) base.push(await storage.linkState(location, last.directory, handle));
    }
    const written = await storage.writeState(location, `${owner.fileName}-keyed-${checkpointId}`, keyed.chunks);
    const handle: KeyedStateHandle = base === undefined ? { ...written, ...range } : { ...written, ...range, base };
    const chains = this.#written.get(key) ?? [];
    chains.push({ checkpointIds: [...keyed.base, checkpointId], directory: location.directory, handle });
    this.#written.set(key, chains.slice(-REMEMBERED_CHAINS));
    return handle;
  }
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** The plain file handle of a keyed handle (without its key groups and base). */
function stateHandleOf(handle: KeyedStateHandle): StateHandle {
  return { path: handle.path, size: handle.size, checksum: handle.checksum };
}
