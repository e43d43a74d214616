/**
 * @module The sink operator: hands each record to the subtask's SinkWriter, flushes it at every
 * checkpoint and at the end, and tells its task whether the writer takes more (backpressure). For a
 * TwoPhaseCommittingSink it is also the committer (Flink's Sink V2 with the committer in the sink task):
 * it pre-commits at each checkpoint, keeps the committables in union list state until their checkpoint
 * completed, then commits them, and on a restore commits the restored ones before the writer exists.
 */
import { describeCause, WeirError } from '../core/errors.ts';
import type { CheckpointId } from '../core/ids.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { OperatorStateSnapshot } from '../state/operator-state-backend.ts';
import { ListStateDescriptor } from '../state/state-descriptors.ts';
import type { ListState } from '../state/state.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { Types } from '../types/types.ts';
import {
  END_OF_INPUT_CHECKPOINT_ID,
  isTwoPhaseCommittingSink,
  type CommittingSinkContext,
  type CommittingSinkWriter,
  type Committer,
  type Sink,
  type SinkWriter,
  type SinkWriterContext,
  type TwoPhaseCommittingSink,
} from './sink.ts';
import type { OneInputStreamOperator, StreamOperatorContext } from './stream-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

/** The name of a two-phase-commit sink's union list state in snapshots. */
export const COMMITTABLES_STATE = 'sink-committables';

/** One pre-committed transaction not yet known to be committed, as the union list state holds it. */
export interface PendingCommittable {
  /** The subtask whose writer prepared it: after a restore, subtask `subtask % parallelism` commits it. */
  readonly subtask: number;
  readonly checkpointId: number;
  readonly committable: unknown;
}

/** The element serializer of the committables state. */
export function pendingCommittableType(committable: TypeSerializer<unknown> | undefined): TypeSerializer<PendingCommittable> {
  return Types.object({ subtask: Types.int, checkpointId: Types.number, committable: committable ?? Types.generic<unknown>() }) as TypeSerializer<PendingCommittable>;
}

/** What a two-phase-commit sink keeps besides its writer. */
interface Committing {
  readonly sink: TwoPhaseCommittingSink<unknown, unknown>;
  readonly state: ListState<PendingCommittable>;
  committer: Committer<unknown> | undefined;
  /** Prepared and not known to be committed, oldest checkpoint first. */
  pending: PendingCommittable[];
  /** Resolves once the committables of every checkpoint so far are in `pending` (pre-commits land in order). */
  landed: Promise<void>;
  /** The commits in flight, one after the other; never rejects (a failed commit fails the task). */
  commits: Promise<void>;
}

export class SinkOperator<T> implements OneInputStreamOperator<T, never> {
  readonly #sink: Sink<T>;
  readonly #context: StreamOperatorContext;
  #writer: SinkWriter<T> | undefined;
  #committing: Committing | undefined;

  constructor(sink: Sink<T>, context: StreamOperatorContext) {
    this.#sink = sink;
    this.#context = context;
  }

  get userFunction(): unknown {
    return this.#writer;
  }

  async open(): Promise<void> {
    const sink = this.#sink as Sink<unknown>;
    if (isTwoPhaseCommittingSink(sink)) {
      await this.#openCommitting(sink);
      return;
    }
    this.#writer = await this.#step('create its writer', () => this.#sink.createWriter(this.#writerContext()));
  }

  processElement(value: T, timestamp: number): void {
    try {
      (this.#writer as SinkWriter<T>).write(value, timestamp === NO_TIMESTAMP ? undefined : timestamp);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'write()', error);
    }
  }

  processWatermark(): void {}

  /**
   * Hands `onAvailable` to the writer when it has backpressure (`SinkWriter.isAvailable`) and returns
   * true; false for a writer without it (and before `open`), which is always available.
   */
  watchAvailability(onAvailable: () => void): boolean {
    const writer = this.#writer;
    if (writer === undefined || typeof writer.isAvailable !== 'function') return false;
    writer.onAvailable = onAvailable;
    return true;
  }

  /** Whether the writer takes more records now (see `SinkWriter.isAvailable`); its task takes input only while it does. */
  isAvailable(): boolean {
    try {
      return this.#writer?.isAvailable?.() ?? true;
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'isAvailable()', error);
    }
  }

