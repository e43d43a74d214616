/**
 * @module SourceStreamTask: a task whose head is a source reader. It polls the reader while its outputs
 * have room, waits on the reader when nothing is available, and ends (with a final watermark) when a
 * bounded reader reports the end of its input.
 */
import { WeirError, describeCause } from '../core/errors.ts';
import { MAX_WATERMARK, NO_TIMESTAMP, type CheckpointBarrier } from '../core/stream-element.ts';
import { SubtaskIndex, type CheckpointId } from '../core/ids.ts';
import { ListStateDescriptor } from '../state/state-descriptors.ts';
import type { ListState } from '../state/state.ts';
import { OperatorStateBackend, type OperatorStateSnapshot } from '../state/operator-state-backend.ts';
import { Types } from '../types/types.ts';
import type { ReaderOutput, SourceReader, SourceSplit } from '../operators/source.ts';
import type { Output } from '../operators/stream-operator.ts';
import { ProgressiveTimestampsAndWatermarks } from '../operators/progressive-timestamps-and-watermarks.ts';
import { describeOperator } from './operator-chain.ts';
import { StreamTask, type StreamTaskOptions } from './stream-task.ts';
import type { StopWithSavepoint } from '../checkpoint/checkpoint-coordinator.ts';

const POLLS_PER_RUN = 8;
/** The name of the operator state holding a source's splits. */
const SOURCE_READER_STATE = 'SourceReaderState';
/** A run also ends after this long, so a slow chained operator cannot hold the mailbox (and checkpoint triggers) back. */
const RUN_BUDGET_MS = 4;

export class SourceStreamTask extends StreamTask {
  readonly #splits: readonly SourceSplit[];
  readonly #splitState: OperatorStateBackend;
  #reader: SourceReader<unknown, SourceSplit> | undefined;
  #output: ReaderOutput<unknown> | undefined;
  /** Set when the source has a WatermarkStrategy: timestamps and watermarks per split. */
  #watermarks: ProgressiveTimestampsAndWatermarks<unknown> | undefined;
  #waitingForReader = false;
  readonly #description: string;
  /**
   * Set once this source injected the barrier of a stop-with-savepoint: it reads nothing more, ends its
   * input when that savepoint completes and goes on reading when it is aborted.
   */
  #stoppingAt: { readonly checkpointId: CheckpointId; readonly drain: boolean } | undefined;

  constructor(options: StreamTaskOptions, splits: readonly SourceSplit[]) {
    super(options);
    this.#splits = splits;
    this.#splitState = new OperatorStateBackend({ operatorDescription: this.name });
    const head = options.vertex.operators[0];
    this.#description = head === undefined ? this.name : describeOperator(head, options.subtaskIndex, options.vertex.parallelism);
  }

  protected async initialize(): Promise<void> {
    const head = this.options.vertex.operators[0];
    const spec = head?.node.payload;
    if (spec?.kind !== 'source') throw new WeirError('INTERNAL', `${this.name} is not headed by a source`);
    const chainOutput = this.chain?.headOutput as Output<unknown>;
    const counters = this.counters;
    const splits = this.#restoredSplits() ?? this.#splits;
    if (spec.watermarkStrategy === undefined) {
      const output: ReaderOutput<unknown> = {
        collect(value: unknown, timestamp?: number): void {
          counters.recordsIn++;
          chainOutput.collect(value, timestamp ?? NO_TIMESTAMP);
        },
        createOutputForSplit: () => output,
        releaseOutputForSplit: () => {},
      };
      this.#output = output;
    } else {
      const watermarks = new ProgressiveTimestampsAndWatermarks<unknown>({
        strategy: spec.watermarkStrategy,
        clock: this.options.clock,
        description: this.#description,
        output: chainOutput,
        hasSplits: splits.length > 0,
        onRecord: () => {
          counters.recordsIn++;
        },
      });
      this.#watermarks = watermarks;
      this.#output = watermarks.readerOutput;
      const interval = spec.autoWatermarkInterval?.() ?? 0;
      if (interval > 0) this.#emitWatermarksEvery(interval);
    }
    try {
      const reader = spec.source.createReader({
        subtaskIndex: this.options.subtaskIndex,
        parallelism: this.options.vertex.parallelism,
        description: this.#description,
      });
      this.#reader = reader;
      await reader.start();
      reader.addSplits(splits);
      reader.notifyNoMoreSplits();
    } catch (error) {
      throw this.#sourceFailed('could not start reading', error);
    }
  }

