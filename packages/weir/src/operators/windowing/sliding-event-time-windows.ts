/**
 * @module SlidingEventTimeWindows (Flink's): windows of `size` ms of event time that start every
 * `slide` ms, so an element belongs to size / slide windows (rounded up).
 */
import { EventTimeTrigger } from './event-time-trigger.ts';
import type { Trigger } from './trigger.ts';
import { TimeWindow, timeWindowSerializer, type WindowSerializer } from './window.ts';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.ts';
import { checkOffset, checkWindowSize, requireTimestamp } from './window-checks.ts';

/**
 * @example
 * keyed.window(SlidingEventTimeWindows.of(60_000, 10_000)) // the last minute, every 10 seconds
 */
export class SlidingEventTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  readonly size: number;
  readonly slide: number;
  readonly offset: number;

  private constructor(size: number, slide: number, offset: number) {
    super();
    this.size = size;
    this.slide = slide;
    this.offset = offset;
  }

  static of(size: number, slide: number, offset = 0): SlidingEventTimeWindows {
    const where = 'SlidingEventTimeWindows.of()';
    const checkedSlide = checkWindowSize('slide', slide, where);
    return new SlidingEventTimeWindows(checkWindowSize('size', size, where), checkedSlide, checkOffset(offset, checkedSlide, where));
  }

  assignWindows(_element: unknown, timestamp: number, _context?: WindowAssignerContext): TimeWindow[] {
    requireTimestamp(timestamp, 'SlidingEventTimeWindows');
    return slidingWindows(timestamp, this.size, this.slide, this.offset);
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
    return `SlidingEventTimeWindows(${this.size}, ${this.slide})`;
  }
}

/** The windows of `size` starting every `slide` (shifted by `offset`) that hold `timestamp`, latest first. */
export function slidingWindows(timestamp: number, size: number, slide: number, offset: number): TimeWindow[] {
  const windows: TimeWindow[] = [];
  const lastStart = TimeWindow.getWindowStartWithOffset(timestamp, offset, slide);
  for (let start = lastStart; start > timestamp - size; start -= slide) windows.push(new TimeWindow(start, start + size));
  return windows;
}