  /**
   * The synchronous phase of checkpoint n: a plain sink flushes (the acknowledgement waits for it); a
   * two-phase-commit sink also pre-commits, and its snapshot holds every committable up to n that is
   * not committed yet, once the pre-commit returned them.
   */
  snapshotStateAsync(checkpointId: CheckpointId): Promise<OperatorStateSnapshot | undefined> | undefined {
    const writer = this.#writer;
    if (writer === undefined) return undefined;
    const committing = this.#committing;
    const description = this.#context.description;
    let flushed: void | Promise<void>;
    try {
      flushed = writer.flush(false);
    } catch (error) {
      throw userFunctionFailed(description, 'flush()', error);
    }
    const flushDone = flushed instanceof Promise ? flushed.catch((error: unknown) => Promise.reject(userFunctionFailed(description, 'flush()', error))) : undefined;
    if (committing === undefined) return flushDone?.then(() => undefined);

    const prepared = this.#step(`pre-commit checkpoint ${checkpointId}`, () => (writer as CommittingSinkWriter<T, unknown>).prepareCommit(checkpointId));
    // Awaited below, maybe after an earlier pre-commit: handled now so an early rejection is not reported as unhandled.
    prepared.catch(() => {});
    flushDone?.catch(() => {});
    const previous = committing.landed;
    const subtask = this.#context.subtaskIndex;
    const landed = (async () => {
      await previous;
      await flushDone;
      const committables = checkCommittables(await prepared, description, checkpointId);
      for (const committable of committables) committing.pending.push({ subtask, checkpointId, committable });
    })();
    landed.catch(() => {});
    committing.landed = landed;
    return landed.then(() => {
      // Exactly checkpoint n's share: later pre-commits may have landed already.
      committing.state.update(committing.pending.filter((entry) => entry.checkpointId <= checkpointId));
      return this.#context.operatorState.snapshot(checkpointId);
    });
  }

