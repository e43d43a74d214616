/**
 * @module The operator contract the runtime drives: records with timestamps in, watermarks through,
 * a lifecycle of open -> process -> finish -> close. The few primitive operators implement it; the
 * DataStream API only composes them.
 */
import type { Clock } from '../core/clock.ts';
import type { CheckpointId, JobId, OperatorUid } from '../core/ids.ts';
import type { Key } from '../core/key-groups.ts';
import type { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import type { OperatorStateBackend, OperatorStateSnapshot } from '../state/operator-state-backend.ts';
import type { OutputTag } from './output-tag.ts';

/** Where an operator sends what it emits: the next chained operator or the network. */
export interface Output<T> {
  /** Emits a record; `timestamp` is NO_TIMESTAMP when the record has none. */
  collect(value: T, timestamp: number): void;
  /** Emits a record to the side output `tag`; dropped when no stream reads that side output. */
  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void;
  emitWatermark(timestamp: number): void;
  /** The output became idle (its watermark stops holding event time back downstream) or active again. */
  emitWatermarkStatus(idle: boolean): void;
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
  /** The checkpoint the task's state came from, or undefined on a fresh start. */
  readonly restoredCheckpointId?: number | undefined;
  /**
   * True when checkpointing is on: the job ends with a final checkpoint taken after every task's input
   * ended, whose completion is notified before the operators close. A two-phase-commit sink leaves its
   * last transaction to it instead of committing in `finish()`.
   */
  readonly finalCheckpoint?: boolean | undefined;
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
  /**
   * The input became idle or active again. Without this method the status is passed on unchanged;
   * an operator that makes watermarks of its own (a timestamp assigner) implements it.
   */
  processWatermarkStatus?(idle: boolean): void;
  /** End of input: emit what is pending (e.g. flush a sink); no record follows. */
  finish(): void | Promise<void>;
  /** Releases resources, after `finish` or on failure and cancel. */
  close(): void | Promise<void>;
  /** The user's function (or a sink's writer): told about completed and aborted checkpoints when it listens. */
  readonly userFunction?: unknown;
  /**
   * Optional (Flink's OperatorSnapshotFutures): called in the synchronous phase of checkpoint n, after
   * the user function's snapshotState, for work only I/O can finish, such as a sink's flush or
   * pre-commit. The task goes on processing; its acknowledgement of checkpoint n waits for the promise,
   * and a rejection fails the task. A snapshot it resolves to replaces the operator state frozen in the
   * synchronous phase, so the operator can record what the I/O returned (a sink's committables); it
   * must hold exactly what belongs to checkpoint n.
   */
  snapshotStateAsync?(checkpointId: CheckpointId): Promise<OperatorStateSnapshot | undefined> | undefined;
  /** Optional: checkpoint n (and every lower one) completed; a rejection fails the task. Called before the user function's. */
  notifyCheckpointComplete?(checkpointId: CheckpointId): void | Promise<void>;
  /** Optional: checkpoint n was aborted. Called before the user function's. */
  notifyCheckpointAborted?(checkpointId: CheckpointId): void | Promise<void>;
}

/** Creates the operator instance of one subtask; the API builds these, the runtime calls them. */
export type OperatorFactory<IN, OUT> = (context: StreamOperatorContext, output: Output<OUT>) => OneInputStreamOperator<IN, OUT>;
