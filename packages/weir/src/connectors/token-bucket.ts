/**
 * @module A token bucket that never blocks, for sources that emit at a set rate: `acquire` grants what
 * has accrued, `msUntilBurst` says when the next burst is due. Bursts of ~10 ms of records keep timers
 * at most ~100 per second at any rate.
 */

/** How much time one burst covers. */
const BURST_MS = 10;
/** How much time a source may catch up at once after a pause (a full backpressured buffer, say). */
const CATCH_UP_MS = 50;

export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #capacity: number;
  #tokens: number;
  #last: number | undefined;

  /** `maxBurst` caps a burst (a source's records per poll). */
  constructor(perSecond: number, maxBurst: number) {
    this.#perMs = perSecond / 1000;
    this.#burst = Math.max(1, Math.min(maxBurst, Math.ceil(this.#perMs * BURST_MS)));
    this.#capacity = Math.max(2 * this.#burst, Math.ceil(this.#perMs * CATCH_UP_MS));
    this.#tokens = this.#burst;
  }

  /** Takes up to `max` whole tokens; 0 until a full burst has accrued, so records come in bursts. */
  acquire(max: number, now: number): number {
    this.#refill(now);
    if (this.#tokens < this.#burst) return 0;
    const granted = Math.min(max, Math.floor(this.#tokens));
    this.#tokens -= granted;
    return granted;
  }

  giveBack(tokens: number): void {
    this.#tokens = Math.min(this.#capacity, this.#tokens + tokens);
  }

  msUntilBurst(now: number): number {
    this.#refill(now);
    return Math.max(1, Math.ceil((this.#burst - this.#tokens) / this.#perMs));
  }

  #refill(now: number): void {
    if (this.#last !== undefined) this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
  }
}
