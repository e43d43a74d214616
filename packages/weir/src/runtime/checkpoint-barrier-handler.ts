/**
 * @module How an input gate reacts to checkpoint barriers, as pure decisions the task carries out:
 * aligned (exactly once: a channel that delivered barrier n is blocked until every live channel has)
 * and at-least-once (never blocks; snapshots once every live channel delivered barrier n). A task
 * with one input channel never blocks in either mode.
 */
import type { CheckpointId } from '../core/ids.ts';
import type { CheckpointBarrier } from '../core/stream-element.ts';

export type BarrierDecision =
  /** Stop reading this channel until the next `snapshot` or `abort` with `unblock`. */
  | { readonly kind: 'block'; readonly channel: number }
  /** Every live channel delivered the barrier: snapshot now, forward the barrier, then unblock. */
  | { readonly kind: 'snapshot'; readonly barrier: CheckpointBarrier; readonly alignmentMs: number }
  /** Checkpoint `checkpointId` cannot complete at this task: decline it and unblock every channel. */
  | { readonly kind: 'abort'; readonly checkpointId: CheckpointId; readonly reason: string };

export interface CheckpointBarrierHandler {
  onBarrier(channel: number, barrier: CheckpointBarrier, now: number): BarrierDecision[];
  /** A channel ended: it no longer has to deliver barriers. */
  onEndOfInput(channel: number, now: number): BarrierDecision[];
  /** The JobManager aborted `checkpointId`: stop waiting for its barriers. */
  onAborted(checkpointId: CheckpointId): BarrierDecision[];
}

/** EXACTLY_ONCE, aligned: Flink's aligned barrier handling. */
export class AlignedBarrierHandler implements CheckpointBarrierHandler {
  readonly #live: Set<number>;
  readonly #arrived = new Set<number>();
  #current: CheckpointBarrier | undefined;
  /** The highest checkpoint this task has snapshotted or given up: older barriers are late. */
  #done = 0;
  #alignmentStart = 0;

  constructor(channels: number) {
    this.#live = new Set(Array.from({ length: channels }, (_, i) => i));
  }

