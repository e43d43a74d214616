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
