/**
 * @module SlicingWindowOperator: the keyed window operator for tumbling and sliding time windows with
 * their own trigger and an incremental reduce or aggregate (window slicing, as Flink SQL's window
 * aggregation). Each element goes into one slice of gcd(size, slide) ms, an accumulator in keyed state
 * whose namespace is the slice's end; a window fires at its end by merging the slices it covers.
 */
import { WeirError } from '../../core/errors.ts';
import type { Key } from '../../core/key-groups.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import type { AggregateFunction, ReduceFunction } from '../../state/aggregate-function.ts';
import type { InternalTimer } from '../../state/heap-timer-queue.ts';
import type { InternalAggregatingState, InternalReducingState } from '../../state/internal-kv-state.ts';
import { VOID_NAMESPACE, type VoidNamespace } from '../../state/namespace-id.ts';
import { AggregatingStateDescriptor, ReducingStateDescriptor } from '../../state/state-descriptors.ts';
import type { TypeSerializer } from '../../types/type-serializer.ts';
import { Types } from '../../types/types.ts';
import { closeFunction, openFunction } from '../functions.ts';
import { InternalTimerService } from '../internal-timer-service.ts';
import type { OutputTag } from '../output-tag.ts';
import { createRuntimeContext } from '../runtime-context.ts';
import type { KeyedContext, OneInputStreamOperator, Output, StreamOperatorContext } from '../stream-operator.ts';
import { TimestampedCollector } from '../timestamped-collector.ts';
import { userFunctionFailed } from '../user-function-error.ts';
import type { Evictor } from './evictor.ts';
import type { InternalWindowFunction } from './internal-window-function.ts';
import { SlidingEventTimeWindows } from './sliding-event-time-windows.ts';
import { SlidingProcessingTimeWindows } from './sliding-processing-time-windows.ts';
import type { Trigger } from './trigger.ts';
import { TumblingEventTimeWindows } from './tumbling-event-time-windows.ts';
import { TumblingProcessingTimeWindows } from './tumbling-processing-time-windows.ts';
import { TimeWindow } from './window.ts';
import type { WindowAssigner } from './window-assigner.ts';
import { WindowProcessContext } from './window-process-context.ts';

/** The state the slices live in. WindowOperator's is 'window-contents': a savepoint of one is never read as the other's. */
export const WINDOW_SLICES = 'window-slices';
/** The timer service of the slicing operator (its queues are `window-slice-timers/event-time` and `.../processing-time`). */
export const WINDOW_SLICE_TIMERS = 'window-slice-timers';

/**
 * A window merges the accumulators of size / gcd(size, slide) slices when it fires; above this many,
 * the per-window merging would cost more than WindowOperator's per-element work, so such windows keep it.
 */
export const MAX_SLICES_PER_WINDOW = 128;

/** The time windows of a tumbling or sliding assigner, as slicing sees them. */
export interface WindowSlicing {
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  readonly eventTime: boolean;
  /** The assigner, for names in messages. */
  readonly assigner: string;
}

/**
 * How `assigner` slices, or undefined when the window must stay with WindowOperator: slicing needs a
 * tumbling or sliding time assigner (exactly those classes) with its default trigger, no evictor, whole
 * milliseconds, and at most {@link MAX_SLICES_PER_WINDOW} slices per window.
 */
export function windowSlicingOf(assigner: WindowAssigner<unknown, never>, trigger: Trigger<unknown, never>, evictor: Evictor<unknown, never> | undefined): WindowSlicing | undefined {
  if (evictor !== undefined) return undefined;
  if (Object.getPrototypeOf(trigger) !== Object.getPrototypeOf(assigner.getDefaultTrigger())) return undefined;
  let size: number;
  let slide: number;
  let offset: number;
  const kind: unknown = assigner.constructor;
  if (kind === SlidingEventTimeWindows || kind === SlidingProcessingTimeWindows) {
    ({ size, slide, offset } = assigner as unknown as SlidingEventTimeWindows);
  } else if (kind === TumblingEventTimeWindows || kind === TumblingProcessingTimeWindows) {
    ({ size, offset } = assigner as unknown as TumblingEventTimeWindows);
    slide = size;
  } else {
    return undefined;
  }
  if (!Number.isSafeInteger(size) || !Number.isSafeInteger(slide) || !Number.isSafeInteger(offset)) return undefined;
  if (size / gcd(size, slide) > MAX_SLICES_PER_WINDOW) return undefined;
  return { size, slide, offset, eventTime: assigner.isEventTime(), assigner: String(assigner) };
}

