/**
 * @module Evictor (Flink's): removes elements from a fired window before and/or after the window
 * function runs. A window with an evictor keeps every element (no incremental aggregation).
 */
import type { Window } from './window.ts';

/** An element of a window with its timestamp. */
export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: number;
}

export interface EvictorContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
}

/** Removes elements from `elements` (in arrival order) in place, e.g. with `splice`. */
export interface Evictor<T, W extends Window> {
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, context: EvictorContext): void;
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, context: EvictorContext): void;
}
