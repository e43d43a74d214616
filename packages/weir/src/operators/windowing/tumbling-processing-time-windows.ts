/**
 * @module TumblingProcessingTimeWindows (Flink's): fixed-size, non-overlapping windows of the
 * processing time at which each record arrives.
 */
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import type { Trigger } from './trigger.ts';
import { TimeWindow, timeWindowSerializer, type WindowSerializer } from './window.ts';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.ts';
import { checkOffset, checkWindowSize } from './window-checks.ts';

export class TumblingProcessingTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  readonly size: number;
  readonly offset: number;

  private constructor(size: number, offset: number) {
    super();
    this.size = size;
    this.offset = offset;
  }

  /** Windows of `size` ms of processing time, starting at multiples of `size` shifted by `offset`. */
  static of(size: number, offset = 0): TumblingProcessingTimeWindows {
    const where = 'TumblingProcessingTimeWindows.of()';
    const checked = checkWindowSize('size', size, where);
    return new TumblingProcessingTimeWindows(checked, checkOffset(offset, checked, where));
  }

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    const now = context.getCurrentProcessingTime();
    const start = TimeWindow.getWindowStartWithOffset(now, this.offset, this.size);
    return [new TimeWindow(start, start + this.size)];
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  getWindowSerializer(): WindowSerializer<TimeWindow> {
    return timeWindowSerializer;
  }

  isEventTime(): boolean {
    return false;
  }

  override toString(): string {
    return `TumblingProcessingTimeWindows(${this.size})`;
  }
}
