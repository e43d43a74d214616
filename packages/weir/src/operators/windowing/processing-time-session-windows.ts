/**
 * @module ProcessingTimeSessionWindows (Flink's): sessions of processing time that end after `gap` ms
 * without elements.
 */
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import type { Trigger } from './trigger.ts';
import { TimeWindow, timeWindowSerializer, type WindowSerializer } from './window.ts';
import { MergingWindowAssigner, type MergeCallback, type WindowAssignerContext } from './window-assigner.ts';
import { checkWindowSize } from './window-checks.ts';

export class ProcessingTimeSessionWindows extends MergingWindowAssigner<unknown, TimeWindow> {
  readonly gap: number;

  private constructor(gap: number) {
    super();
    this.gap = gap;
  }

  static withGap(gap: number): ProcessingTimeSessionWindows {
    return new ProcessingTimeSessionWindows(checkWindowSize('gap', gap, 'ProcessingTimeSessionWindows.withGap()'));
  }

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    const now = context.getCurrentProcessingTime();
    return [new TimeWindow(now, now + this.gap)];
  }

  mergeWindows(windows: Iterable<TimeWindow>, callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
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
    return `ProcessingTimeSessionWindows(${this.gap})`;
  }
}