/** What a slice accumulates: an aggregate's accumulator, or a reduce's value. */
export type SliceFunction<IN> =
  | { readonly kind: 'aggregate'; readonly aggregate: AggregateFunction<IN, unknown, unknown> }
  | { readonly kind: 'reduce'; readonly reduce: ReduceFunction<IN>; readonly serializer: TypeSerializer<IN> | undefined };

export interface SlicingWindowOperatorOptions<IN, OUT, K extends Key> {
  readonly slicing: WindowSlicing;
  readonly slices: SliceFunction<IN>;
  /** Gets the window's result: the aggregate's `getResult`, or the reduced value. */
  readonly windowFunction: InternalWindowFunction<unknown, OUT, K, TimeWindow>;
  /** How long after its end an event-time window still accepts late elements (ms; 0 by default). */
  readonly allowedLateness: number;
  readonly lateDataOutputTag?: OutputTag<IN> | undefined;
}

/** A slice's state: `get()` gives the stored accumulator (or reduced value) itself. */
type SliceState = (InternalAggregatingState<unknown, unknown> | InternalReducingState<unknown>) & { get(): unknown; add(value: unknown): void; clear(): void };

/**
 * Timers: a window's firing is an event-time (or processing-time) timer at its max timestamp in the void
 * namespace, one per key and window, registered for a slice's first window when the key's slice is
 * created and for the next window while the key has slices a later window needs. With allowed lateness,
 * a window's cleanup is an event-time timer at max timestamp + lateness, namespaced by the window's end.
 */
type TimerNamespace = VoidNamespace | number;

/**
 * Flink's DataStream window semantics, with slices: a window fires once at its end (again for each late
 * element within the allowed lateness), with exactly the elements WindowOperator would have given it;
 * elements whose every window is past its lateness go to the late-data side output or are counted as
 * dropped; each output is stamped with the window's max timestamp; ProcessWindowFunction.clear runs
 * when a window is purged.
 */
export class SlicingWindowOperator<IN, OUT, K extends Key> implements OneInputStreamOperator<IN, OUT> {
  readonly #size: number;
  readonly #slide: number;
  readonly #offset: number;
  /** The slice length, gcd(size, slide). */
  readonly #slice: number;
  readonly #eventTime: boolean;
  readonly #assignerName: string;
  readonly #allowedLateness: number;
  readonly #lateDataOutputTag: OutputTag<IN> | undefined;
  readonly #aggregate: AggregateFunction<IN, unknown, unknown> | undefined;
  readonly #reduce: ReduceFunction<IN> | undefined;
  /** Copies a slice's value before a merge, which may reuse either argument. */
  readonly #copy: (value: unknown) => unknown;
  readonly #function: InternalWindowFunction<unknown, OUT, K, TimeWindow>;
  readonly #context: StreamOperatorContext;
  readonly #keyed: KeyedContext;
  readonly #output: Output<OUT>;
  readonly #collector: TimestampedCollector<OUT>;
  readonly #timers: InternalTimerService<TimerNamespace>;
  readonly #state: SliceState;
  readonly #processContext: WindowProcessContext<TimeWindow>;
  /** Set by the slice state's add: true when the element made a new slice for its key. */
  #newSlice = false;
  /** The latest processing-time firing: the windows it closed take no more elements. */
  #firedUpTo = Number.NEGATIVE_INFINITY;
  #numLateRecordsDropped = 0;

