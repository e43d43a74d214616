/**
 * @module The in-band elements that travel with records through channels: watermarks, checkpoint
 * barriers and the end of input. Records themselves travel as plain values in batches.
 */
import type { CheckpointId } from './ids.ts';

/** Timestamp of a record that has none (Flink uses Long.MIN_VALUE). */
export const NO_TIMESTAMP = Number.NEGATIVE_INFINITY;
/** The watermark that closes event time; also emitted at the end of a bounded input. */
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;

/** Event-time progress: no record with a timestamp <= `timestamp` should follow. */
export interface Watermark {
  readonly kind: 'watermark';
  readonly timestamp: number;
}

export type CheckpointType = 'checkpoint' | 'savepoint';

/** Marks the position in a stream where checkpoint `checkpointId` is taken. */
export interface CheckpointBarrier {
  readonly kind: 'barrier';
  readonly checkpointId: CheckpointId;
  readonly timestamp: number;
  readonly type: CheckpointType;
  /** True when the barrier may overtake buffered records (unaligned checkpoint). */
  readonly unaligned: boolean;
}

/** The channel's producer has finished; no element follows. */
export interface EndOfInput {
  readonly kind: 'end-of-input';
}

/** Whether an input is currently idle for watermark purposes. */
export interface WatermarkStatus {
  readonly kind: 'watermark-status';
  readonly idle: boolean;
}

/** Every non-record element that travels in-band. */
export type ControlElement = Watermark | CheckpointBarrier | EndOfInput | WatermarkStatus;

export const END_OF_INPUT: EndOfInput = Object.freeze({ kind: 'end-of-input' });

export function watermark(timestamp: number): Watermark {
  return { kind: 'watermark', timestamp };
}

/** An input or output that is idle: its watermark does not hold event time back until it is active again. */
export const WATERMARK_STATUS_IDLE: WatermarkStatus = Object.freeze({ kind: 'watermark-status', idle: true });
/** An input or output that is active again after being idle. */
export const WATERMARK_STATUS_ACTIVE: WatermarkStatus = Object.freeze({ kind: 'watermark-status', idle: false });
