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
import { describeOperator } from './operator-chain.ts';
import { StreamTask, type StreamTaskOptions } from './stream-task.ts';

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
  #waitingForReader = false;
  readonly #description: string;

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
    this.#output = {
      collect(value: unknown, timestamp?: number): void {
        counters.recordsIn++;
        chainOutput.collect(value, timestamp ?? NO_TIMESTAMP);
      },
    };
    try {
      const reader = spec.source.createReader({
        subtaskIndex: this.options.subtaskIndex,
        parallelism: this.options.vertex.parallelism,
        description: this.#description,
      });
      this.#reader = reader;
      await reader.start();
      reader.addSplits(this.#restoredSplits() ?? this.#splits);
      reader.notifyNoMoreSplits();
    } catch (error) {
      throw this.#sourceFailed('could not start reading', error);
    }
  }

  protected processInput(): void {
    const reader = this.#reader;
    const output = this.#output;
    if (reader === undefined || output === undefined || this.#waitingForReader) return;
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
        this.chain?.headOutput.emitWatermark(MAX_WATERMARK);
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

  /** Injects barrier n between two records (called from the mailbox, so never inside a poll). */
  triggerCheckpoint(barrier: CheckpointBarrier): void {
    this.performCheckpoint(barrier, 0);
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