  protected processInput(): void {
    const reader = this.#reader;
    const output = this.#output;
    if (reader === undefined || output === undefined || this.#waitingForReader || this.#stoppingAt !== undefined) return;
    const deadline = performance.now() + RUN_BUDGET_MS;
    for (let polls = 0; polls < POLLS_PER_RUN && (polls === 0 || performance.now() < deadline); polls++) {
      if (!this.outputsAvailable()) return;
      let status;
      try {
        status = reader.pollNext(output);
      } catch (error) {
        throw this.#sourceFailed('failed while reading', error);
      }
      if (status === 'END_OF_INPUT') {
        this.#emitFinalWatermark();
        void this.endOfInput();
        return;
      }
      if (status === 'NOTHING_AVAILABLE') {
        this.#waitingForReader = true;
        reader.isAvailable().then(
          () => {
            this.#waitingForReader = false;
            this.schedule();
          },
          (error: unknown) => {
            this.fail(this.#sourceFailed('failed while waiting for input', error));
          },
        );
        return;
      }
    }
    this.schedule();
  }

  /** Periodic watermarks (`pipeline.auto-watermark-interval`), in the mailbox, until the task stops. */
  #emitWatermarksEvery(interval: number): void {
    const schedule = (time: number): void => {
      this.registerProcessingTimer(time, () => {
        if (this.#stoppingAt === undefined) this.#watermarks?.emitPeriodicWatermark();
        schedule(Math.max(time + interval, this.options.clock.now()));
      });
    };
    schedule(this.options.clock.now() + interval);
  }

  /**
   * The splits (with positions) a checkpoint gave back to this subtask, if the job was restored: the
   * source's operator state, a split list (Flink's SourceReaderState), so a rescale spreads them.
   */
  #restoredSplits(): SourceSplit[] | undefined {
    const head = this.options.vertex.operators[0];
    const restored = head === undefined ? undefined : this.options.restored?.operators[head.uid];
    if (restored === undefined || restored.operator.length === 0) return undefined;
    this.#splitState.restore(restored.operator, { subtaskIndex: SubtaskIndex(this.options.subtaskIndex), parallelism: this.options.vertex.parallelism });
    return [...this.#splitList().get()];
  }

  #splitList(): ListState<SourceSplit> {
    return this.#splitState.getListState(new ListStateDescriptor<SourceSplit>(SOURCE_READER_STATE, Types.generic<SourceSplit>()));
  }

  /**
   * Injects barrier n between two records (called from the mailbox, so never inside a poll). With
   * `stop` (stop-with-savepoint), the source reads nothing after the barrier; with `drain` it first
   * emits the final watermark, so every event-time timer and window fires before the snapshot.
   */
  triggerCheckpoint(barrier: CheckpointBarrier, stop?: StopWithSavepoint): void {
    if (stop !== undefined && this.isRunning) {
      if (stop.drain) this.#emitFinalWatermark();
      this.#stoppingAt = { checkpointId: barrier.checkpointId, drain: stop.drain };
    }
    this.performCheckpoint(barrier, 0);
  }

  /** The savepoint this source stopped for completed: the job ends (Flink's stop), without a final watermark unless drained. */
  override notifyCheckpointComplete(checkpointId: CheckpointId): void {
    super.notifyCheckpointComplete(checkpointId);
    const stopping = this.#stoppingAt;
    if (stopping !== undefined && checkpointId >= stopping.checkpointId && this.isRunning) void this.endOfInput();
  }

  /** The savepoint this source stopped for was aborted: it reads on. */
  override notifyCheckpointAborted(checkpointId: CheckpointId): void {
    super.notifyCheckpointAborted(checkpointId);
    if (this.#stoppingAt?.checkpointId !== checkpointId) return;
    this.#stoppingAt = undefined;
    this.schedule();
  }

  #emitFinalWatermark(): void {
    if (this.#watermarks === undefined) this.chain?.headOutput.emitWatermark(MAX_WATERMARK);
    else this.#watermarks.emitFinalWatermark();
  }

  protected override snapshotInput(checkpointId: CheckpointId): OperatorStateSnapshot {
    this.#splitList().update(this.#reader?.snapshotState() ?? []);
    return this.#splitState.snapshot(checkpointId);
  }

  protected override async closeInput(): Promise<void> {
    const reader = this.#reader;
    this.#reader = undefined;
    await reader?.close();
  }

  #sourceFailed(what: string, error: unknown): WeirError {
    if (error instanceof WeirError) return error;
    return new WeirError('SOURCE_FAILED', `${this.#description} ${what}: ${describeCause(error)}`, { cause: error, retriable: true });
  }
}
