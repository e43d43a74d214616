/**
 * @module The periodic generators for events that are out of order by a bounded time, and for
 * ascending timestamps (a bound of zero), as Flink's BoundedOutOfOrdernessWatermarks and
 * AscendingTimestampsWatermarks.
 */
import { checkNumber } from '../core/options.ts';
import type { WatermarkGenerator, WatermarkOutput } from './watermark-generator.ts';

/**
 * Emits `max timestamp seen - outOfOrderness - 1` periodically: an event may arrive up to
 * `outOfOrderness` ms after a later one and still not be late.
 */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  readonly #outOfOrderness: number;
  #maxTimestamp = Number.NEGATIVE_INFINITY;

  constructor(maxOutOfOrdernessMs: number) {
    this.#outOfOrderness = checkNumber('maxOutOfOrderness', maxOutOfOrdernessMs, 0, Number.MAX_SAFE_INTEGER, 'WatermarkStrategy.forBoundedOutOfOrderness()');
  }

  onEvent(_event: T, eventTimestamp: number): void {
    if (eventTimestamp > this.#maxTimestamp) this.#maxTimestamp = eventTimestamp;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.#maxTimestamp === Number.NEGATIVE_INFINITY) return;
    output.emitWatermark(this.#maxTimestamp - this.#outOfOrderness - 1);
  }
}

/** For timestamps that never decrease: the watermark is the highest timestamp seen minus 1. */
export class AscendingTimestampsWatermarks<T> extends BoundedOutOfOrdernessWatermarks<T> {
  constructor() {
    super(0);
  }
}
