/**
 * @module User function contracts: plain lambdas or Rich*Function classes with open/close and a
 * runtime context, ProcessFunction and KeyedProcessFunction with timers. Flink's names and shapes.
 */
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key-groups.ts';
import type { JobId } from '../core/ids.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/state-descriptors.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/state.ts';
import type { OutputTag } from './output-tag.ts';

/** Receives the records a function emits. */
export interface Collector<T> {
  collect(value: T): void;
}

/** Where a parallel instance of an operator runs. */
export interface TaskInfo {
  /** The operator's name, as set by `.name()`. */
  readonly taskName: string;
  /** `name (index+1/parallelism)`, as Flink prints it. */
  readonly taskNameWithSubtasks: string;
  readonly indexOfThisSubtask: number;
  readonly numberOfParallelSubtasks: number;
  readonly maxNumberOfParallelSubtasks: number;
  /** 0 on the first run, incremented by each restart. */
  readonly attemptNumber: number;
}

export interface JobInfo {
  readonly jobId: JobId;
  readonly jobName: string;
}

/** What a rich function can reach at run time: where it runs and, on a keyed stream, its keyed state. */
export interface RuntimeContext {
  getTaskInfo(): TaskInfo;
  getJobInfo(): JobInfo;
  /** The job's parameters (`weir run job.ts --key value`). */
  getJobParameters(): Readonly<Record<string, string>>;
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** Passed to `open`; reserved for additions, as in Flink 2. */
export interface OpenContext {
  readonly runtimeContext: RuntimeContext;
}

/**
 * Base of every function with a lifecycle. `open` runs before the first record (it may be async),
 * `close` after the last; `getRuntimeContext()` is available from `open` on.
 */
export abstract class RichFunction {
  #runtimeContext: RuntimeContext | undefined;

  open(_context: OpenContext): void | Promise<void> {}

  close(): void | Promise<void> {}

  getRuntimeContext(): RuntimeContext {
    if (this.#runtimeContext === undefined) {
      throw new WeirError('STATE_ACCESS', `${this.constructor.name}.getRuntimeContext() was called before open()`, {
        hint: 'use the runtime context from open() on, not in the constructor',
      });
    }
    return this.#runtimeContext;
  }

  /** Called by the runtime before `open`. */
  setRuntimeContext(context: RuntimeContext): void {
    this.#runtimeContext = context;
  }
}

export abstract class RichMapFunction<IN, OUT> extends RichFunction {
  abstract map(value: IN): OUT;
}

export abstract class RichFilterFunction<T> extends RichFunction {
  abstract filter(value: T): boolean;
}

export abstract class RichFlatMapFunction<IN, OUT> extends RichFunction {
  abstract flatMap(value: IN, out: Collector<OUT>): void;
}

export type MapFunction<IN, OUT> = ((value: IN) => OUT) | RichMapFunction<IN, OUT>;
export type FilterFunction<T> = ((value: T) => boolean) | RichFilterFunction<T>;
export type FlatMapFunction<IN, OUT> = ((value: IN, out: Collector<OUT>) => void) | RichFlatMapFunction<IN, OUT>;
export type KeySelector<T, K extends Key> = (value: T) => K;

/** Time and timers, as seen from a process function. */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerProcessingTimeTimer(time: number): void;
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
}

export type TimeDomain = 'EVENT_TIME' | 'PROCESSING_TIME';

export interface ProcessContext {
  /** The current record's timestamp, or undefined when it has none. */
  timestamp(): number | undefined;
  timerService(): TimerService;
  /** Emits `value` to the side output `tag` (read it with `getSideOutput(tag)`), with the current timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

export interface KeyedProcessContext<K> extends ProcessContext {
  getCurrentKey(): K;
}

export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  timeDomain(): TimeDomain;
}

/** Processes each record with access to its timestamp and the runtime context. */
export abstract class ProcessFunction<IN, OUT> extends RichFunction {
  abstract processElement(value: IN, ctx: ProcessContext, out: Collector<OUT>): void;
}

/**
 * Processes each record of a KeyedStream with the record's key set: keyed state and timers are
 * scoped to that key. `onTimer` runs with the timer's key set.
 *
 * @example
 * class Count extends KeyedProcessFunction<string, PageView, [string, number]> {
 *   count!: ValueState<number>;
 *   override open() { this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', Types.number)); }
 *   processElement(v: PageView, ctx: KeyedProcessContext<string>, out: Collector<[string, number]>) {
 *     const n = (this.count.value() ?? 0) + 1;
 *     this.count.update(n);
 *     out.collect([ctx.getCurrentKey(), n]);
 *   }
 * }
 */
export abstract class KeyedProcessFunction<K extends Key, IN, OUT> extends RichFunction {
  abstract processElement(value: IN, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<OUT>): void {}
}

/**
 * Implemented by a function (or a sink writer) that wants to know when a checkpoint completed, e.g.
 * to commit what it prepared for it. Completion of n subsumes every lower id; both calls may be lost
 * (a failure in between), so what they trigger must be idempotent.
 */
export interface CheckpointListener {
  notifyCheckpointComplete(checkpointId: number): void | Promise<void>;
  notifyCheckpointAborted?(checkpointId: number): void | Promise<void>;
}

export function isCheckpointListener(value: unknown): value is CheckpointListener {
  return typeof value === 'object' && value !== null && typeof (value as Partial<CheckpointListener>).notifyCheckpointComplete === 'function';
}

/** The part of operator state a function can reach: lists, redistributed on rescale (split) or not (union). */
export interface OperatorStateStore {
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
}

export interface FunctionSnapshotContext {
  getCheckpointId(): number;
  /** When the checkpoint was triggered, epoch ms. */
  getCheckpointTimestamp(): number;
}

export interface FunctionInitializationContext {
  /** True when the job started from a checkpoint (state may be there). */
  isRestored(): boolean;
  getOperatorStateStore(): OperatorStateStore;
}

/**
 * Implemented by a function that keeps operator state of its own (Flink's CheckpointedFunction):
 * `initializeState` runs before `open` (on a restore, the state is already there), `snapshotState`
 * in the synchronous part of every checkpoint, to put what the function holds into its state.
 */
export interface CheckpointedFunction {
  snapshotState(context: FunctionSnapshotContext): void;
  initializeState(context: FunctionInitializationContext): void | Promise<void>;
}

export function isCheckpointedFunction(value: unknown): value is CheckpointedFunction {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<CheckpointedFunction>).snapshotState === 'function' &&
    typeof (value as Partial<CheckpointedFunction>).initializeState === 'function'
  );
}

/** Runs `open` on rich functions, with their runtime context set. */
export async function openFunction(fn: unknown, context: RuntimeContext): Promise<void> {
  if (fn instanceof RichFunction) {
    fn.setRuntimeContext(context);
    await fn.open({ runtimeContext: context });
  }
}

/** Runs `close` on rich functions. */
export async function closeFunction(fn: unknown): Promise<void> {
  if (fn instanceof RichFunction) await fn.close();
}
