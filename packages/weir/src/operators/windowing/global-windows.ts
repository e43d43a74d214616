/**
 * @module GlobalWindows (Flink's): every element of a key in one window that never ends by time.
 * It never fires unless given a trigger, e.g. `CountTrigger.of(n)` (what `countWindow(n)` does).
 */
import { Trigger, TriggerResult } from './trigger.ts';
import { GlobalWindow, globalWindowSerializer, type WindowSerializer } from './window.ts';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.ts';

const WINDOWS: readonly GlobalWindow[] = Object.freeze([GlobalWindow.get()]);

export class GlobalWindows extends WindowAssigner<unknown, GlobalWindow> {
  private constructor() {
    super();
  }

  static create(): GlobalWindows {
    return new GlobalWindows();
  }

  assignWindows(_element?: unknown, _timestamp?: number, _context?: WindowAssignerContext): GlobalWindow[] {
    return WINDOWS as GlobalWindow[];
  }

  /** A trigger that never fires: set one with `.trigger(...)`. */
  getDefaultTrigger(): Trigger<unknown, GlobalWindow> {
    return new NeverTrigger();
  }

  getWindowSerializer(): WindowSerializer<GlobalWindow> {
    return globalWindowSerializer;
  }

  isEventTime(): boolean {
    return false;
  }

  override toString(): string {
    return 'GlobalWindows()';
  }
}

/** The default trigger of GlobalWindows: never fires. */
export class NeverTrigger extends Trigger<unknown, GlobalWindow> {
  onElement(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(): void {}

  clear(): void {}
}
