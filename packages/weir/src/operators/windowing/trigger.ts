/**
 * @module Trigger (Flink's): decides when a window's contents are emitted (fired) and when they are
 * dropped (purged), on each element, on timers it registered, and when windows merge.
 */
import { WeirError } from '../../core/errors.ts';
import type { StateDescriptor } from '../../state/state-descriptors.ts';
import type { StateOf } from '../../state/state.ts';
import type { Window } from './window.ts';

/** What a trigger decides: emit the window (FIRE), drop its contents (PURGE), both, or neither. */
export const TriggerResult = {
  CONTINUE: 'CONTINUE',
  FIRE: 'FIRE',
  PURGE: 'PURGE',
  FIRE_AND_PURGE: 'FIRE_AND_PURGE',
} as const;
export type TriggerResult = (typeof TriggerResult)[keyof typeof TriggerResult];

export function isFire(result: TriggerResult): boolean {
  return result === 'FIRE' || result === 'FIRE_AND_PURGE';
}

export function isPurge(result: TriggerResult): boolean {
  return result === 'PURGE' || result === 'FIRE_AND_PURGE';
}

/** What a trigger can do for the current key and window: read time, set timers, keep state. */
export interface TriggerContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
  /** Calls `onProcessingTime(time, window)` once processing time reaches `time`. */
  registerProcessingTimeTimer(time: number): void;
  /** Calls `onEventTime(time, window)` once the watermark reaches `time`. */
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  /** State of this trigger scoped to the current key and window (e.g. a count). */
  getPartitionedState<D extends StateDescriptor>(descriptor: D): StateOf<D>;
}

/** The context of `onMerge`: the trigger's state of the merged windows can be merged into the new one. */
export interface OnMergeContext extends TriggerContext {
  /** Merges the state `descriptor` names (list, reducing or aggregating) of the merged windows into the current window. */
  mergePartitionedState(descriptor: StateDescriptor): void;
}

/**
 * Decides when a window fires. Each method returns what to do; the window operator fires (emits the
 * contents through the window function) and purges (clears the contents) accordingly.
 *
 * @example
 * // fire every 100 elements and at the end of the window
 * class EveryHundred extends Trigger<Click, TimeWindow> { ... }
 */
export abstract class Trigger<T, W extends Window> {
  abstract onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  abstract onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  abstract onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;

  /** True when the trigger supports merging windows (session windows need one that does). */
  canMerge(): boolean {
    return false;
  }

  /** Windows were merged into `window`: set up timers and state for it. */
  onMerge(_window: W, _ctx: OnMergeContext): void {
    throw new WeirError('INVALID_OPTION', `trigger ${this.constructor.name} does not support merging windows`, {
      hint: 'use a trigger whose canMerge() returns true with session windows',
    });
  }

  /** The window is gone: delete the timers and state this trigger keeps for it. */
  abstract clear(window: W, ctx: TriggerContext): void;

  toString(): string {
    return `${this.constructor.name}()`;
  }
}