  /** Checkpoint n completed: commit every pending committable of n and earlier (n subsumes them). */
  notifyCheckpointComplete(checkpointId: CheckpointId): Promise<void> | undefined {
    const committing = this.#committing;
    if (committing === undefined) return undefined;
    const run = committing.commits.then(() => this.#commitUpTo(committing, checkpointId));
    committing.commits = run.catch(() => {});
    return run;
  }

  /**
   * End of input: flush. A two-phase-commit sink leaves its last transaction to the job's final
   * checkpoint (which pre-commits it, and commits it on completion) when checkpointing is on; without
   * checkpointing it pre-commits the last transaction and commits everything now.
   */
  async finish(): Promise<void> {
    const writer = this.#writer;
    if (writer === undefined) return;
    try {
      await writer.flush(true);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'flush()', error);
    }
    const committing = this.#committing;
    if (committing === undefined || this.#context.finalCheckpoint === true) return;
    const prepared = await this.#step('pre-commit its last transaction', () => (writer as CommittingSinkWriter<T, unknown>).prepareCommit(END_OF_INPUT_CHECKPOINT_ID));
    const last = checkCommittables(prepared, this.#context.description, END_OF_INPUT_CHECKPOINT_ID);
    await committing.landed;
    for (const committable of last) committing.pending.push({ subtask: this.#context.subtaskIndex, checkpointId: END_OF_INPUT_CHECKPOINT_ID, committable });
    await committing.commits;
    await this.#commitUpTo(committing, END_OF_INPUT_CHECKPOINT_ID);
  }

  async close(): Promise<void> {
    const writer = this.#writer;
    const committer = this.#committing?.committer;
    this.#writer = undefined;
    if (this.#committing !== undefined) this.#committing.committer = undefined;
    try {
      await writer?.close();
    } finally {
      await committer?.close();
    }
  }

  /**
   * Start of a two-phase-commit sink (Flink's order): commit what the restored checkpoint recorded for
   * the old subtasks this one inherits, roll back what earlier attempts left prepared, then create the
   * writer. Each subtask gets every old subtask's committables (union state) and takes those of old
   * subtasks s with s % parallelism === its index, so each is committed by exactly one subtask.
   */
  async #openCommitting(sink: TwoPhaseCommittingSink<unknown, unknown>): Promise<void> {
    const context = this.#context;
    const state = context.operatorState.getUnionListState(new ListStateDescriptor(COMMITTABLES_STATE, pendingCommittableType(sink.committableType)));
    const restored = [...state.get()].filter((entry) => entry.subtask % context.parallelism === context.subtaskIndex).sort((a, b) => a.checkpointId - b.checkpointId);
    state.clear();
    const committing: Committing = { sink, state, committer: undefined, pending: [], landed: Promise.resolve(), commits: Promise.resolve() };
    this.#committing = committing;
    const sinkContext: CommittingSinkContext = {
      ...this.#writerContext(),
      restoredCheckpointId: context.restoredCheckpointId,
      jobName: context.jobName,
      operatorUid: context.uid,
    };
    committing.committer = await this.#step('create its committer', () => sink.createCommitter(sinkContext));
    if (restored.length > 0) {
      const committer = committing.committer;
      const from = context.restoredCheckpointId === undefined ? 'the restored checkpoint' : `checkpoint ${context.restoredCheckpointId}`;
      await this.#step(`commit the ${restored.length} pre-committed transaction(s) restored from ${from}`, () => committer.commit(restored.map((entry) => entry.committable)));
    }
    if (sink.abortLingering !== undefined) await this.#step('abort the transactions earlier attempts left prepared', () => sink.abortLingering?.(sinkContext));
    this.#writer = await this.#step('create its writer', () => sink.createWriter(sinkContext));
  }

  async #commitUpTo(committing: Committing, checkpointId: number): Promise<void> {
    const due = committing.pending.filter((entry) => entry.checkpointId <= checkpointId);
    const committer = committing.committer;
    if (due.length === 0 || committer === undefined) return;
    const ids = [...new Set(due.map((entry) => (entry.checkpointId === END_OF_INPUT_CHECKPOINT_ID ? 'end of input' : String(entry.checkpointId))))].join(', ');
    await this.#step(`commit the transactions of checkpoint ${ids}`, () => committer.commit(due.map((entry) => entry.committable)));
    const done = new Set(due);
    committing.pending = committing.pending.filter((entry) => !done.has(entry));
  }

  #writerContext(): SinkWriterContext {
    const context = this.#context;
    return {
      subtaskIndex: context.subtaskIndex,
      parallelism: context.parallelism,
      description: context.description,
      attemptNumber: context.attemptNumber,
      sendEventToCoordinator: (event) => {
        context.sendEventToCoordinator(event);
      },
    };
  }

  /** Runs one step of the sink's lifecycle; a failure (thrown or rejected) fails the task, naming the sink and the step. */
  async #step<R>(what: string, run: () => R | Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof WeirError && error.code === 'SINK_FAILED') throw error;
      throw new WeirError('SINK_FAILED', `${this.#context.description} could not ${what}: ${describeCause(error)}`, {
        cause: error,
        retriable: true,
        hint: 'the job restarts from its latest completed checkpoint (with a restart strategy), which commits restored transactions again; commits must succeed for what is already committed',
      });
    }
  }
}

function checkCommittables(committables: unknown, description: string, checkpointId: number): readonly unknown[] {
  if (Array.isArray(committables)) return committables;
  const what = committables === null ? 'null' : typeof committables;
  throw new WeirError('SINK_FAILED', `${description} returned ${what} from prepareCommit(${checkpointId}), not an array of committables`, {
    hint: 'prepareCommit must return (or resolve to) an array, empty when nothing was written',
  });
}
