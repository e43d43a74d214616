/**
 * @module The source contract (Flink's FLIP-27 shape): a Source splits its input; a SplitEnumerator on
 * the JobManager assigns splits to readers; a SourceReader in each subtask reads its splits and can
 * report its position in each as a split, which is what checkpoints store.
 */
import type { TypeSerializer } from '../types/type-serializer.ts';

export type Boundedness = 'BOUNDED' | 'CONTINUOUS_UNBOUNDED';

/** A part of a source's input (a partition, a file, a range) together with the reader's position in it. Plain data. */
export interface SourceSplit {
  readonly splitId: string;
}

/** What `pollNext` reports. */
export type InputStatus = 'MORE_AVAILABLE' | 'NOTHING_AVAILABLE' | 'END_OF_INPUT';

/** Receives what a reader emits. */
export interface ReaderOutput<T> {
  /** Emits a record, with an event timestamp when the source has one. */
  collect(value: T, timestamp?: number): void;
  /**
   * An output for the records of one split, so the job's WatermarkStrategy runs per split and the
   * source's watermark is the minimum over its splits (Flink's split-local outputs). A reader uses
   * either these or `collect` on the main output. Present in a running job; hand-made outputs (tests)
   * may lack it.
   */
  createOutputForSplit?(splitId: string): ReaderOutput<T>;
  /** The split is finished: its watermark no longer holds the source's back. */
  releaseOutputForSplit?(splitId: string): void;
}

export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** `source 'name' (uid ...) subtask i/p`, for error messages. */
  readonly description: string;
}

/**
 * Reads the splits assigned to one subtask. `pollNext` is synchronous and emits a bounded number of
 * records (at most a few thousand) before it returns, so the task loop stays responsive.
 */
export interface SourceReader<T, Split extends SourceSplit> {
  start(): void | Promise<void>;
  addSplits(splits: readonly Split[]): void;
  /** No more splits will be assigned; a bounded reader ends once its splits are read. */
  notifyNoMoreSplits(): void;
  pollNext(output: ReaderOutput<T>): InputStatus;
  /** Resolves when `pollNext` may make progress again after NOTHING_AVAILABLE. */
  isAvailable(): Promise<void>;
  /** The reader's splits with their current positions; a restore hands them back through `addSplits`. */
  snapshotState(): Split[];
  close(): void | Promise<void>;
}

export interface SplitEnumeratorContext {
  readonly parallelism: number;
  /** `source 'name' (uid ...)`, for error messages. */
  readonly description: string;
}

/** Runs on the JobManager and decides which reader reads which split. */
export interface SplitEnumerator<Split extends SourceSplit> {
  /** The splits each reader starts with, indexed by subtask. */
  assignInitialSplits(): Split[][] | Promise<Split[][]>;
}

/**
 * A source of records. It must be constructible in the job module's top level: the JobManager and every
 * worker build it, so it holds configuration only and opens nothing until `createReader`/`createEnumerator`.
 */
export interface Source<T, Split extends SourceSplit = SourceSplit> {
  readonly boundedness: Boundedness;
  /** The default operator name. */
  readonly name: string;
  /** The type of the records, for the network and for snapshots; a generic serializer when absent. */
  readonly outputType?: TypeSerializer<T> | undefined;
  /** Set when the source cannot read in parallel (e.g. a collection): its parallelism is forced to this. */
  readonly maxParallelism?: number | undefined;
  createEnumerator(context: SplitEnumeratorContext): SplitEnumerator<Split>;
  createReader(context: SourceReaderContext): SourceReader<T, Split>;
}
