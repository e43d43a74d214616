/**
 * @module TumblingEventTimeWindows (Flink's): fixed-size, non-overlapping windows of event time,
 * aligned to the epoch (plus an optional offset).
 */
import { EventTimeTrigger } from './event-time-trigger.ts';
import type { Trigger } from './trigger.ts';
import { TimeWindow, timeWindowSerializer, type WindowSerializer } from './window.ts';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.ts';
import { checkOffset, checkWindowSize, requireTimestamp } from './window-checks.ts';

/**
 * @example
 * keyed.window(TumblingEventTimeWindows.of(60_000))                 // [0, 60 s), [60 s, 120 s), ...
 * keyed.window(TumblingEventTimeWindows.of(86_400_000, -3_600_000)) // days from 23:00 UTC (midnight in UTC+1)
 */
export class TumblingEventTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  readonly size: number;
  readonly offset: number;

  private constructor(size: number, offset: number) {
    super();
    this.size = size;
    this.offset = offset;
  }

  /** Windows of `size` ms, starting at multiples of `size` shifted by `offset` (|offset| < size). */
  static of(size: number, offset = 0): TumblingEventTimeWindows {
    const where = 'TumblingEventTimeWindows.of()';
    const checked = checkWindowSize('size', size, where);
    return new TumblingEventTimeWindows(checked, checkOffset(offset, checked, where));
  }

  assignWindows(_element: unknown, timestamp: number, _context?: WindowAssignerContext): TimeWindow[] {
    requireTimestamp(timestamp, 'TumblingEventTimeWindows');
    const start = TimeWindow.getWindowStartWithOffset(timestamp, this.offset, this.size);
    return [new TimeWindow(start, start + this.size)];
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  getWindowSerializer(): WindowSerializer<TimeWindow> {
    return timeWindowSerializer;
  }

  isEventTime(): boolean {
    return true;
  }

  override toString(): string {
    return `TumblingEventTimeWindows(${this.size})`;
  }
}
