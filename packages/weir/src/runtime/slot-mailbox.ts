/**
 * @module The cooperative loop of a slot (Flink's mailbox, shared by the slot's tasks): runnable tasks
 * take turns in short slices; between slices the event loop delivers channel messages, credits,
 * timers and control messages. When nothing is runnable, partly filled batches are sent, so a quiet
 * pipeline has low latency and a busy one sends full batches.
 */

/** A unit the mailbox can run. `run` does a bounded amount of work and reschedules itself if needed. */
export interface Runnable {
  /** Managed by the mailbox. */
  queued: boolean;
  run(): void;
  /** Sends partly filled batches; with `olderThan`, only those waiting since before that time. */
  flushOutputs(olderThan?: number): void;
}

export interface SlotMailboxOptions {
  /** Longest a partly filled batch waits while the slot is busy (Flink's buffer timeout), in ms. */
  readonly bufferTimeoutMs: number;
  /** Called with an error thrown by a task's `run`; the task is expected to handle its own errors. */
  readonly onUncaught: (error: unknown) => void;
}

const SLICE_MS = 4;

export class SlotMailbox {
  readonly #queue: Runnable[] = [];
  readonly #members: Runnable[] = [];
  readonly #options: SlotMailboxOptions;
  #loopScheduled = false;
  #inLoop = false;
  #stopped = false;
  #lastTimeoutCheck = 0;

  constructor(options: SlotMailboxOptions) {
    this.#options = options;
  }

  /** Makes `task` part of idle flushes. */
  register(task: Runnable): void {
    this.#members.push(task);
  }

  /** Removes a cancelled task from the loop. */
  unregister(task: Runnable): void {
    const member = this.#members.indexOf(task);
    if (member >= 0) this.#members.splice(member, 1);
    const queued = this.#queue.indexOf(task);
    if (queued >= 0) this.#queue.splice(queued, 1);
    task.queued = false;
  }

  schedule(task: Runnable): void {
    if (task.queued || this.#stopped) return;
    task.queued = true;
    this.#queue.push(task);
    // inside the loop, the loop itself continues or reschedules once it ends its slice
    if (!this.#inLoop) this.#ensureLoop();
  }

  /** Runs `action` inside the loop (between slices), e.g. a timer callback. */
  execute(action: () => void): void {
    const runnable: Runnable = {
      queued: false,
      run: action,
      flushOutputs: () => {},
    };
    this.schedule(runnable);
  }

  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
  }

  #ensureLoop(): void {
    if (this.#loopScheduled) return;
    this.#loopScheduled = true;
    setImmediate(this.#loop);
  }

  readonly #loop = (): void => {
    this.#loopScheduled = false;
    if (this.#stopped) return;
    const start = performance.now();
    const end = start + SLICE_MS;
    this.#inLoop = true;
    try {
      while (this.#queue.length > 0) {
        const task = this.#queue.shift() as Runnable;
        task.queued = false;
        task.run();
        if (performance.now() >= end) break;
      }
      const now = performance.now();
      if (this.#queue.length === 0) {
        for (const task of this.#members) task.flushOutputs();
      } else if (now - this.#lastTimeoutCheck >= Math.min(10, this.#options.bufferTimeoutMs)) {
        this.#lastTimeoutCheck = now;
        for (const task of this.#members) task.flushOutputs(now - this.#options.bufferTimeoutMs);
      }
    } catch (error) {
      this.#options.onUncaught(error);
    } finally {
      this.#inLoop = false;
    }
    if (this.#queue.length > 0) this.#ensureLoop();
  };
}
