/**
 * @module CountTrigger (Flink's): fires a window every time it has received `maxCount` more
 * elements. It keeps the count in trigger state, merged when windows merge.
 */
import { checkInteger } from '../../core/options.ts';
import { ReducingStateDescriptor } from '../../state/state-descriptors.ts';
import { Types } from '../../types/types.ts';
import { Trigger, TriggerResult, type OnMergeContext, type TriggerContext } from './trigger.ts';
import type { Window } from './window.ts';

export class CountTrigger<W extends Window = Window> extends Trigger<unknown, W> {
  readonly #maxCount: number;
  readonly #count = new ReducingStateDescriptor<number>('count', (a, b) => a + b, Types.number);

  private constructor(maxCount: number) {
    super();
    this.#maxCount = maxCount;
  }

  /** Fires every `maxCount` elements. */
  static of<W extends Window = Window>(maxCount: number): CountTrigger<W> {
    return new CountTrigger<W>(checkInteger('maxCount', maxCount, 1, Number.MAX_SAFE_INTEGER, 'CountTrigger.of()'));
  }

  onElement(_element: unknown, _timestamp: number, _window: W, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState(this.#count);
    count.add(1);
    if ((count.get() ?? 0) >= this.#maxCount) {
      count.clear();
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  onEventTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_window: W, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.#count);
  }

  clear(_window: W, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.#count).clear();
  }

  override toString(): string {
    return `CountTrigger(${this.#maxCount})`;
  }
}
