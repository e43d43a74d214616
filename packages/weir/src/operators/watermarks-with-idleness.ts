/**
 * @module WatermarksWithIdleness: wraps a generator and marks its output idle when no event arrived
 * for the idle timeout (measured in processing time at the periodic emits), as Flink's does.
 */
import type { Clock } from '../core/clock.ts';
import type { WatermarkGenerator, WatermarkOutput } from './watermark-generator.ts';

export class WatermarksWithIdleness<T> implements WatermarkGenerator<T> {
  readonly #watermarks: WatermarkGenerator<T>;
  readonly #timer: IdlenessTimer;
  #idle = false;

  constructor(watermarks: WatermarkGenerator<T>, idleTimeoutMs: number, clock: Clock) {
    this.#watermarks = watermarks;
    this.#timer = new IdlenessTimer(clock, idleTimeoutMs);
  }

  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void {
    this.#watermarks.onEvent(event, eventTimestamp, output);
    this.#timer.activity();
    this.#idle = false;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.#timer.checkIfIdle()) {
      if (!this.#idle) {
        output.markIdle();
        this.#idle = true;
      }
    } else {
      this.#watermarks.onPeriodicEmit(output);
    }
  }
}

/**
 * Idle once no activity was seen for longer than the timeout since the first check that found none;
 * so an input is idle between `timeout` and `timeout + interval` after its last event.
 */
class IdlenessTimer {
  readonly #clock: Clock;
  readonly #timeout: number;
  #counter = 0;
  #lastCounter = 0;
  #startOfInactivity = -1;

  constructor(clock: Clock, timeout: number) {
    this.#clock = clock;
    this.#timeout = timeout;
  }

  activity(): void {
    this.#counter++;
  }

  checkIfIdle(): boolean {
    if (this.#counter !== this.#lastCounter) {
      this.#lastCounter = this.#counter;
      this.#startOfInactivity = -1;
      return false;
    }
    if (this.#startOfInactivity < 0) {
      this.#startOfInactivity = this.#clock.now();
      return false;
    }
    return this.#clock.now() - this.#startOfInactivity > this.#timeout;
  }
}
