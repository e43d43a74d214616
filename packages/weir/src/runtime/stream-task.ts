/**
 * @module StreamTask: one subtask of one vertex running in a slot. It owns the operator chain and the
 * record writers, moves through its lifecycle, and does its work in bounded steps the slot's mailbox
 * runs in turn. SourceStreamTask, OneInputStreamTask and TwoInputStreamTask differ only in where records
 * come from.
 */
import type { Clock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import type { CheckpointId, JobId } from '../core/ids.ts';
import { END_OF_INPUT, type CheckpointBarrier } from '../core/stream-element.ts';
import type { CheckpointMetrics } from '../checkpoint/checkpoint-metrics.ts';
import { snapshotPieces, type KeyedStateSnapshot } from '../state/keyed-state-snapshot.ts';
import type { OperatorStateSnapshot } from '../state/operator-state-backend.ts';
import type { ChainedOperator, JobVertex } from '../graph/job-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import { isCheckpointListener, isCheckpointedFunction } from '../operators/functions.ts';
import { SinkOperator } from '../operators/sink-operator.ts';
import { userFunctionFailed } from '../operators/user-function-error.ts';
import type { ProcessingTimeService } from '../operators/stream-operator.ts';
import { createOperatorChain, type OperatorChain, type TaskCounters } from './operator-chain.ts';
import { KeyedSnapshotChain } from './keyed-snapshot-chain.ts';
import type { RecordWriter } from './record-writer.ts';
import type { Runnable, SlotMailbox } from './slot-mailbox.ts';
import { isTerminal, transition, type TaskStatus } from './task-status.ts';

/** What a task reports when it ends. */
export interface TaskReport {
  readonly vertexId: string;
  readonly subtaskIndex: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly durationMs: number;
}

/** One operator's share of a task's checkpoint, serialized and ready to be written. */
export interface OperatorCheckpointState {
  readonly uid: string;
  readonly keyed?:
    | {
        /** The snapshot's bytes in consecutive pieces, each at the start of an ArrayBuffer of its own. */
        readonly chunks: readonly Uint8Array[];
        readonly keyGroupStart: number;
        readonly keyGroupEnd: number;
        /**
         * Incremental checkpoints only: the checkpoints whose keyed files these bytes build on, oldest
         * first (empty: the bytes are a full snapshot).
         */
        readonly base?: readonly CheckpointId[] | undefined;
      }
    | undefined;
  /** Operator state (for a source: its splits with their positions). */
  readonly operator?: Uint8Array | undefined;
  /** In-flight input records of an unaligned checkpoint (the task's head operator only). */
  readonly channel?: Uint8Array | undefined;
}

/** What a task gets back from a checkpoint, by operator uid. */
export interface RestoredTaskState {
  readonly operators: Readonly<
    Record<
      string,
      {
        /** Keyed state of every old subtask whose key groups overlap this subtask's (rescaling reads only its own). */
        readonly keyed: readonly Uint8Array[];
        /** Operator state of every old subtask (a source: its splits); the subtask takes its share. */
        readonly operator: readonly Uint8Array[];
        /** In-flight records of an unaligned checkpoint to replay before new input. */
        readonly channel?: readonly Uint8Array[] | undefined;
      }
    >
  >;
}

/** What a task reports when its part of checkpoint n is written. */
export interface TaskCheckpointAck {
  readonly checkpointId: CheckpointId;
  readonly vertexId: string;
  readonly subtaskIndex: number;
  readonly states: readonly OperatorCheckpointState[];
  readonly metrics: CheckpointMetrics;
}

/** How long one step of a snapshot's asynchronous part may take before processing gets a turn, in ms. */
const ASYNC_SLICE_MS = 2;

/** A delta snapshot kept until its checkpoint completes or is aborted. */
interface HeldDelta {
  readonly uid: string;
  readonly snapshot: KeyedStateSnapshot;
  /** The asynchronous part is done with it (written, or failed). */
  written: boolean;
  fate: 'complete' | 'abort' | undefined;
}

export interface StreamTaskOptions {
  readonly jobId: JobId;
  readonly jobName: string;
  readonly jobParameters: Readonly<Record<string, string>>;
  readonly attemptNumber: number;
  readonly vertex: JobVertex<OperatorSpec>;
  readonly subtaskIndex: number;
  /** Record writers by JobEdge index. */
  readonly writers: ReadonlyMap<number, RecordWriter>;
  readonly mailbox: SlotMailbox;
  /** State to start from, when the job is restored from a checkpoint. */
  readonly restored?: RestoredTaskState | undefined;
  /** The checkpoint `restored` comes from (a two-phase-commit sink's context tells it). */
  readonly restoredCheckpointId?: number | undefined;
  readonly clock: Clock;
  /**
   * Checkpointing is on, so the job ends with a final checkpoint: at the end of input the task finishes
   * its operators, reports `onEndOfInput` and waits (WAITING_FOR_FINAL_CHECKPOINT) until
   * `finishAfterFinalCheckpoint`; its operators learn it through their context.
   */
  readonly finalCheckpoint?: boolean | undefined;
  /** `execution.checkpointing.incremental`: checkpoints write keyed state as a full snapshot plus the changes since. */
  readonly incrementalCheckpoints?: boolean | undefined;
  sendEventToCoordinator(operator: ChainedOperator<OperatorSpec>, event: unknown): void;
  /** The task opened its operators and takes input now. */
  onRunning(): void;
  /** The input ended and the operators finished: the task waits for the final checkpoint (with `finalCheckpoint` only). */
  onEndOfInput?(): void;
  onFinished(report: TaskReport): void;
  onFailed(error: unknown): void;
  onCheckpointAck(ack: TaskCheckpointAck): void;
  /** `taskNotRunning`: the task could not take part (finishing or starting), which is not the checkpoint's fault. */
  onCheckpointDecline(checkpointId: CheckpointId, error: unknown, taskNotRunning?: boolean): void;
}

export abstract class StreamTask implements Runnable {
  queued = false;
  readonly name: string;
  protected readonly options: StreamTaskOptions;
  protected readonly counters: TaskCounters = { recordsIn: 0, recordsOut: 0 };
  protected chain: OperatorChain | undefined;
  #status: TaskStatus = 'CREATED';
  readonly #writers: readonly RecordWriter[];
  /** The chain's sink operators whose writers have backpressure (`SinkWriter.isAvailable`); usually none. */
  #sinks: readonly SinkOperator<unknown>[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #startedAt = 0;
  /** Incremental checkpoints: each keyed operator's snapshots since its last full one, by uid. */
  readonly #keyedChains = new Map<string, KeyedSnapshotChain>();
  /**
   * The delta snapshots of checkpoints neither complete nor aborted, by checkpoint: kept after they
   * are written, so that an abort can give their changes back instead of making the next snapshot full.
   */
  readonly #deltas = new Map<CheckpointId, HeldDelta[]>();
  /** Per checkpoint acknowledged and not yet ended, its snapshots' pooled pieces, which the JobManager reads. */
  readonly #piecesInFlight = new Map<CheckpointId, Uint8Array[]>();

  constructor(options: StreamTaskOptions) {
    this.options = options;
    this.name = `${options.vertex.name} (${options.subtaskIndex + 1}/${options.vertex.parallelism})`;
    this.#writers = [...options.writers.values()];
    // A task that stopped for lack of credit resumes when any of its channels has room again.
    for (const writer of this.#writers) {
      for (const channel of writer.channels) {
        channel.onAvailable = () => {
          this.schedule();
        };
      }
    }
  }

  get status(): TaskStatus {
    return this.#status;
  }

  /** Records this task read and emitted so far (its slot reports them to the JobManager every second). */
  recordCounts(): { readonly vertexId: string; readonly subtaskIndex: number; readonly attemptNumber: number; readonly recordsIn: number; readonly recordsOut: number } {
    const { vertex, subtaskIndex, attemptNumber } = this.options;
    return { vertexId: vertex.id, subtaskIndex, attemptNumber, recordsIn: this.counters.recordsIn, recordsOut: this.counters.recordsOut };
  }

  /** Builds and opens the chain (last operator first, so each is ready before it receives), then runs. */
  async start(): Promise<void> {
    this.#startedAt = performance.now();
    this.#moveTo('INITIALIZING');
    try {
      const restoredState = Object.entries(this.options.restored?.operators ?? {});
      const chain = createOperatorChain({
        ...this.options,
        processingTimeService: this.#processingTimeService,
        counters: this.counters,
        restoredKeyed: new Map(restoredState.map(([uid, state]) => [uid, state.keyed])),
        restoredOperator: new Map(restoredState.map(([uid, state]) => [uid, state.operator])),
        restored: this.options.restored !== undefined,
      });
      this.chain = chain;
      // Flink's order: every function gets its state (initializeState), then opens, last operator first.
      for (const operator of chain.operators) {
        const fn = operator.instance.userFunction;
        if (isCheckpointedFunction(fn)) {
          const context = operator.context;
          try {
            await fn.initializeState({ isRestored: () => context.restored, getOperatorStateStore: () => context.operatorState });
          } catch (error) {
            throw userFunctionFailed(context.description, 'initializeState()', error);
          }
        }
      }
      for (let i = chain.operators.length - 1; i >= 0; i--) {
        const operator = chain.operators[i] as (typeof chain.operators)[number];
        try {
          await operator.instance.open();
        } catch (error) {
          throw userFunctionFailed(operator.context.description, 'open()', error);
        }
      }
      // A sink whose writer falls behind holds the input back like a channel without credit, and wakes the task.
      const sinks: SinkOperator<unknown>[] = [];
      for (const { instance } of chain.operators) {
        if (instance instanceof SinkOperator && instance.watchAvailability(() => this.schedule())) sinks.push(instance as SinkOperator<unknown>);
      }
      this.#sinks = sinks;
      await this.initialize();
      if (this.#status !== 'INITIALIZING') return;
      this.#moveTo('RUNNING');
      this.options.onRunning();
      this.options.mailbox.register(this);
      this.options.mailbox.schedule(this);
    } catch (error) {
      this.fail(error);
    }
  }

  run(): void {
    if (this.#status !== 'RUNNING') return;
    try {
      this.processInput();
    } catch (error) {
      this.fail(error);
    }
  }

  flushOutputs(olderThan?: number): void {
    if (this.#status !== 'RUNNING') return;
    try {
      for (const writer of this.#writers) {
        if (olderThan === undefined) writer.flush();
        else writer.flushOlderThan(olderThan);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** Stops without reporting (the job or the task's region is being torn down); resolves once closed. */
  cancel(): Promise<void> {
    if (isTerminal(this.#status)) return Promise.resolve();
    this.#moveTo('CANCELED');
    this.#clearTimers();
    return this.#closeOperators();
  }

  /** Fails the task once: the first error is reported, later ones are consequences. */
  fail(error: unknown): void {
    if (isTerminal(this.#status)) return;
    this.#moveTo('FAILED');
    this.#clearTimers();
    this.options.onFailed(error);
    void this.#closeOperators();
  }

  /**
   * Takes this task's part of a checkpoint: freezes state (the synchronous phase, short), forwards the
   * barrier downstream, then serializes the frozen state and reports it (the asynchronous phase) while
   * the task goes on processing.
   */
  protected performCheckpoint(
    barrier: CheckpointBarrier,
    alignmentMs: number,
    unaligned?: { readonly channelState: Promise<Uint8Array>; readonly bytes: () => number },
  ): void {
    // A task waiting for the final checkpoint has sent everything downstream: it snapshots as it stands.
    const waiting = this.#status === 'WAITING_FOR_FINAL_CHECKPOINT';
    if (this.#status !== 'RUNNING' && !waiting) {
      this.options.onCheckpointDecline(barrier.checkpointId, new WeirError('CHECKPOINT_FAILED', `${this.name} is ${this.#status}, not running`), true);
      return;
    }
    const started = performance.now();
    const startDelay = Math.max(0, this.options.clock.now() - barrier.timestamp);
    const frozen: {
      uid: string;
      keyed?: KeyedStateSnapshot;
      range?: { start: number; end: number };
      /** Incremental checkpoints: the checkpoints whose files `keyed` builds on (empty: it is full). */
      base?: CheckpointId[];
      /** A delta `keyed`, kept until its checkpoint completes or is aborted (see `#deltas`). */
      held?: HeldDelta;
      operator?: OperatorStateSnapshot;
      /** The operator's I/O for this checkpoint (a sink's flush or pre-commit), awaited in the asynchronous phase. */
      future?: Promise<OperatorStateSnapshot | undefined>;
    }[] = [];
    // An operator's checkpoint I/O that fails fails the task, not only the checkpoint: a sink would lose records.
    let ioFailed = false;
    try {
      const source = this.snapshotInput(barrier.checkpointId);
      const head = this.options.vertex.operators[0];
      if (source !== undefined && head !== undefined) frozen.push({ uid: head.uid, operator: source });
      for (const operator of this.chain?.operators ?? []) {
        const fn = operator.instance.userFunction;
        if (isCheckpointedFunction(fn)) {
          try {
            fn.snapshotState({ getCheckpointId: () => barrier.checkpointId, getCheckpointTimestamp: () => barrier.timestamp });
          } catch (error) {
            throw userFunctionFailed(operator.context.description, 'snapshotState()', error);
          }
        }
        const backend = operator.context.keyed?.backend;
        const operatorState = operator.context.operatorState;
        const part: (typeof frozen)[number] = { uid: operator.operator.uid };
        // Released if a later step fails; written only when it holds something.
        frozen.push(part);
        if (backend !== undefined) {
          if (this.options.incrementalCheckpoints === true && barrier.type === 'checkpoint') {
            let chain = this.#keyedChains.get(part.uid);
            if (chain === undefined) this.#keyedChains.set(part.uid, (chain = new KeyedSnapshotChain()));
            const entries = backend.numEntries();
            part.keyed = backend.snapshot(barrier.checkpointId, { changes: chain.nextKind(entries) });
            part.base = chain.append(barrier.checkpointId, part.keyed.kind, entries);
            if (part.keyed.kind === 'delta') {
              part.held = { uid: part.uid, snapshot: part.keyed, written: false, fate: undefined };
              this.#deltas.set(barrier.checkpointId, [...(this.#deltas.get(barrier.checkpointId) ?? []), part.held]);
            }
          } else {
            // Savepoints are full and self-contained, and leave the chain of checkpoints alone.
            part.keyed = backend.snapshot(barrier.checkpointId);
          }
          part.range = { start: backend.keyGroupRange.start, end: backend.keyGroupRange.end };
        }
        if (operatorState.getRegisteredStateNames().length > 0) part.operator = operatorState.snapshot(barrier.checkpointId);
        if (operator.instance.snapshotStateAsync !== undefined) {
          ioFailed = true;
          part.future = operator.instance.snapshotStateAsync(barrier.checkpointId);
          ioFailed = false;
          // Awaited in the asynchronous phase; handled now so an early rejection is not reported as unhandled.
          part.future?.catch(() => {});
        }
      }
    } catch (error) {
      for (const part of frozen) {
        part.keyed?.release();
        part.operator?.release();
      }
      this.#deltas.delete(barrier.checkpointId);
      this.#breakKeyedChains(barrier.checkpointId);
      this.options.onCheckpointDecline(barrier.checkpointId, error);
      if (ioFailed) this.fail(error);
      return;
    }
    const syncDurationMs = performance.now() - started;
    // After the end of input nothing more goes downstream, no barrier either: its consumers ended too.
    if (!waiting) for (const writer of this.#writers) writer.broadcastControl(barrier);
    const asyncPart = async (): Promise<void> => {
      const asyncStarted = performance.now();
      try {
        const channel = unaligned === undefined ? undefined : await unaligned.channelState;
        for (const part of frozen) {
          if (part.future === undefined) continue;
          ioFailed = true;
          const resolved = await part.future;
          ioFailed = false;
          if (resolved !== undefined) {
            part.operator?.release();
            part.operator = resolved;
          }
        }
        const head = this.options.vertex.operators[0];
        if (channel !== undefined && head !== undefined && !frozen.some((part) => part.uid === head.uid)) frozen.unshift({ uid: head.uid });
        const states: OperatorCheckpointState[] = [];
        for (const part of frozen) {
          let keyed: OperatorCheckpointState['keyed'];
          if (part.keyed !== undefined && part.range !== undefined) {
            // A few key groups at a time, with processing in between: a large state never stalls the task.
            const writer = part.keyed.writer();
            while (!writer.step(performance.now() + ASYNC_SLICE_MS)) {
              await new Promise((resolve) => setImmediate(resolve));
              // Aborted meanwhile: its changes went back to the state, and nobody waits for the bytes.
              if (part.held?.fate === 'abort') return;
            }
            const chunks = writer.chunks();
            const pooled = chunks.filter((chunk) => snapshotPieces.owns(chunk));
            if (pooled.length > 0) this.#piecesInFlight.set(barrier.checkpointId, (this.#piecesInFlight.get(barrier.checkpointId) ?? []).concat(pooled));
            keyed = { chunks, keyGroupStart: part.range.start, keyGroupEnd: part.range.end, base: part.base };
            if (part.base !== undefined) this.#keyedChains.get(part.uid)?.written(barrier.checkpointId, chunks.reduce((sum, chunk) => sum + chunk.length, 0));
          }
          const operator = part.operator?.write();
          const partChannel = part.uid === head?.uid ? channel : undefined;
          if (keyed === undefined && operator === undefined && partChannel === undefined) continue;
          states.push({ uid: part.uid, keyed, operator, channel: partChannel });
        }
        this.options.onCheckpointAck({
          checkpointId: barrier.checkpointId,
          vertexId: this.options.vertex.id,
          subtaskIndex: this.options.subtaskIndex,
          states,
          metrics: {
            syncDurationMs,
            asyncDurationMs: performance.now() - asyncStarted,
            alignmentDurationMs: alignmentMs,
            checkpointStartDelayMs: startDelay,
            unalignedCheckpoint: unaligned !== undefined,
            bytesPersistedDuringAlignment: unaligned?.bytes() ?? 0,
          },
        });
      } catch (error) {
        this.#breakKeyedChains(barrier.checkpointId);
        this.options.onCheckpointDecline(barrier.checkpointId, error);
        if (ioFailed) this.fail(error);
      } finally {
        for (const part of frozen) {
          if (part.held === undefined || part.held.fate !== undefined) part.keyed?.release();
          else part.held.written = true;
          part.operator?.release();
        }
      }
    };
    setImmediate(() => void asyncPart());
  }

  /** Runs `action` in the mailbox at processing time `time` (cancelled when the task stops). */
  protected registerProcessingTimer(time: number, action: () => void): () => void {
    return this.#processingTimeService.registerTimer(time, action);
  }

  /** A source's positions, frozen (the synchronous part of its snapshot); undefined for other tasks. */
  protected snapshotInput(_checkpointId: CheckpointId): OperatorStateSnapshot | undefined {
    return undefined;
  }

  /**
   * Takes this task's part of the job's final checkpoint: every task's input has ended, so there is no
   * barrier to wait for or forward; the task snapshots at once (a two-phase-commit sink pre-commits its
   * last transaction). A task not waiting for it declines.
   */
  triggerFinalCheckpoint(barrier: CheckpointBarrier): void {
    if (this.#status !== 'WAITING_FOR_FINAL_CHECKPOINT') {
      const error = new WeirError('CHECKPOINT_FAILED', `${this.name} is ${this.#status}, not waiting for the final checkpoint ${barrier.checkpointId}`);
      this.options.onCheckpointDecline(barrier.checkpointId, error, true);
      return;
    }
    this.performCheckpoint(barrier, 0);
  }

  /** Checkpoint n (and every lower one) is complete: tell the listening functions and writers. */
  notifyCheckpointComplete(checkpointId: CheckpointId): void {
    this.#releasePieces(checkpointId, true);
    for (const [id, deltas] of this.#deltas) {
      if (id > checkpointId) continue;
      for (const delta of deltas) {
        delta.fate = 'complete';
        if (delta.written) delta.snapshot.release();
      }
      this.#deltas.delete(id);
    }
    this.#notifyListeners(checkpointId, true);
  }

  /** Checkpoint n was aborted (subclasses also stop aligning for it). */
  notifyCheckpointAborted(checkpointId: CheckpointId): void {
    this.#releasePieces(checkpointId, false);
    this.#breakKeyedChains(checkpointId, this.#giveBackDeltas(checkpointId));
    this.#notifyListeners(checkpointId, false);
  }

  /**
   * The pooled snapshot pieces of checkpoint n, and of older ones, are no longer this task's to track.
   * Only those of n completing go back to the pool: the JobManager wrote them before it completed n.
   * The others may still be read by a write of an aborted checkpoint, and are left to the garbage
   * collector.
   */
  #releasePieces(checkpointId: CheckpointId, complete: boolean): void {
    for (const [id, pieces] of this.#piecesInFlight) {
      if (id > checkpointId) continue;
      if (id === checkpointId && complete) snapshotPieces.recycle(pieces);
      this.#piecesInFlight.delete(id);
    }
  }

  /**
   * The delta snapshots of aborted checkpoint n give their changes back to the state, so that the
   * next delta writes them and the chain goes on without n: an abort (a timeout, a task that declined
   * or finished its input) then costs no full snapshot. Returns the operators whose chains go on; a
   * delta that a later snapshot built on already cannot go back, and its chain breaks.
   */
  #giveBackDeltas(checkpointId: CheckpointId): Set<string> {
    const kept = new Set<string>();
    for (const delta of this.#deltas.get(checkpointId) ?? []) {
      delta.fate = 'abort';
      const chain = this.#keyedChains.get(delta.uid);
      if (chain?.endsWithDelta(checkpointId) === true && delta.snapshot.giveBackChanges()) {
        chain.abandon(checkpointId);
        kept.add(delta.uid);
      }
      // still being written: the writer stops at its next step and releases it
      if (delta.written) delta.snapshot.release();
    }
    this.#deltas.delete(checkpointId);
    return kept;
  }

  /**
   * A keyed snapshot of `checkpointId` may not be stored: the next snapshot of a chain through it is
   * full, except in the chains of the operators in `kept`, which went on without it.
   */
  #breakKeyedChains(checkpointId: CheckpointId, kept?: ReadonlySet<string>): void {
    for (const [uid, chain] of this.#keyedChains) if (kept?.has(uid) !== true) chain.fail(checkpointId);
  }

  /** What listeners still do for notifications (a sink's commits): a task closes only once they are done. */
  readonly #notifications = new Set<Promise<unknown>>();

  #notifyListeners(checkpointId: CheckpointId, complete: boolean): void {
    // With a final checkpoint also after the end of input: a two-phase-commit sink commits then.
    const ended = this.#status === 'FINISHING' || this.#status === 'WAITING_FOR_FINAL_CHECKPOINT';
    if (this.#status !== 'RUNNING' && !(ended && this.options.finalCheckpoint === true)) return;
    for (const operator of this.chain?.operators ?? []) {
      // The operator first (a sink commits), then its function or writer.
      const instance = operator.instance;
      const listener = instance.userFunction;
      for (const notify of [
        complete ? instance.notifyCheckpointComplete?.bind(instance) : instance.notifyCheckpointAborted?.bind(instance),
        !isCheckpointListener(listener) ? undefined : complete ? listener.notifyCheckpointComplete.bind(listener) : listener.notifyCheckpointAborted?.bind(listener),
      ]) {
        if (notify === undefined) continue;
        try {
          const done = notify(checkpointId);
          if (done instanceof Promise) {
            const handled = done.catch((error: unknown) => this.fail(error));
            this.#notifications.add(handled);
            void handled.finally(() => this.#notifications.delete(handled));
          }
        } catch (error) {
          this.fail(error);
        }
      }
    }
  }

  /** Task-specific set-up after the operators are open (a source creates its reader). */
  protected abstract initialize(): Promise<void>;

  /** Processes a bounded amount of input; reschedules itself while more is ready. */
  protected abstract processInput(): void;

  protected get isRunning(): boolean {
    return this.#status === 'RUNNING';
  }

  /** Whether the task may take input: every output channel has credit and every backpressuring sink writer is available. */
  protected outputsAvailable(): boolean {
    for (const writer of this.#writers) if (!writer.isAvailable()) return false;
    for (const sink of this.#sinks) if (!sink.isAvailable()) return false;
    return true;
  }

  protected schedule(): void {
    this.options.mailbox.schedule(this);
  }

  /**
   * The input has ended: finish each operator in order (so what one emits on finish still reaches the
   * next), send the end of input downstream, then close and report; with `finalCheckpoint`, report the
   * end of input instead and wait for the final checkpoint (`finishAfterFinalCheckpoint` closes).
   */
  protected async endOfInput(): Promise<void> {
    this.#moveTo('FINISHING');
    this.#clearTimers();
    try {
      for (const operator of this.chain?.operators ?? []) await operator.instance.finish();
      for (const writer of this.#writers) {
        writer.flush();
        writer.broadcastControl(END_OF_INPUT);
      }
      if (this.#status !== 'FINISHING') return;
      if (this.options.finalCheckpoint === true) {
        this.#moveTo('WAITING_FOR_FINAL_CHECKPOINT');
        this.options.onEndOfInput?.();
        return;
      }
      await this.#closeAndReport();
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * The final checkpoint completed (or a stop-with-savepoint covered everything): once the listeners
   * are done with its notification (a sink's commit), close the operators and report finished.
   */
  async finishAfterFinalCheckpoint(): Promise<void> {
    const status: TaskStatus = this.#status;
    if (status !== 'WAITING_FOR_FINAL_CHECKPOINT') return;
    this.#moveTo('FINISHING');
    try {
      await Promise.all([...this.#notifications]);
      // A failed commit failed the task meanwhile.
      if (this.#status !== 'FINISHING') return;
      await this.#closeAndReport();
    } catch (error) {
      this.fail(error);
    }
  }

  /** Closes the operators and reports the task finished; a failure to close is thrown (the caller fails the task). */
  async #closeAndReport(): Promise<void> {
    await this.#closeOperators();
    if (this.#status !== 'FINISHING') return;
    this.#moveTo('FINISHED');
    this.options.onFinished({
      vertexId: this.options.vertex.id,
      subtaskIndex: this.options.subtaskIndex,
      recordsIn: this.counters.recordsIn,
      recordsOut: this.counters.recordsOut,
      durationMs: performance.now() - this.#startedAt,
    });
  }

  #closed = false;
  async #closeOperators(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const errors: unknown[] = [];
    for (const operator of this.chain?.operators ?? []) {
      try {
        await operator.instance.close();
      } catch (error) {
        errors.push(userFunctionFailed(operator.context.description, 'close()', error));
      }
    }
    try {
      await this.closeInput();
    } catch (error) {
      errors.push(error);
    }
    if (errors.length > 0 && this.#status === 'FINISHING') throw errors[0];
  }

  /** Task-specific release of the input side (a source closes its reader). */
  protected async closeInput(): Promise<void> {}

  #moveTo(status: TaskStatus): void {
    this.#status = transition(this.#status, status, this.name);
  }

  #clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /**
   * Processing-time callbacks run inside the mailbox, and never before the clock reads `time`: timers
   * use a monotonic clock and may wake a millisecond before the wall clock gets there, so an early
   * wake-up waits for the rest.
   */
  readonly #processingTimeService: ProcessingTimeService = {
    now: () => this.options.clock.now(),
    registerTimer: (time, callback) => {
      let timer: NodeJS.Timeout | undefined;
      const arm = (): void => {
        timer = setTimeout(fire, Math.max(0, time - this.options.clock.now()));
        this.#timers.add(timer);
      };
      const fire = (): void => {
        if (timer !== undefined) this.#timers.delete(timer);
        if (this.options.clock.now() < time) {
          arm();
          return;
        }
        this.options.mailbox.execute(() => {
          // Registered in open() (a periodic watermark, a restored timer) and due before the task runs: wait for it.
          if (this.#status === 'INITIALIZING' || this.#status === 'CREATED') {
            arm();
            return;
          }
          if (this.#status !== 'RUNNING') return;
          try {
            callback(time);
          } catch (error) {
            this.fail(error);
          }
        });
      };
      arm();
      return () => {
        if (timer === undefined) return;
        clearTimeout(timer);
        this.#timers.delete(timer);
        timer = undefined;
      };
    },
  };
}