  onBarrier(channel: number, barrier: CheckpointBarrier, now: number): BarrierDecision[] {
    const decisions: BarrierDecision[] = [];
    if (barrier.checkpointId <= this.#done) return decisions;
    const current = this.#current;
    if (current !== undefined && barrier.checkpointId > current.checkpointId) {
      decisions.push(this.#abortCurrent(`barrier ${barrier.checkpointId} arrived before the alignment of checkpoint ${current.checkpointId} finished`));
    }
    if (this.#current === undefined) {
      this.#current = barrier;
      this.#alignmentStart = now;
    }
    this.#arrived.add(channel);
    const complete = this.#completeIfAligned(now);
    if (complete !== undefined) decisions.push(complete);
    else decisions.push({ kind: 'block', channel });
    return decisions;
  }

  onEndOfInput(channel: number, now: number): BarrierDecision[] {
    this.#live.delete(channel);
    this.#arrived.delete(channel);
    const complete = this.#current === undefined || this.#arrived.size === 0 ? undefined : this.#completeIfAligned(now);
    return complete === undefined ? [] : [complete];
  }

  /**
   * Gives up aligning the current checkpoint (its aligned-checkpoint-timeout passed): returns its
   * barrier and the live channels that have not delivered it yet, and forgets it. The caller takes
   * the checkpoint unaligned from here and unblocks every channel.
   */
  switchToUnaligned(checkpointId: CheckpointId): { barrier: CheckpointBarrier; pending: number[] } | undefined {
    const current = this.#current;
    if (current?.checkpointId !== checkpointId) return undefined;
    const pending = [...this.#live].filter((channel) => !this.#arrived.has(channel));
    this.#reset(checkpointId);
    return { barrier: current, pending };
  }

  /** The checkpoint being aligned, if any. */
  get aligning(): CheckpointId | undefined {
    return this.#current?.checkpointId;
  }

  onAborted(checkpointId: CheckpointId): BarrierDecision[] {
    if (this.#current?.checkpointId !== checkpointId) {
      if (checkpointId > this.#done) this.#done = checkpointId;
      return [];
    }
    return [this.#abortCurrent('the checkpoint was aborted')];
  }

  #completeIfAligned(now: number): BarrierDecision | undefined {
    const current = this.#current;
    if (current === undefined) return undefined;
    for (const channel of this.#live) if (!this.#arrived.has(channel)) return undefined;
    this.#reset(current.checkpointId);
    return { kind: 'snapshot', barrier: current, alignmentMs: now - this.#alignmentStart };
  }

  #abortCurrent(reason: string): BarrierDecision {
    const id = (this.#current as CheckpointBarrier).checkpointId;
    this.#reset(id);
    return { kind: 'abort', checkpointId: id, reason };
  }

  #reset(done: CheckpointId): void {
    this.#done = Math.max(this.#done, done);
    this.#current = undefined;
    this.#arrived.clear();
  }
}

/** AT_LEAST_ONCE: Flink's barrier tracker. Records keep flowing; the snapshot may include records after the barrier. */
export class AtLeastOnceBarrierHandler implements CheckpointBarrierHandler {
  readonly #live: Set<number>;
  /** Pending checkpoints in id order: who delivered their barrier, and when the first came. */
  readonly #pending = new Map<number, { readonly barrier: CheckpointBarrier; readonly arrived: Set<number>; readonly start: number }>();
  #done = 0;

  constructor(channels: number) {
    this.#live = new Set(Array.from({ length: channels }, (_, i) => i));
  }

  onBarrier(channel: number, barrier: CheckpointBarrier, now: number): BarrierDecision[] {
    if (barrier.checkpointId <= this.#done) return [];
    let entry = this.#pending.get(barrier.checkpointId);
    if (entry === undefined) {
      entry = { barrier, arrived: new Set(), start: now };
      this.#pending.set(barrier.checkpointId, entry);
    }
    entry.arrived.add(channel);
    return this.#completed(now);
  }

  onEndOfInput(channel: number, now: number): BarrierDecision[] {
    this.#live.delete(channel);
    return this.#completed(now);
  }

  onAborted(checkpointId: CheckpointId): BarrierDecision[] {
    this.#pending.delete(checkpointId);
    return [];
  }

  #completed(now: number): BarrierDecision[] {
    const decisions: BarrierDecision[] = [];
    for (const [id, entry] of [...this.#pending].sort(([a], [b]) => a - b)) {
      let all = true;
      for (const channel of this.#live) if (!entry.arrived.has(channel)) all = false;
      if (!all) continue;
      // A newer checkpoint completing subsumes older ones still waiting (their barriers were lost with a failed task).
      for (const [older, olderEntry] of this.#pending) {
        if (older < id) {
          this.#pending.delete(older);
          decisions.push({ kind: 'abort', checkpointId: olderEntry.barrier.checkpointId, reason: `checkpoint ${id} completed first` });
        }
      }
      this.#pending.delete(id);
      this.#done = Math.max(this.#done, id);
      decisions.push({ kind: 'snapshot', barrier: entry.barrier, alignmentMs: now - entry.start });
    }
    return decisions;
  }
}

/**
 * What an unaligned handler asks of its task, beyond snapshots: which channels' records to keep as
 * channel state (they are in flight across the checkpoint) and when that state is complete.
 */
export type UnalignedDecision =
  /** Snapshot now and forward the barrier; keep the records of `recordChannels` until their barrier arrives. */
  | { readonly kind: 'snapshot-unaligned'; readonly barrier: CheckpointBarrier; readonly recordChannels: readonly number[] }
  /** `channel` delivered the barrier: its records from now on are after the checkpoint. */
  | { readonly kind: 'stop-recording'; readonly channel: number }
  /** Every channel delivered the barrier: the channel state of `checkpointId` is complete. */
  | { readonly kind: 'channel-state-complete'; readonly checkpointId: CheckpointId }
  | { readonly kind: 'abort'; readonly checkpointId: CheckpointId; readonly reason: string };

/**
 * EXACTLY_ONCE, unaligned (Chandy-Lamport): the first barrier n triggers the snapshot at once and
 * nothing is blocked; the records that arrive on the other channels before their barrier n are in
 * flight at the checkpoint and are persisted as channel state, to be replayed on restore.
 */
export class UnalignedBarrierHandler {
  readonly #live: Set<number>;
  #current: CheckpointBarrier | undefined;
  readonly #pending = new Set<number>();
  #done = 0;

  constructor(channels: number) {
    this.#live = new Set(Array.from({ length: channels }, (_, i) => i));
  }

  onBarrier(channel: number, barrier: CheckpointBarrier): UnalignedDecision[] {
    if (barrier.checkpointId <= this.#done) return [];
    const decisions: UnalignedDecision[] = [];
    const current = this.#current;
    if (current !== undefined && barrier.checkpointId > current.checkpointId) {
      decisions.push({ kind: 'abort', checkpointId: current.checkpointId, reason: `barrier ${barrier.checkpointId} arrived before every barrier ${current.checkpointId}` });
      this.#finish(current.checkpointId);
    }
    if (this.#current === undefined) {
      this.#current = barrier;
      for (const live of this.#live) if (live !== channel) this.#pending.add(live);
      decisions.push({ kind: 'snapshot-unaligned', barrier, recordChannels: [...this.#pending] });
    } else {
      this.#pending.delete(channel);
      decisions.push({ kind: 'stop-recording', channel });
    }
    return this.#completeIfDone(decisions);
  }

  /** Takes over a checkpoint that started aligned: its snapshot is taken now, `pending` still owe their barrier. */
  adopt(barrier: CheckpointBarrier, pending: readonly number[]): UnalignedDecision[] {
    this.#current = barrier;
    this.#pending.clear();
    for (const channel of pending) if (this.#live.has(channel)) this.#pending.add(channel);
    return this.#completeIfDone([{ kind: 'snapshot-unaligned', barrier, recordChannels: [...this.#pending] }]);
  }

  /** The unaligned checkpoint whose channel state is being recorded, if any. */
  get recording(): CheckpointId | undefined {
    return this.#current?.checkpointId;
  }

  onEndOfInput(channel: number): UnalignedDecision[] {
    this.#live.delete(channel);
    if (this.#current === undefined || !this.#pending.delete(channel)) return [];
    return this.#completeIfDone([{ kind: 'stop-recording', channel }]);
  }

  onAborted(checkpointId: CheckpointId): UnalignedDecision[] {
    if (this.#current?.checkpointId === checkpointId) {
      this.#finish(checkpointId);
      return [{ kind: 'abort', checkpointId, reason: 'the checkpoint was aborted' }];
    }
    if (checkpointId > this.#done) this.#done = checkpointId;
    return [];
  }

  #completeIfDone(decisions: UnalignedDecision[]): UnalignedDecision[] {
    const current = this.#current;
    if (current !== undefined && this.#pending.size === 0) {
      decisions.push({ kind: 'channel-state-complete', checkpointId: current.checkpointId });
      this.#finish(current.checkpointId);
    }
    return decisions;
  }

  #finish(checkpointId: CheckpointId): void {
    this.#done = Math.max(this.#done, checkpointId);
    this.#current = undefined;
    this.#pending.clear();
  }
}
