/**
 * @module What `keyedStream.window(assigner)` and `stream.windowAll(assigner)` build: the window
 * settings (trigger, allowed lateness, late-data side output, evictor) and, for reduce, aggregate and
 * process, the window operator's factory and name. The WindowedStream and AllWindowedStream classes in
 * data-stream.ts are thin shells over these (they return DataStream types, which live there).
 */
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key-groups.ts';
import { checkInteger } from '../core/options.ts';
import type { OperatorFactory } from '../operators/stream-operator.ts';
import { OutputTag } from '../operators/output-tag.ts';
import type { Evictor, TimestampedValue } from '../operators/windowing/evictor.ts';
import {
  AllWindowFunctionAdapter,
  aggregatingWindowFunction,
  iterableWindowFunction,
  reducingWindowFunction,
  singleValueWindowFunction,
  type InternalWindowFunction,
  type WindowFunctionLike,
} from '../operators/windowing/internal-window-function.ts';
import type { ProcessAllWindowFunctionLike } from '../operators/windowing/process-all-window-function.ts';
import { SlicingWindowOperator, windowSlicingOf, type SliceFunction } from '../operators/windowing/slicing-window-operator.ts';
import { Trigger } from '../operators/windowing/trigger.ts';
import type { TimeWindow, Window } from '../operators/windowing/window.ts';
import { WindowAssigner } from '../operators/windowing/window-assigner.ts';
import { WindowOperator, type WindowContentsDescriptor } from '../operators/windowing/window-operator.ts';
import type { AggregateFunction, ReduceFunction } from '../state/aggregate-function.ts';
import { AggregatingStateDescriptor, ListStateDescriptor, ReducingStateDescriptor, type StateDescriptor } from '../state/state-descriptors.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { Types } from '../types/types.ts';

/** The state WindowOperator keeps window contents in. */
const WINDOW_CONTENTS = 'window-contents';

/** The settings a windowed stream collects before its reduce, aggregate or process. */
export interface WindowSettings<T, W extends Window> {
  readonly assigner: WindowAssigner<T, W>;
  trigger: Trigger<T, W>;
  allowedLateness: number;
  lateDataOutputTag: OutputTag<T> | undefined;
  evictor: Evictor<T, W> | undefined;
  /** The input's record type, for the window contents in state. */
  readonly inputType: TypeSerializer<T> | undefined;
  /**
   * 'AllWindow' for `windowAll`: one non-parallel operator over the whole stream, keyed by one
   * constant key (Flink's AllWindowedStream); 'Window' for the windows of a keyed stream.
   */
  readonly operatorType: WindowOperatorType;
}

export type WindowOperatorType = 'Window' | 'AllWindow';

/** A window operator ready to be added to the graph. */
export interface WindowOperatorPlan<T, R> {
  readonly operatorType: WindowOperatorType;
  readonly name: string;
  readonly factory: OperatorFactory<T, R>;
}

export function createWindowSettings<T, W extends Window>(
  assigner: WindowAssigner<T, W>,
  inputType: TypeSerializer<T> | undefined,
  operatorType: WindowOperatorType = 'Window',
): WindowSettings<T, W> {
  if (!(assigner instanceof WindowAssigner)) {
    const call = operatorType === 'AllWindow' ? 'windowAll' : 'window';
    throw new WeirError('INVALID_OPTION', `${call}() needs a WindowAssigner, got ${describeValue(assigner)}`, {
      hint: `e.g. ${call}(TumblingEventTimeWindows.of(60_000)), ${call}(EventTimeSessionWindows.withGap(30_000)) or ${call}(GlobalWindows.create())`,
    });
  }
  return { assigner, trigger: assigner.getDefaultTrigger(), allowedLateness: 0, lateDataOutputTag: undefined, evictor: undefined, inputType, operatorType };
}

/**
 * A ProcessAllWindowFunction of `windowAll(...).reduce`, `.aggregate` or `.process`, checked and
 * adapted to the keyed plans (which never pass it their constant key).
 */
