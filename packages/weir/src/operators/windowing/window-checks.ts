/**
 * @module Checks the window assigners share: sizes, offsets and the timestamps event-time windows need.
 */
import { WeirError } from '../../core/errors.ts';
import { invalidOption } from '../../core/options.ts';

/** A window size, slide or gap: a positive, finite number of milliseconds. */
export function checkWindowSize(option: string, value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) invalidOption(option, value, 'a positive number of milliseconds', where);
  return value;
}

/** An offset smaller than `size` in absolute value. */
export function checkOffset(offset: unknown, size: number, where: string): number {
  if (typeof offset !== 'number' || !Number.isFinite(offset) || Math.abs(offset) >= size) {
    invalidOption('offset', offset, `a number of milliseconds between -${size} and ${size}, exclusive`, where);
  }
  return offset;
}

/** Event-time windows need each record's timestamp; a record without one is a job setup error. */
export function requireTimestamp(timestamp: number, assigner: string): void {
  if (timestamp === Number.NEGATIVE_INFINITY || Number.isNaN(timestamp)) {
    throw new WeirError('INVALID_TIMESTAMP', `${assigner} got a record without a timestamp`, {
      hint: 'event-time windows need event timestamps: give the source a WatermarkStrategy with a timestamp assigner (env.fromSource(source, strategy, name)) or call assignTimestampsAndWatermarks(strategy) before keyBy(); or use processing-time windows',
    });
  }
}
