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

/** One snapshot of a chain: its checkpoint, the entries the state held then, and once written, its size. */
interface ChainLink {
  readonly checkpointId: CheckpointId;
  readonly entries: number;
  bytes: number | undefined;
}

/**
 * The keyed snapshots of one operator since its last full one, oldest first, as the task took them
 * for checkpoints (never savepoints, which are full and self-contained). A delta snapshot is only as
 * good as every earlier link, so any link that fails (its write, or its checkpoint aborted) ends the
 * chain: the next snapshot is full.
 *
 * @example
 * const entries = backend.numEntries();
 * const kind = chain.nextKind(entries);                  // at the barrier
 * const snapshot = backend.snapshot(id, { changes: kind });
 * const base = chain.append(id, snapshot.kind, entries); // ids the new file's changes apply to
 * chain.written(id, bytes.length);                        // after the asynchronous phase
 */
export class KeyedSnapshotChain {
  #links: ChainLink[] = [];

  /**
   * Full when there is no chain, when it is long, or when the chain's files add up to more than twice
   * what a full snapshot of the state now would take (estimated from the full one's bytes per entry
   * and `entries`, the entries the state holds now), so that a restore reads at most about twice the
   * state; otherwise delta. A state that only grows (new keys) thus stays on deltas, while one whose
   * keys are rewritten again and again is written whole once its deltas repeat it.
   */
  nextKind(entries: number): KeyedStateSnapshotKind {
    const [first, ...deltas] = this.#links;
    if (first === undefined || this.#links.length >= MAX_CHAIN_LENGTH) return 'full';
    // The full snapshot is still being written (concurrent checkpoints): build on it meanwhile.
    if (first.bytes === undefined) return 'delta';
    let chain = first.bytes;
    for (const link of deltas) chain += link.bytes ?? 0;
    const fullNow = first.entries > 0 ? (first.bytes * entries) / first.entries : first.bytes;
    return chain > 2 * Math.max(fullNow, 1) ? 'full' : 'delta';
  }

  /**
   * Records the snapshot taken for `checkpointId` (`kind` as the backend gave it) when the state held
   * `entries` entries, and returns the checkpoints whose files it builds on, oldest first (empty for a
   * full one).
   */
  append(checkpointId: CheckpointId, kind: KeyedStateSnapshotKind, entries: number): CheckpointId[] {
    if (kind === 'full') this.#links = [];
    const base = this.#links.map((link) => link.checkpointId);
    this.#links.push({ checkpointId, entries, bytes: undefined });
    return base;
  }

  /** The snapshot of `checkpointId` was written with `bytes` bytes. */
  written(checkpointId: CheckpointId, bytes: number): void {
    const link = this.#links.find((candidate) => candidate.checkpointId === checkpointId);
    if (link !== undefined) link.bytes = bytes;
  }

  /**
   * Checkpoint `checkpointId` was aborted after its delta's changes went back to the state (see
   * `KeyedStateSnapshot.giveBackChanges`): its link goes, and the next delta builds on the links
   * before it. False, leaving the chain alone, when the link is not the chain's last delta (the next
   * snapshot built on it already); the caller then breaks the chain with `fail`.
   */
  abandon(checkpointId: CheckpointId): boolean {
    if (!this.endsWithDelta(checkpointId)) return false;
    this.#links.pop();
    return true;
  }

  /** Whether the chain's last link is the delta of `checkpointId`, which `abandon` could drop. */
  endsWithDelta(checkpointId: CheckpointId): boolean {
    return this.#links.length >= 2 && this.#links.at(-1)?.checkpointId === checkpointId;
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