export function allWindowFunction<T, R, W extends Window>(fn: ProcessAllWindowFunctionLike<T, R, W>, operation: string): AllWindowFunctionAdapter<T, R, W> {
  const ok = typeof fn === 'function' || (typeof fn === 'object' && fn !== null && typeof (fn as unknown as Record<string, unknown>).process === 'function');
  if (!ok) {
    throw new WeirError('INVALID_OPTION', `windowAll().${operation}() takes a ProcessAllWindowFunction (or a function (context, elements, out) => void) as its window function, got ${describeValue(fn)}`);
  }
  return new AllWindowFunctionAdapter<T, R, W>(fn);
}

export function checkTrigger<T, W extends Window>(trigger: Trigger<T, W>): Trigger<T, W> {
  if (!(trigger instanceof Trigger)) {
    throw new WeirError('INVALID_OPTION', `trigger() needs a Trigger, got ${describeValue(trigger)}`, { hint: 'e.g. trigger(CountTrigger.of(100))' });
  }
  return trigger;
}

export function checkAllowedLateness(lateness: number): number {
  return checkInteger('allowedLateness', lateness, 0, Number.MAX_SAFE_INTEGER, 'allowedLateness()');
}

export function checkOutputTag<T>(tag: OutputTag<T>): OutputTag<T> {
  if (!(tag instanceof OutputTag)) {
    throw new WeirError('INVALID_OPTION', `sideOutputLateData() needs an OutputTag, got ${describeValue(tag)}`, { hint: "e.g. sideOutputLateData(new OutputTag<Event>('late'))" });
  }
  return tag;
}

export function checkEvictor<T, W extends Window>(evictor: Evictor<T, W>): Evictor<T, W> {
  const candidate = evictor as Partial<Evictor<T, W>> | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.evictBefore !== 'function' || typeof candidate.evictAfter !== 'function') {
    throw new WeirError('INVALID_OPTION', `evictor() needs an Evictor (evictBefore and evictAfter), got ${describeValue(evictor)}`, { hint: 'e.g. evictor(CountEvictor.of(100))' });
  }
  return evictor;
}

/** Incremental reduce (or, with an evictor, a reduce over the kept elements), optionally through a ProcessWindowFunction. */
export function reducePlan<T, R, K extends Key, W extends Window>(
  settings: WindowSettings<T, W>,
  reduce: ReduceFunction<T>,
  windowFunction: WindowFunctionLike<T, R, K, W> | undefined,
): WindowOperatorPlan<T, R> {
  checkFunction(reduce, 'reduce', 'a function (a, b) => combined');
  if (windowFunction !== undefined) checkWindowFunction(windowFunction, 'reduce');
  if (settings.evictor !== undefined) {
    return plan(settings, 'reduce', evictingContents(settings), reducingWindowFunction(reduce, windowFunction) as InternalWindowFunction<unknown, R, K, W>);
  }
  const contents = new ReducingStateDescriptor<T>(WINDOW_CONTENTS, reduce, settings.inputType);
  const slices: SliceFunction<T> = { kind: 'reduce', reduce, serializer: settings.inputType };
  return plan(settings, 'reduce', contents as WindowContentsDescriptor, singleValueWindowFunction(windowFunction) as InternalWindowFunction<unknown, R, K, W>, slices);
}

/** Incremental aggregate, optionally through a ProcessWindowFunction that gets the aggregate's result. */
export function aggregatePlan<T, ACC, V, R, K extends Key, W extends Window>(
  settings: WindowSettings<T, W>,
  aggregate: AggregateFunction<T, ACC, V>,
  windowFunction: WindowFunctionLike<V, R, K, W> | undefined,
): WindowOperatorPlan<T, R> {
  if (windowFunction !== undefined) checkWindowFunction(windowFunction, 'aggregate');
  if (settings.evictor !== undefined) {
    // The descriptor checks the aggregate function's shape even though an evicting window keeps elements.
    new AggregatingStateDescriptor<T, ACC, V>(WINDOW_CONTENTS, aggregate);
    return plan(settings, 'aggregate', evictingContents(settings), aggregatingWindowFunction(aggregate, windowFunction) as InternalWindowFunction<unknown, R, K, W>);
  }
  const contents = new AggregatingStateDescriptor<T, ACC, V>(WINDOW_CONTENTS, aggregate);
  const slices: SliceFunction<T> = { kind: 'aggregate', aggregate };
  return plan(settings, 'aggregate', contents as unknown as WindowContentsDescriptor, singleValueWindowFunction(windowFunction) as InternalWindowFunction<unknown, R, K, W>, slices);
}

