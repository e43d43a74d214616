/**
 * @module The operator contract the runtime drives: records with timestamps in, watermarks through,
 * a lifecycle of open -> process -> finish -> close. The few primitive operators implement it; the
 * DataStream API only composes them.
 */
import type { Clock } from '../core/clock.ts';
import type { JobId, OperatorUid } from '../core/ids.ts';
import type { Key } from '../core/key-groups.ts';
import type { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import type { OperatorStateBackend } from '../state/operator-state-backend.ts';

/** Where an operator sends what it emits: the next chained operator or the network. */
export interface Output<T> {
  /** Emits a record; `timestamp` is NO_TIMESTAMP when the record has none. */
  collect(value: T, timestamp: number): void;
  emitWatermark(timestamp: number): void;
}

/** Schedules callbacks at processing times; they run inside the task's loop, never concurrently. */
export interface ProcessingTimeService {
  now(): number;
  /** Runs `callback(time)` at or after `time`; returns a function that cancels it. */
  registerTimer(time: number, callback: (time: number) => void): () => void;
}

/** Everything the runtime hands an operator instance. */
export interface StreamOperatorContext {
  readonly name: string;
  readonly uid: OperatorUid;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly attemptNumber: number;
  /** `operator 'name' (uid x) subtask i/p` (1-based i), for error messages. */
  readonly description: string;
  readonly jobId: JobId;
  readonly jobName: string;
  readonly jobParameters: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly processingTimeService: ProcessingTimeService;
  /** Present when the operator's input is a KeyedStream. */
  readonly keyed: KeyedContext | undefined;
  /** The operator's list state (split or union on rescale); part of every checkpoint when used. */
  readonly operatorState: OperatorStateBackend;
  /** True when the job started from a checkpoint. */
  readonly restored: boolean;
  sendEventToCoordinator(event: unknown): void;
}

export interface KeyedContext {
  readonly keySelector: (value: unknown) => Key;
  readonly backend: HeapKeyedStateBackend;
}

/** An operator with one logical input (a union of channels counts as one input). */
// OUT is what the operator emits through its Output; it types the factories, not the methods.
export interface OneInputStreamOperator<IN, _OUT> {
  open(): void | Promise<void>;
  processElement(value: IN, timestamp: number): void;
  processWatermark(timestamp: number): void;
  /** End of input: emit what is pending (e.g. flush a sink); no record follows. */
  finish(): void | Promise<void>;
  /** Releases resources, after `finish` or on failure and cancel. */
  close(): void | Promise<void>;
  /** The user's function (or a sink's writer): told about completed and aborted checkpoints when it listens. */
  readonly userFunction?: unknown;
}

/** Creates the operator instance of one subtask; the API builds these, the runtime calls them. */
export type OperatorFactory<IN, OUT> = (context: StreamOperatorContext, output: Output<OUT>) => OneInputStreamOperator<IN, OUT>;
