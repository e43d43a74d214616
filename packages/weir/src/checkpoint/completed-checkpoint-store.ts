/**
 * @module Keeps the newest N completed checkpoints (`state.checkpoints.num-retained`). Adding one returns
 * the older ones it subsumes, for the caller to discard; ids only increase.
 */
import { checkInteger } from '../core/options.ts';
import type { CompletedCheckpoint } from './completed-checkpoint.ts';

/** What `add` decided: kept (with the checkpoints now subsumed), or refused because a newer one is known. */
export type AddCheckpointResult =
  | { readonly kind: 'added'; readonly subsumed: readonly CompletedCheckpoint[] }
  | { readonly kind: 'rejected'; readonly reason: string };

/**
 * The retained completed checkpoints, oldest first. Savepoints do not belong here: they are never
 * subsumed nor deleted by the job.
 *
 * @example
 * const store = new CompletedCheckpointStore(2);
 * const result = store.add(checkpoint);
 * if (result.kind === 'added') for (const old of result.subsumed) await storage.discard(old.directory);
 */
export class CompletedCheckpointStore {
  readonly #maxRetained: number;
  readonly #checkpoints: CompletedCheckpoint[] = [];
  #highestId = 0;

  constructor(maxRetained = 1) {
    this.#maxRetained = checkInteger('numRetainedCheckpoints', maxRetained, 1, Number.MAX_SAFE_INTEGER, 'CompletedCheckpointStore');
  }

  get maxRetained(): number {
    return this.#maxRetained;
  }

  get size(): number {
    return this.#checkpoints.length;
  }

  /**
   * Adds `checkpoint` as the newest. Returns the checkpoints that fall out of the newest N (to discard),
   * or `rejected` when its id is not above every id added before (a late completion: discard it instead).
   */
  add(checkpoint: CompletedCheckpoint): AddCheckpointResult {
    if (checkpoint.checkpointId <= this.#highestId) {
      return {
        kind: 'rejected',
        reason: `checkpoint ${checkpoint.checkpointId} is not newer than checkpoint ${this.#highestId}, which completed before it`,
      };
    }
    this.#highestId = checkpoint.checkpointId;
    this.#checkpoints.push(checkpoint);
    const excess = this.#checkpoints.length - this.#maxRetained;
    return { kind: 'added', subsumed: excess > 0 ? this.#checkpoints.splice(0, excess) : [] };
  }

  /** The newest retained checkpoint, which automatic recovery uses. */
  latest(): CompletedCheckpoint | undefined {
    return this.#checkpoints.at(-1);
  }

  /** Retained checkpoints, oldest first. */
  all(): readonly CompletedCheckpoint[] {
    return [...this.#checkpoints];
  }

  /** Empties the store and returns what it held, oldest first (for shutdown's retention policy). */
  removeAll(): CompletedCheckpoint[] {
    return this.#checkpoints.splice(0);
  }
}
