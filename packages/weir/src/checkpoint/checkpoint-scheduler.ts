/**
 * @module The narrow timer interface the CheckpointCoordinator uses (periodic triggers, timeouts), with a
 * real one on Node's timers and a manual one that runs due tasks when a ManualClock is advanced.
 */
import type { ManualClock } from '../core/clock.ts';

/** Runs `fn` once after `delayMs`; the returned function cancels it (a no-op once it ran). */
export interface CheckpointScheduler {
  schedule(delayMs: number, fn: () => void): () => void;
}

/** Node timers, unref'd: a pending checkpoint timer never keeps the process alive on its own. */
export const timerScheduler: CheckpointScheduler = {
  schedule(delayMs, fn) {
    const timer = setTimeout(fn, Math.max(0, delayMs));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * A scheduler for tests: tasks run only inside `advance`, in due-time order (ties in scheduling order),
 * with the clock set to each task's due time while it runs.
 *
 * @example
 * const clock = new ManualClock();
 * const scheduler = new ManualScheduler(clock);
 * scheduler.schedule(100, () => console.log(clock.now())); // prints 100 during advance(150)
 * scheduler.advance(150);
 */
export class ManualScheduler implements CheckpointScheduler {
  readonly #clock: ManualClock;
  readonly #tasks: { dueMs: number; seq: number; fn: () => void }[] = [];
  #seq = 0;

  constructor(clock: ManualClock) {
    this.#clock = clock;
  }

  schedule(delayMs: number, fn: () => void): () => void {
    const task = { dueMs: this.#clock.now() + Math.max(0, delayMs), seq: this.#seq++, fn };
    this.#tasks.push(task);
    return () => {
      const index = this.#tasks.indexOf(task);
      if (index >= 0) this.#tasks.splice(index, 1);
    };
  }

  /** Tasks scheduled and not yet run or cancelled. */
  get pendingCount(): number {
    return this.#tasks.length;
  }

  /** Due times of the scheduled tasks, ascending. */
  dueTimes(): number[] {
    return this.#tasks.map((t) => t.dueMs).sort((a, b) => a - b);
  }

  /** Moves the clock forward by `ms`, running every task that falls due on the way (including ones they schedule). */
  advance(ms: number): void {
    const end = this.#clock.now() + ms;
    for (;;) {
      const next = this.#nextDue(end);
      if (next === undefined) break;
      this.#tasks.splice(this.#tasks.indexOf(next), 1);
      if (next.dueMs > this.#clock.now()) this.#clock.set(next.dueMs);
      next.fn();
    }
    this.#clock.set(end);
  }

  #nextDue(end: number): { dueMs: number; seq: number; fn: () => void } | undefined {
    let best: { dueMs: number; seq: number; fn: () => void } | undefined;
    for (const task of this.#tasks) {
      if (task.dueMs > end) continue;
      if (best === undefined || task.dueMs < best.dueMs || (task.dueMs === best.dueMs && task.seq < best.seq)) best = task;
    }
    return best;
  }
}
