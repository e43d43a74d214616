/**
 * @module EventTimeSessionWindows (Flink's): each element opens a window [timestamp, timestamp + gap);
 * windows that overlap or touch merge, so a session ends after `gap` ms without elements.
 */
import { EventTimeTrigger } from './event-time-trigger.ts';
import type { Trigger } from './trigger.ts';
import { TimeWindow, timeWindowSerializer, type WindowSerializer } from './window.ts';
import { MergingWindowAssigner, type MergeCallback, type WindowAssignerContext } from './window-assigner.ts';
import { checkWindowSize, requireTimestamp } from './window-checks.ts';

/**
 * @example
 * clicks.keyBy((c) => c.user).window(EventTimeSessionWindows.withGap(30 * 60_000)) // 30-minute sessions
 */
export class EventTimeSessionWindows extends MergingWindowAssigner<unknown, TimeWindow> {
  readonly gap: number;

  private constructor(gap: number) {
    super();
    this.gap = gap;
  }

  static withGap(gap: number): EventTimeSessionWindows {
    return new EventTimeSessionWindows(checkWindowSize('gap', gap, 'EventTimeSessionWindows.withGap()'));
  }

  assignWindows(_element: unknown, timestamp: number, _context?: WindowAssignerContext): TimeWindow[] {
    requireTimestamp(timestamp, 'EventTimeSessionWindows');
    return [new TimeWindow(timestamp, timestamp + this.gap)];
  }

  mergeWindows(windows: Iterable<TimeWindow>, callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
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
    return `EventTimeSessionWindows(${this.gap})`;
  }
}
