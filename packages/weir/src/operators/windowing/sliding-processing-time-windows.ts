/**
 * @module SlidingProcessingTimeWindows (Flink's): windows of `size` ms of processing time that start
 * every `slide` ms.
 */
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import { slidingWindows } from './sliding-event-time-windows.ts';
import type { Trigger } from './trigger.ts';
import { timeWindowSerializer, type TimeWindow, type WindowSerializer } from './window.ts';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.ts';
import { checkOffset, checkWindowSize } from './window-checks.ts';

export class SlidingProcessingTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  readonly size: number;
  readonly slide: number;
  readonly offset: number;

  private constructor(size: number, slide: number, offset: number) {
    super();
    this.size = size;
    this.slide = slide;
    this.offset = offset;
  }

  static of(size: number, slide: number, offset = 0): SlidingProcessingTimeWindows {
    const where = 'SlidingProcessingTimeWindows.of()';
    const checkedSlide = checkWindowSize('slide', slide, where);
    return new SlidingProcessingTimeWindows(checkWindowSize('size', size, where), checkedSlide, checkOffset(offset, checkedSlide, where));
  }

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    return slidingWindows(context.getCurrentProcessingTime(), this.size, this.slide, this.offset);
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
    return `SlidingProcessingTimeWindows(${this.size}, ${this.slide})`;
  }
}
