/**
 * @module PurgingTrigger (Flink's): wraps a trigger so every FIRE also purges the window, e.g.
 * `countWindow(n)` is GlobalWindows with `PurgingTrigger.of(CountTrigger.of(n))`.
 */
import { Trigger, TriggerResult, type OnMergeContext, type TriggerContext } from './trigger.ts';
import type { Window } from './window.ts';

export class PurgingTrigger<T, W extends Window> extends Trigger<T, W> {
  readonly #nested: Trigger<T, W>;

  private constructor(nested: Trigger<T, W>) {
    super();
    this.#nested = nested;
  }

  static of<T, W extends Window>(nested: Trigger<T, W>): PurgingTrigger<T, W> {
    return new PurgingTrigger(nested);
  }

  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.#nested.onElement(element, timestamp, window, ctx));
  }

  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.#nested.onEventTime(time, window, ctx));
  }

  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.#nested.onProcessingTime(time, window, ctx));
  }

  override canMerge(): boolean {
    return this.#nested.canMerge();
  }

  override onMerge(window: W, ctx: OnMergeContext): void {
    this.#nested.onMerge(window, ctx);
  }

  clear(window: W, ctx: TriggerContext): void {
    this.#nested.clear(window, ctx);
  }

  override toString(): string {
    return `PurgingTrigger(${String(this.#nested)})`;
  }
}

function purging(result: TriggerResult): TriggerResult {
  return result === TriggerResult.FIRE ? TriggerResult.FIRE_AND_PURGE : result;
}
