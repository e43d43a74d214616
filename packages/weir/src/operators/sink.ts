/**
 * @module The sink contract (Flink's Sink V2 shape): a Sink creates one SinkWriter per subtask; a writer
 * may talk to a coordinator on the JobManager through operator events. A TwoPhaseCommittingSink adds a
 * Committer, for exactly-once delivery through two-phase commit riding on checkpoints.
 */
import type { TypeSerializer } from '../types/type-serializer.ts';

export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** `sink 'name' (uid ...) subtask i/p`, for error messages. */
  readonly description: string;
  readonly attemptNumber: number;
  /** Sends plain data to this sink's coordinator on the JobManager (see `Sink.createCoordinator`). */
  sendEventToCoordinator(event: unknown): void;
}

/**
 * Writes the records of one subtask. `write` is synchronous (buffer inside); I/O goes in `flush`. A
 * writer whose I/O can fall behind bounds its buffer with `isAvailable` and `onAvailable` (backpressure).
 */
export interface SinkWriter<T> {
  write(value: T, timestamp: number | undefined): void;
  /**
   * Optional backpressure. False while the writer holds as much as it should (e.g. batches waiting for a
   * slow database): its task then takes no more input, so no more `write` calls come and the slowdown
   * travels upstream to the sources, until the writer calls `onAvailable`. The task asks before each
   * batch of input, so the records of one batch may still arrive after it turned false. Checkpoints
   * (`flush`, `prepareCommit`) and the end of input go on as usual. A writer without it is always
   * available.
   */
  isAvailable?(): boolean;
  /**
   * Set by the runtime, before the first `write`, on a writer that has `isAvailable`: the writer calls it
   * when `isAvailable()` turns true again (a call while nothing waits does no harm). A writer that does
   * not call it stalls its task.
   */
  onAvailable?: (() => void) | undefined;
  /**
   * Makes buffered records durable or visible; `endOfInput` is true for the final flush. Also called
   * with false at every checkpoint (its synchronous phase): the task's acknowledgement waits for the
   * promise, so a completed checkpoint means what came before it was flushed (AT_LEAST_ONCE); a
   * rejection fails the task.
   */
  flush(endOfInput: boolean): void | Promise<void>;
  close(): void | Promise<void>;
}

/** Receives a sink's operator events on the JobManager. */
export interface OperatorCoordinator {
  handleEventFromOperator(subtaskIndex: number, event: unknown): void;
  /** A value the job result exposes under the sink's name once the job has ended. */
  result?(): unknown;
}

export interface Sink<T> {
  /** The default operator name. */
  readonly name: string;
  createWriter(context: SinkWriterContext): SinkWriter<T> | Promise<SinkWriter<T>>;
  /** Optional JobManager-side counterpart, created once per job run. */
  createCoordinator?(): OperatorCoordinator;
}

/**
 * What a sink promises after a failure and restore: NONE (records may be lost), AT_LEAST_ONCE (every
 * record arrives, some twice: the writer flushes at each checkpoint), EXACTLY_ONCE (two-phase commit:
 * what a checkpoint covers becomes visible once, when that checkpoint completes).
 */
export type DeliveryGuarantee = 'NONE' | 'AT_LEAST_ONCE' | 'EXACTLY_ONCE';

/** The context a two-phase-commit sink's writer and committer are created with. */
export interface CommittingSinkContext extends SinkWriterContext {
  /** The checkpoint this run restored, or undefined on a fresh start. */
  readonly restoredCheckpointId: number | undefined;
  readonly jobName: string;
  /** The sink operator's uid: stable across restarts, so it can name the sink's transactions. */
  readonly operatorUid: string;
}

/**
 * The checkpoint id `prepareCommit` gets for the final transaction at end of input when checkpointing
 * is off (Flink's Long.MAX_VALUE); with checkpointing the final checkpoint's own id comes instead.
 */
export const END_OF_INPUT_CHECKPOINT_ID = Number.MAX_SAFE_INTEGER;

/**
 * The writer of a two-phase-commit sink. Records go into the current transaction; at checkpoint n the
 * runtime calls `prepareCommit(n)` in the synchronous phase: from that call on, records go into a new
 * transaction, while the returned promise pre-commits the old one (e.g. PREPARE TRANSACTION) during the
 * asynchronous phase. Checkpoint n completes only once every subtask's pre-commit resolved; the
 * committables it returns are part of checkpoint n. `flush(false)` is called right before it. A
 * pre-commit that throws or rejects fails the task (its records would be lost otherwise).
 *
 * At end of input (a bounded job) the runtime calls `flush(true)`. With checkpointing on, the last
 * transaction is then pre-committed by the job's final checkpoint (`flush(false)`, `prepareCommit(n)`,
 * taken once every task's input ended) and committed when it completes; without checkpointing the
 * runtime calls `prepareCommit(END_OF_INPUT_CHECKPOINT_ID)` and commits that last transaction and every
 * pending one at once.
 */
export interface CommittingSinkWriter<T, CommT> extends SinkWriter<T> {
  prepareCommit(checkpointId: number): CommT[] | Promise<CommT[]>;
}

/**
 * Makes pre-committed transactions visible. `commit` runs when their checkpoint (or a later one)
 * completed, and again after a restore for what the restored checkpoint recorded, so it must succeed
 * when a committable was already committed. A commit that throws fails the task; the restart commits
 * it again from the restored checkpoint.
 */
export interface Committer<CommT> {
  commit(committables: readonly CommT[]): Promise<void>;
  close(): void | Promise<void>;
}

/**
 * A sink with exactly-once delivery through two-phase commit (Flink's TwoPhaseCommittingSink). The
 * runtime keeps the committables of every checkpoint not yet committed in the sink's operator state,
 * commits them on `notifyCheckpointComplete` (completion of n subsumes every lower id), and on a
 * restore commits the restored ones before the writer is created, then calls `abortLingering` so
 * transactions that earlier attempts prepared but no completed checkpoint recorded are rolled back.
 */
export interface TwoPhaseCommittingSink<T, CommT> extends Sink<T> {
  readonly deliveryGuarantee: DeliveryGuarantee;
  /**
   * How committables are stored in checkpoints (as union list state of `{ subtask, checkpointId,
   * committable }`); `Types.generic()` (anything structured-clone-able) when absent.
   */
  readonly committableType?: TypeSerializer<CommT> | undefined;
  createWriter(context: CommittingSinkContext): CommittingSinkWriter<T, CommT> | Promise<CommittingSinkWriter<T, CommT>>;
  createCommitter(context: CommittingSinkContext): Committer<CommT> | Promise<Committer<CommT>>;
  /**
   * Rolls back what earlier attempts prepared and no restored checkpoint recorded, for every earlier
   * subtask s with `s % parallelism === subtaskIndex` (so subtasks never touch each other's
   * transactions). Runs once per subtask start, after the restored committables were committed and
   * before the writer's first transaction.
   */
  abortLingering?(context: CommittingSinkContext): Promise<void>;
}

export function isTwoPhaseCommittingSink(sink: Sink<unknown>): sink is TwoPhaseCommittingSink<unknown, unknown> {
  return typeof (sink as Partial<TwoPhaseCommittingSink<unknown, unknown>>).createCommitter === 'function';
}
