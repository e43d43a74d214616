/**
 * @module WindowAssigner (Flink's): puts each element into zero or more windows; a
 * MergingWindowAssigner's windows can merge (sessions). The window join builds on these too.
 */
import type { Trigger } from './trigger.ts';
import type { Window, WindowSerializer } from './window.ts';

/** What an assigner can read while it assigns. */
export interface WindowAssignerContext {
  getCurrentProcessingTime(): number;
}

/**
 * Assigns windows to elements. `timestamp` is the element's event timestamp (`-Infinity` when it has
 * none); processing-time assigners read the context's processing time instead.
 */
export abstract class WindowAssigner<T, W extends Window> {
  abstract assignWindows(element: T, timestamp: number, context: WindowAssignerContext): W[];
  /** The trigger a windowed stream uses unless `.trigger()` sets another. */
  abstract getDefaultTrigger(): Trigger<T, W>;
  abstract getWindowSerializer(): WindowSerializer<W>;
  /** True when windows are in event time (allowed lateness and late data apply). */
  abstract isEventTime(): boolean;

  toString(): string {
    return this.constructor.name;
  }
}

/** Receives each group of windows that merge, and the window they become. */
export type MergeCallback<W> = (toBeMerged: W[], mergeResult: W) => void;

/** An assigner whose windows merge when they overlap (session windows). */
export abstract class MergingWindowAssigner<T, W extends Window> extends WindowAssigner<T, W> {
  /** Calls `callback` for every group of `windows` that merges into one. */
  abstract mergeWindows(windows: Iterable<W>, callback: MergeCallback<W>): void;
}

export function isMergingWindowAssigner<T, W extends Window>(assigner: WindowAssigner<T, W>): assigner is MergingWindowAssigner<T, W> {
  return typeof (assigner as Partial<MergingWindowAssigner<T, W>>).mergeWindows === 'function';
}
