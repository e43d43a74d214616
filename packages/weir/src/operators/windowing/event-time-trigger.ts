/**
 * @module EventTimeTrigger (Flink's): fires a window once the watermark passes its end; the default
 * trigger of event-time windows. A late element in a window kept for allowed lateness fires it again.
 */
import { Trigger, TriggerResult, type OnMergeContext, type TriggerContext } from './trigger.ts';
import type { TimeWindow } from './window.ts';

export class EventTimeTrigger extends Trigger<unknown, TimeWindow> {
  private constructor() {
    super();
  }

  static create(): EventTimeTrigger {
    return new EventTimeTrigger();
  }

  onElement(_element: unknown, _timestamp: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    // The watermark is past the window already: a late element allowed by allowedLateness fires at once.
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: TimeWindow, _ctx: TriggerContext): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: TimeWindow, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: TimeWindow, ctx: OnMergeContext): void {
    // Only while the watermark has not passed the merged window; otherwise it would fire at once and again.
    if (window.maxTimestamp() > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(window.maxTimestamp());
  }

  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  override toString(): string {
    return 'EventTimeTrigger()';
  }
}
