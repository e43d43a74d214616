/**
 * @module When the next checkpoint may be triggered, as a pure decision from the interval, the minimum
 * pause (from the end of the last checkpoint), the concurrency limit and what is in progress.
 */

/**
 * Who asks: the periodic scheduler, a user (REST/CLI checkpoint), a savepoint, or the final checkpoint
 * of a bounded job once every task's input ended (the last two always allowed).
 */
export type CheckpointRequest = 'periodic' | 'manual' | 'savepoint' | 'final';

export interface CheckpointTriggerSettings {
  /** `null`: periodic checkpointing is off. */
  readonly intervalMs: number | null;
  readonly minPauseMs: number;
  readonly maxConcurrent: number;
}

/** What the coordinator knows at the moment it asks. Times are epoch ms. */
export interface CheckpointTriggerState {
  readonly nowMs: number;
  /** Checkpoints (and savepoints) triggered and not yet completed or aborted. */
  readonly pendingCount: number;
  /** When periodic scheduling started; `null`: it is not running. */
  readonly periodicStartMs: number | null;
  /** When the last periodic checkpoint was triggered; `null`: none yet since the start. */
  readonly lastPeriodicTriggerMs: number | null;
  /** When the last checkpoint completed or failed; `null`: none yet. */
  readonly lastEndMs: number | null;
}

/**
 * `wait.untilMs` is when to ask again; `null` means not before an in-progress checkpoint ends.
 * `reason` says which limit holds.
 */
export type TriggerDecision =
  | { readonly kind: 'trigger' }
  | { readonly kind: 'wait'; readonly untilMs: number | null; readonly reason: 'interval' | 'min-pause' | 'max-concurrent' }
  | { readonly kind: 'disabled' };

/**
 * Decides whether a checkpoint may start now. Savepoints and the final checkpoint ignore every limit
 * (Flink forces savepoints; nothing else runs once every input ended). A manual
 * checkpoint ignores the interval; a periodic one respects all three. A minimum pause above 0 also means
 * one checkpoint at a time, since the pause is measured from the end of the previous one.
 *
 * @example
 * const policy = new CheckpointTriggerPolicy({ intervalMs: 1000, minPauseMs: 500, maxConcurrent: 1 });
 * policy.decide('periodic', { nowMs: 1000, pendingCount: 0, periodicStartMs: 0, lastPeriodicTriggerMs: null, lastEndMs: null });
 * // { kind: 'trigger' }
 */
export class CheckpointTriggerPolicy {
  readonly #settings: CheckpointTriggerSettings;

  constructor(settings: CheckpointTriggerSettings) {
    this.#settings = settings;
  }

  decide(request: CheckpointRequest, state: CheckpointTriggerState): TriggerDecision {
    if (request === 'savepoint' || request === 'final') return { kind: 'trigger' };
    const { intervalMs, minPauseMs, maxConcurrent } = this.#settings;
    if (request === 'periodic' && (intervalMs === null || state.periodicStartMs === null)) return { kind: 'disabled' };
    if (state.pendingCount >= maxConcurrent) return { kind: 'wait', untilMs: null, reason: 'max-concurrent' };
    if (minPauseMs > 0 && state.pendingCount > 0) return { kind: 'wait', untilMs: null, reason: 'min-pause' };

    const byPause = state.lastEndMs === null ? Number.NEGATIVE_INFINITY : state.lastEndMs + minPauseMs;
    const byInterval =
      request === 'periodic' && intervalMs !== null
        ? (state.lastPeriodicTriggerMs ?? state.periodicStartMs ?? state.nowMs) + intervalMs
        : Number.NEGATIVE_INFINITY;
    const until = Math.max(byPause, byInterval);
    if (state.nowMs >= until) return { kind: 'trigger' };
    return { kind: 'wait', untilMs: until, reason: byPause >= byInterval ? 'min-pause' : 'interval' };
  }
}
