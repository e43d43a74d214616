/**
 * @module CountEvictor (Flink's): keeps only the last `maxCount` elements of a window, e.g. for
 * `countWindow(size, slide)`.
 */
import { checkInteger } from '../../core/options.ts';
import type { Evictor, TimestampedValue } from './evictor.ts';
import type { Window } from './window.ts';

export class CountEvictor<W extends Window = Window> implements Evictor<unknown, W> {
  readonly #maxCount: number;
  readonly #doEvictAfter: boolean;

  private constructor(maxCount: number, doEvictAfter: boolean) {
    this.#maxCount = maxCount;
    this.#doEvictAfter = doEvictAfter;
  }

  /** Keeps the last `maxCount` elements, before the window function runs (or after, with `doEvictAfter`). */
  static of<W extends Window = Window>(maxCount: number, doEvictAfter = false): CountEvictor<W> {
    return new CountEvictor<W>(checkInteger('maxCount', maxCount, 1, Number.MAX_SAFE_INTEGER, 'CountEvictor.of()'), doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<unknown>[], size: number): void {
    if (!this.#doEvictAfter) this.#evict(elements, size);
  }

  evictAfter(elements: TimestampedValue<unknown>[], size: number): void {
    if (this.#doEvictAfter) this.#evict(elements, size);
  }

  #evict(elements: TimestampedValue<unknown>[], size: number): void {
    if (size > this.#maxCount) elements.splice(0, size - this.#maxCount);
  }
}