/** Every element of the window to a ProcessWindowFunction. */
export function processPlan<T, R, K extends Key, W extends Window>(settings: WindowSettings<T, W>, windowFunction: WindowFunctionLike<T, R, K, W>): WindowOperatorPlan<T, R> {
  checkWindowFunction(windowFunction, 'process');
  const contents = settings.evictor !== undefined ? evictingContents(settings) : (new ListStateDescriptor<T>(WINDOW_CONTENTS, settings.inputType) as WindowContentsDescriptor);
  return plan(settings, 'process', contents, iterableWindowFunction(windowFunction) as InternalWindowFunction<unknown, R, K, W>);
}

/**
 * The operator of a windowed reduce, aggregate or process. A tumbling or sliding time window with its
 * default trigger, no evictor and an incremental function (`slices`) runs as a SlicingWindowOperator;
 * everything else, and a job restored from a savepoint of WindowOperator's state, as a WindowOperator.
 */
function plan<T, R, K extends Key, W extends Window>(
  settings: WindowSettings<T, W>,
  what: string,
  contents: WindowContentsDescriptor,
  windowFunction: InternalWindowFunction<unknown, R, K, W>,
  slices?: SliceFunction<T>,
): WindowOperatorPlan<T, R> {
  const { assigner, trigger, allowedLateness, lateDataOutputTag, evictor, operatorType } = settings;
  const parts = [String(assigner), String(trigger), ...(evictor === undefined ? [] : [evictor.constructor.name]), what];
  const slicing = slices === undefined ? undefined : windowSlicingOf(assigner as WindowAssigner<unknown, never>, trigger, evictor);
  return {
    operatorType,
    name: `${operatorType}(${parts.join(', ')})`,
    factory: (context, output) => {
      const keyed = context.keyed;
      if (keyed === undefined) throw new WeirError('INTERNAL', `${context.description} is a window operator but received no keyed context`);
      if (slicing !== undefined && slices !== undefined && !keyed.backend.getRegisteredStateNames().includes(WINDOW_CONTENTS)) {
        const sliced = { slicing, slices, windowFunction: windowFunction as unknown as InternalWindowFunction<unknown, R, K, TimeWindow>, allowedLateness, lateDataOutputTag };
        return new SlicingWindowOperator<T, R, K>(sliced, context, output, keyed);
      }
      return new WindowOperator<T, R, K, W>({ assigner, trigger, contents, windowFunction, allowedLateness, lateDataOutputTag, evictor }, context, output, keyed);
    },
  };
}

/** With an evictor the window keeps every element with its timestamp. */
function evictingContents<T, W extends Window>(settings: WindowSettings<T, W>): WindowContentsDescriptor {
  const type = settings.inputType === undefined ? undefined : (Types.object({ value: settings.inputType, timestamp: Types.number }) as unknown as TypeSerializer<TimestampedValue<T>>);
  const contents: StateDescriptor = new ListStateDescriptor<TimestampedValue<T>>('window-contents', type);
  return contents;
}

function checkWindowFunction(fn: unknown, operation: string): void {
  const ok = typeof fn === 'function' || (typeof fn === 'object' && fn !== null && typeof (fn as Record<string, unknown>).process === 'function');
  if (!ok) {
    throw new WeirError('INVALID_OPTION', `${operation}() takes a ProcessWindowFunction (or a function (key, context, elements, out) => void) as its window function, got ${describeValue(fn)}`);
  }
}

function checkFunction(fn: unknown, operation: string, expected: string): void {
  if (typeof fn !== 'function') throw new WeirError('INVALID_OPTION', `${operation}() needs ${expected}, got ${describeValue(fn)}`);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return typeof value;
}
