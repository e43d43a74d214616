/**
 * @module Incremental checkpoints, the task's side: per operator, the chain of keyed snapshots since
 * its last full one, and the decision whether the next checkpoint writes the changes since or the
 * whole state again.
 */
import type { CheckpointId } from '../core/ids.ts';
import type { KeyedStateSnapshotKind } from '../state/keyed-state-snapshot.ts';

/**
 * A full snapshot is written again once the chain holds this many files: each restore reads them
 * all, and each checkpoint directory links them all.
 */
export const MAX_CHAIN_LENGTH = 20;

/** One snapshot of a chain: its checkpoint and, once written, its size. */
interface ChainLink {
  readonly checkpointId: CheckpointId;
  bytes: number | undefined;
}

/**
 * The keyed snapshots of one operator since its last full one, oldest first, as the task took them
 * for checkpoints (never savepoints, which are full and self-contained). A delta snapshot is only as
 * good as every earlier link, so any link that fails (its write, or its checkpoint aborted) ends the
 * chain: the next snapshot is full.
 *
 * @example
 * const kind = chain.nextKind();                         // at the barrier
 * const snapshot = backend.snapshot(id, { changes: kind });
 * const base = chain.append(id, snapshot.kind);          // ids the new file's changes apply to
 * chain.written(id, bytes.length);                        // after the asynchronous phase
 */
export class KeyedSnapshotChain {
  #links: ChainLink[] = [];

  /**
   * Full when there is no chain, when it is long, or when its changes add up to more than the full
   * snapshot they apply to (so a restore reads at most about twice the state); otherwise delta.
   */
  nextKind(): KeyedStateSnapshotKind {
    const [first, ...deltas] = this.#links;
    if (first === undefined || this.#links.length >= MAX_CHAIN_LENGTH) return 'full';
    // The full snapshot is still being written (concurrent checkpoints): build on it meanwhile.
    if (first.bytes === undefined) return 'delta';
    let changed = 0;
    for (const link of deltas) changed += link.bytes ?? 0;
    return changed > first.bytes ? 'full' : 'delta';
  }

  /**
   * Records the snapshot taken for `checkpointId` (`kind` as the backend gave it) and returns the
   * checkpoints whose files it builds on, oldest first (empty for a full one).
   */
  append(checkpointId: CheckpointId, kind: KeyedStateSnapshotKind): CheckpointId[] {
    if (kind === 'full') this.#links = [];
    const base = this.#links.map((link) => link.checkpointId);
    this.#links.push({ checkpointId, bytes: undefined });
    return base;
  }

  /** The snapshot of `checkpointId` was written with `bytes` bytes. */
  written(checkpointId: CheckpointId, bytes: number): void {
    const link = this.#links.find((candidate) => candidate.checkpointId === checkpointId);
    if (link !== undefined) link.bytes = bytes;
  }

  /** Checkpoint `checkpointId` failed or was aborted: a chain through it breaks, so the next snapshot is full. */
  fail(checkpointId: CheckpointId): void {
    if (this.#links.some((link) => link.checkpointId === checkpointId)) this.#links = [];
  }

  /** The checkpoints of the chain, oldest first. */
  checkpointIds(): CheckpointId[] {
    return this.#links.map((link) => link.checkpointId);
  }
}