  constructor(options: SlicingWindowOperatorOptions<IN, OUT, K>, context: StreamOperatorContext, output: Output<OUT>, keyed: KeyedContext) {
    const { size, slide, offset, eventTime, assigner } = options.slicing;
    this.#size = size;
    this.#slide = slide;
    this.#offset = offset;
    this.#slice = gcd(size, slide);
    this.#eventTime = eventTime;
    this.#assignerName = assigner;
    // As in Flink, allowed lateness only applies to event time.
    this.#allowedLateness = eventTime ? options.allowedLateness : 0;
    this.#lateDataOutputTag = options.lateDataOutputTag;
    this.#function = options.windowFunction;
    this.#context = context;
    this.#keyed = keyed;
    this.#output = output;
    this.#collector = new TimestampedCollector(output);
    this.#timers = new InternalTimerService<TimerNamespace>({
      name: WINDOW_SLICE_TIMERS,
      backend: keyed.backend,
      processingTimeService: context.processingTimeService,
      description: context.description,
      namespaceSerializer: Types.number,
      target: {
        onEventTime: (timer) => {
          this.#onTimer(timer);
        },
        onProcessingTime: (timer) => {
          this.#firedUpTo = Math.max(this.#firedUpTo, timer.timestamp);
          this.#onTimer(timer);
        },
      },
    });
    const slices = options.slices;
    if (slices.kind === 'aggregate') {
      const aggregate = slices.aggregate;
      this.#aggregate = aggregate;
      const generic = Types.generic();
      this.#copy = (value) => generic.copy(value);
      // The state stores the accumulator and hands it back as is; creating one marks a new slice.
      const stored: AggregateFunction<unknown, unknown, unknown> = {
        createAccumulator: () => {
          this.#newSlice = true;
          return aggregate.createAccumulator();
        },
        add: (value, accumulator) => aggregate.add(value as IN, accumulator),
        getResult: (accumulator) => accumulator,
        merge: (a, b) => aggregate.merge(a, b),
      };
      this.#state = keyed.backend.getPartitionedState(new AggregatingStateDescriptor<unknown, unknown, unknown>(WINDOW_SLICES, stored), VOID_NAMESPACE);
    } else {
      const reduce = slices.reduce;
      this.#reduce = reduce;
      const serializer = slices.serializer ?? Types.generic<IN>();
      this.#copy = (value) => serializer.copy(value as IN);
      // The state calls the reduce function only when the key's slice holds a value already.
      const stored = (a: IN, b: IN): IN => {
        this.#newSlice = false;
        return reduce(a, b);
      };
      this.#state = keyed.backend.getPartitionedState(new ReducingStateDescriptor<IN>(WINDOW_SLICES, stored, slices.serializer), VOID_NAMESPACE);
    }
    this.#processContext = new WindowProcessContext<TimeWindow>(this.#timers, keyed, output, () => this.#collector.timestamp);
  }

  get userFunction(): unknown {
    return this.#function.userFunction;
  }

  /** Elements dropped because every window they belong to was past its allowed lateness, and no late-data side output was set. */
  get numLateRecordsDropped(): number {
    return this.#numLateRecordsDropped;
  }

  async open(): Promise<void> {
    await openFunction(this.#function.userFunction, createRuntimeContext(this.#context));
    this.#timers.start();
  }

  processElement(value: IN, timestamp: number): void {
    const key = this.#keyed.keySelector(value) as K;
    this.#keyed.backend.setCurrentKey(key);
    let time: number;
    if (this.#eventTime) {
      if (timestamp === NO_TIMESTAMP || Number.isNaN(timestamp)) throw this.#missingTimestamp();
      time = timestamp;
    } else {
      // Timers run at or after their time: an element the clock puts in a window whose firing ran
      // already (in the same millisecond) counts as arriving just after it. WindowOperator would
      // fire that window once more with the element alone.
      time = Math.max(this.#context.processingTimeService.now(), this.#firedUpTo + 1);
    }
    const size = this.#size;
    const slide = this.#slide;
    // The element's windows end after `time`, the last at `lastEnd`.
    const lastEnd = startOf(time, this.#offset, slide) + size;
    const watermark = this.#timers.currentWatermark();
    const lateness = this.#allowedLateness;
    // No window (a slide longer than the size leaves gaps), or every window past its lateness.
    if (lastEnd <= time || (this.#eventTime && lastEnd - 1 + lateness <= watermark)) {
      if (this.#eventTime && timestamp + lateness <= watermark) {
        if (this.#lateDataOutputTag !== undefined) this.#output.collectSide(this.#lateDataOutputTag, value, timestamp);
        else this.#numLateRecordsDropped++;
      }
      return;
    }
    const slice = this.#slice;
    const sliceEnd = startOf(time, this.#offset, slice) + slice;
    const state = this.#state;
    state.setCurrentNamespace(sliceEnd);
    this.#newSlice = this.#reduce !== undefined;
    state.add(value);
    const firstEnd = startOf(time, this.#offset + size, slide) + slide;
    // The usual case: all the element's windows are still to fire; a new slice of the key needs the first one's timer.
    if (!this.#eventTime || firstEnd - 1 > watermark) {
      if (this.#newSlice) this.#registerFiring(firstEnd);
      return;
    }
    // Some fired already (end - 1 at or before the watermark): a new slice needs the timer of the next
    // window to fire, and those still within their lateness fire again at once, as Flink's
    // EventTimeTrigger fires a window for an element that came after its end.
    const nextEnd = startOf(watermark + 1, this.#offset + size, slide) + slide;
    if (this.#newSlice && nextEnd <= lastEnd) this.#registerFiring(nextEnd);
    for (let end = Math.min(lastEnd, nextEnd - slide); end >= firstEnd && end - 1 + lateness > watermark; end -= slide) {
      this.#fire(key, end, false, false);
      this.#registerCleanup(end);
    }
  }

  processWatermark(timestamp: number): void {
    this.#timers.advanceWatermark(timestamp);
    this.#output.emitWatermark(timestamp);
  }

  finish(): void {
    this.#timers.dispose();
  }

  async close(): Promise<void> {
    this.#timers.dispose();
    await closeFunction(this.#function.userFunction);
  }

  #onTimer(timer: InternalTimer<Key, TimerNamespace>): void {
    const key = timer.key as K;
    if (timer.namespace === VOID_NAMESPACE) {
      const end = timer.timestamp + 1;
      // Without lateness a window is purged as it fires, and so are the slices no later window needs.
      const purge = this.#allowedLateness === 0;
      const fired = this.#fire(key, end, true, purge);
      if (purge) {
        if (fired) this.#clearWindowFunction(end);
      } else if (fired) {
        this.#registerCleanup(end);
      }
    } else {
      this.#purge(timer.namespace);
    }
  }

  /**
   * Merges the slices of the window ending at `end` and emits its result. With `chain` (a firing by
   * timer), registers the firing of the next window when some of these slices belong to it too; with
   * `purge`, removes the slices no later window covers. Returns whether the window had any element.
   */
  #fire(key: K, end: number, chain: boolean, purge: boolean): boolean {
    const state = this.#state;
    const slice = this.#slice;
    const start = end - this.#size;
    // Slices ending at or before `lastOwn` belong to no window after this one.
    const lastOwn = end + this.#slide - this.#size;
    let count = 0;
    let first: unknown;
    let firstKept = false;
    let merged: unknown;
    let nextNeedsSlices = false;
    for (let sliceEnd = start + slice; sliceEnd <= end; sliceEnd += slice) {
      state.setCurrentNamespace(sliceEnd);
      const value = state.get();
      if (value === undefined) continue;
      const kept = sliceEnd > lastOwn || !purge;
      if (sliceEnd > lastOwn) nextNeedsSlices = true;
      else if (purge) state.clear();
      if (count === 0) {
        first = value;
        firstKept = kept;
      } else {
        merged = this.#merge(count === 1 ? this.#copy(first) : merged, this.#copy(value));
      }
      count++;
    }
    if (chain && nextNeedsSlices) this.#registerFiring(end + this.#slide);
    if (count === 0) return false;
    // What is emitted must not be a slice's value that later elements change in place.
    let result = count > 1 ? merged : firstKept ? this.#copy(first) : first;
    const aggregate = this.#aggregate;
    if (aggregate !== undefined) {
      try {
        result = aggregate.getResult(result);
      } catch (error) {
        throw userFunctionFailed(this.#context.description, 'getResult() of the aggregate function', error);
      }
    }
    this.#collector.timestamp = end - 1;
    this.#processContext.current = new TimeWindow(start, end);
    try {
      this.#function.process(key, this.#processContext, result, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'the window function', error);
    }
    return true;
  }

  #merge(a: unknown, b: unknown): unknown {
    try {
      if (this.#aggregate !== undefined) return this.#aggregate.merge(a, b);
      return (this.#reduce as ReduceFunction<unknown>)(a, b);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, this.#aggregate !== undefined ? 'merge() of the aggregate function' : 'the reduce function', error);
    }
  }

  /** The window ending at `end` is past its lateness: drops the slices no later window covers and the window's own state. */
  #purge(end: number): void {
    const state = this.#state;
    const lastOwn = Math.min(end, end + this.#slide - this.#size);
    for (let sliceEnd = end - this.#size + this.#slice; sliceEnd <= lastOwn; sliceEnd += this.#slice) {
      state.setCurrentNamespace(sliceEnd);
      state.clear();
    }
    this.#clearWindowFunction(end);
  }

  #clearWindowFunction(end: number): void {
    this.#processContext.current = new TimeWindow(end - this.#size, end);
    try {
      this.#function.clear(this.#processContext);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'clear() of the window function', error);
    }
  }

  #registerFiring(end: number): void {
    if (this.#eventTime) this.#timers.registerEventTimeTimer(VOID_NAMESPACE, end - 1);
    else this.#timers.registerProcessingTimeTimer(VOID_NAMESPACE, end - 1);
  }

  #registerCleanup(end: number): void {
    this.#timers.registerEventTimeTimer(end, end - 1 + this.#allowedLateness);
  }

  #missingTimestamp(): WeirError {
    return new WeirError('INVALID_TIMESTAMP', `${this.#context.description}: ${this.#assignerName} got a record without a timestamp`, {
      hint: 'event-time windows need event timestamps: give the source a WatermarkStrategy with a timestamp assigner (env.fromSource(source, strategy, name)) or call assignTimestampsAndWatermarks(strategy) before keyBy(); or use processing-time windows',
    });
  }
}

/** The largest `t' <= t` with `t' ≡ offset (mod step)`: a window's (or slice's) start, for negative times too. */
function startOf(t: number, offset: number, step: number): number {
  return TimeWindow.getWindowStartWithOffset(t, offset, step);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
