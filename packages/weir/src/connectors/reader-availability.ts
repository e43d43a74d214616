/**
 * @module ReaderAvailability: the promise a source reader hands out from `isAvailable()` after
 * NOTHING_AVAILABLE, completed by whatever makes progress possible again (a finished read, a timer).
 */

/**
 * One pending "input may be available" signal. A reader returns `wait()` from `isAvailable()` when it
 * has nothing to emit and calls `notify()` from the callback that changes that. Notifying with nobody
 * waiting is remembered, so a wake-up that lands between `pollNext` and `isAvailable` is not lost.
 */
export class ReaderAvailability {
  #resolve: (() => void) | undefined;
  #promise: Promise<void> | undefined;
  #notified = false;

  /** Resolves at the next `notify()`, or at once if one came since the last wait. */
  wait(): Promise<void> {
    if (this.#notified) {
      this.#notified = false;
      return Promise.resolve();
    }
    if (this.#promise === undefined) {
      this.#promise = new Promise<void>((resolve) => {
        this.#resolve = resolve;
      });
    }
    return this.#promise;
  }

  notify(): void {
    const resolve = this.#resolve;
    if (resolve === undefined) {
      this.#notified = true;
      return;
    }
    this.#resolve = undefined;
    this.#promise = undefined;
    resolve();
  }
}

/**
 * Whether a reader is waiting, and what ends the wait: `waitUntilWoken()` (nothing to emit until new
 * splits or the end of input come), `sleep(ms)` (a rate limit), `wake()`. `isAvailable()` is what the
 * reader's own `isAvailable()` returns.
 */
export class ReaderWakeup {
  readonly #availability = new ReaderAvailability();
  #waiting = false;
  #timer: NodeJS.Timeout | undefined;

  isAvailable(): Promise<void> {
    return this.#waiting ? this.#availability.wait() : Promise.resolve();
  }

  waitUntilWoken(): void {
    this.#waiting = true;
  }

  sleep(ms: number): void {
    this.#waiting = true;
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.wake();
    }, ms);
  }

  wake(): void {
    if (!this.#waiting) return;
    this.#waiting = false;
    this.#availability.notify();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.wake();
  }
}
