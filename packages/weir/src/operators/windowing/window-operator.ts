/**
 * @module WindowOperator (Flink's): the keyed window operator. Each element goes into the windows its
 * assigner gives it (merged for sessions); the window's contents live in keyed state with the window
 * as namespace, and the trigger's timers in the checkpointed timer service, so a window fires exactly
 * once across a restore. Fired windows go through the window function; windows are cleaned up after
 * their allowed lateness; later elements go to the late-data side output or are dropped (counted).
 */
import { WeirError } from '../../core/errors.ts';
import type { Key } from '../../core/key-groups.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import type { InternalTimer } from '../../state/heap-timer-queue.ts';
import type { InternalKvState, InternalMergingState } from '../../state/internal-kv-state.ts';
import { VOID_NAMESPACE } from '../../state/namespace-id.ts';
import { ListStateDescriptor, type StateDescriptor } from '../../state/state-descriptors.ts';
import type { ListState, State, StateOf } from '../../state/state.ts';
import { Types } from '../../types/types.ts';
import { closeFunction, openFunction } from '../functions.ts';
import { InternalTimerService } from '../internal-timer-service.ts';
import type { OutputTag } from '../output-tag.ts';
import { createRuntimeContext } from '../runtime-context.ts';
import type { KeyedContext, OneInputStreamOperator, Output, StreamOperatorContext } from '../stream-operator.ts';
import { TimestampedCollector } from '../timestamped-collector.ts';
import { userFunctionFailed } from '../user-function-error.ts';
import type { Evictor, TimestampedValue } from './evictor.ts';
import type { InternalWindowFunction } from './internal-window-function.ts';
import { MergingWindowSet } from './merging-window-set.ts';
import { isFire, isPurge, type OnMergeContext, type Trigger, type TriggerResult } from './trigger.ts';
import type { Window, WindowSerializer } from './window.ts';
import { WindowProcessContext } from './window-process-context.ts';
import { isMergingWindowAssigner, type MergingWindowAssigner, type WindowAssigner } from './window-assigner.ts';

/** The state a window's contents live in: its elements (list), or an incremental reduce or aggregate. */
export type WindowContentsDescriptor = StateDescriptor & { readonly kind: 'list' | 'reducing' | 'aggregating' };

export interface WindowOperatorOptions<IN, OUT, K extends Key, W extends Window> {
  readonly assigner: WindowAssigner<IN, W>;
  readonly trigger: Trigger<IN, W>;
  /** Where the contents go; with an evictor, a list of `{ value, timestamp }`. */
  readonly contents: WindowContentsDescriptor;
  /** Gets what `contents` holds (with an evictor: the remaining elements' values). */
  readonly windowFunction: InternalWindowFunction<unknown, OUT, K, W>;
  /** How long after its end an event-time window still accepts late elements (ms; 0 by default). */
  readonly allowedLateness: number;
  readonly lateDataOutputTag?: OutputTag<IN> | undefined;
  readonly evictor?: Evictor<IN, W> | undefined;
}

type WindowState = State & InternalKvState & { get(): unknown; add(value: unknown): void };

const MERGING_WINDOW_SET = 'merging-window-set';

export class WindowOperator<IN, OUT, K extends Key, W extends Window> implements OneInputStreamOperator<IN, OUT> {
  readonly #assigner: WindowAssigner<IN, W>;
  readonly #merging: MergingWindowAssigner<IN, W> | undefined;
  readonly #trigger: Trigger<IN, W>;
  readonly #function: InternalWindowFunction<unknown, OUT, K, W>;
  readonly #evictor: Evictor<IN, W> | undefined;
  readonly #allowedLateness: number;
  readonly #lateDataOutputTag: OutputTag<IN> | undefined;
  readonly #eventTime: boolean;
  readonly #serializer: WindowSerializer<W>;
  readonly #context: StreamOperatorContext;
  readonly #keyed: KeyedContext;
  readonly #output: Output<OUT>;
  readonly #collector: TimestampedCollector<OUT>;
  readonly #timers: InternalTimerService<W>;
  readonly #windowState: WindowState;
  readonly #mergingSetState: ListState<[W, W]> | undefined;
  readonly #triggerContext: WindowTriggerContext<W>;
  readonly #processContext: WindowProcessContext<W>;
  readonly #assignerContext = { getCurrentProcessingTime: (): number => this.#context.processingTimeService.now() };
  /** True when the contents are a list of elements (empty when nothing is in the window). */
  readonly #listContents: boolean;
  #numLateRecordsDropped = 0;

  constructor(options: WindowOperatorOptions<IN, OUT, K, W>, context: StreamOperatorContext, output: Output<OUT>, keyed: KeyedContext) {
    this.#assigner = options.assigner;
    this.#merging = isMergingWindowAssigner(options.assigner) ? options.assigner : undefined;
    this.#trigger = options.trigger;
    if (this.#merging !== undefined && !this.#trigger.canMerge()) {
      throw new WeirError('INVALID_OPTION', `${context.description}: the merging window assigner ${String(options.assigner)} needs a trigger that can merge, but ${String(options.trigger)} cannot`, {
        hint: 'use a trigger whose canMerge() returns true (EventTimeTrigger, ProcessingTimeTrigger, CountTrigger) with session windows',
      });
    }
    this.#function = options.windowFunction;
    this.#evictor = options.evictor;
    this.#eventTime = options.assigner.isEventTime();
    // As in Flink, allowed lateness only applies to event time.
    this.#allowedLateness = this.#eventTime ? options.allowedLateness : 0;
    this.#lateDataOutputTag = options.lateDataOutputTag;
    this.#serializer = options.assigner.getWindowSerializer();
    this.#context = context;
    this.#keyed = keyed;
    this.#output = output;
    this.#collector = new TimestampedCollector(output);
    this.#timers = new InternalTimerService<W>({
      name: 'window-timers',
      backend: keyed.backend,
      processingTimeService: context.processingTimeService,
      description: context.description,
      namespaceSerializer: this.#serializer,
      target: {
        onEventTime: (timer) => {
          this.#onTimer(timer, true);
        },
        onProcessingTime: (timer) => {
          this.#onTimer(timer, false);
        },
      },
    });
    this.#windowState = keyed.backend.getPartitionedState(options.contents, VOID_NAMESPACE);
    this.#listContents = options.contents.kind === 'list';
    if (this.#merging !== undefined) {
      this.#mergingSetState = keyed.backend.getState(new ListStateDescriptor<[W, W]>(MERGING_WINDOW_SET, Types.tuple(this.#serializer, this.#serializer)));
    }
    this.#triggerContext = new WindowTriggerContext<W>(this.#trigger, this.#timers, keyed, context);
    this.#processContext = new WindowProcessContext<W>(this.#timers, keyed, output, () => this.#collector.timestamp);
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
    const backend = this.#keyed.backend;
    const key = this.#keyed.keySelector(value) as K;
    backend.setCurrentKey(key);
    let windows: W[];
    try {
      windows = this.#assigner.assignWindows(value, timestamp, this.#assignerContext);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, `assignWindows() of ${String(this.#assigner)}`, error);
    }
    let skipped = true;
    const element = this.#evictor === undefined ? value : ({ value, timestamp } satisfies TimestampedValue<IN>);
    if (this.#merging !== undefined) {
      const mergingWindows = this.#mergingWindowSet();
      for (const window of windows) {
        const actualWindow = mergingWindows.addWindow(window, (mergeResult, mergedWindows, stateWindowResult, mergedStateWindows) => {
          this.#checkMerge(mergeResult);
          this.#triggerContext.window = mergeResult;
          this.#triggerContext.onMerge(mergedWindows);
          for (const merged of mergedWindows) {
            this.#triggerContext.window = merged;
            this.#triggerContext.clear();
            this.#deleteCleanupTimer(merged);
          }
          (this.#windowState as unknown as InternalMergingState).mergeNamespaces(stateWindowResult, mergedStateWindows);
        });
        if (this.#isWindowLate(actualWindow)) {
          mergingWindows.retireWindow(actualWindow);
          continue;
        }
        skipped = false;
        const stateWindow = mergingWindows.getStateWindow(actualWindow);
        if (stateWindow === undefined) throw new WeirError('INTERNAL', `${this.#context.description}: window ${String(actualWindow)} has no state window`);
        this.#windowState.setCurrentNamespace(stateWindow);
        this.#windowState.add(element);
        this.#onElement(key, value, timestamp, actualWindow);
      }
      mergingWindows.persist();
    } else {
      for (const window of windows) {
        if (this.#isWindowLate(window)) continue;
        skipped = false;
        this.#windowState.setCurrentNamespace(window);
        this.#windowState.add(element);
        this.#onElement(key, value, timestamp, window);
      }
    }
    if (skipped && this.#isElementLate(timestamp)) {
      if (this.#lateDataOutputTag !== undefined) this.#output.collectSide(this.#lateDataOutputTag, value, timestamp);
      else this.#numLateRecordsDropped++;
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

  /** The trigger's decision for a new element of `window` (whose state namespace is current). */
  #onElement(key: K, value: IN, timestamp: number, window: W): void {
    this.#triggerContext.window = window;
    const result = this.#triggerContext.call('onElement()', () => this.#trigger.onElement(value, timestamp, window, this.#triggerContext));
    if (isFire(result)) this.#fire(key, window);
    if (isPurge(result)) this.#windowState.clear();
    this.#registerCleanupTimer(window);
  }

  #onTimer(timer: InternalTimer<Key, W>, eventTime: boolean): void {
    const window = this.#serializer.toWindow(timer.namespace);
    const key = timer.key as K;
    let mergingWindows: MergingWindowSet<W> | undefined;
    if (this.#merging !== undefined) {
      mergingWindows = this.#mergingWindowSet();
      const stateWindow = mergingWindows.getStateWindow(window);
      // A timer of a window that has since merged into another: nothing to do.
      if (stateWindow === undefined) return;
      this.#windowState.setCurrentNamespace(stateWindow);
    } else {
      this.#windowState.setCurrentNamespace(window);
    }
    this.#triggerContext.window = window;
    const result = eventTime
      ? this.#triggerContext.call('onEventTime()', () => this.#trigger.onEventTime(timer.timestamp, window, this.#triggerContext))
      : this.#triggerContext.call('onProcessingTime()', () => this.#trigger.onProcessingTime(timer.timestamp, window, this.#triggerContext));
    if (isFire(result)) this.#fire(key, window);
    if (isPurge(result)) this.#windowState.clear();
    if (this.#eventTime === eventTime && timer.timestamp === this.#cleanupTime(window)) this.#clearAllState(window, mergingWindows);
    mergingWindows?.persist();
  }

  /** Emits the window's contents through the window function, stamped with the window's max timestamp. */
  #fire(key: K, window: W): void {
    const contents = this.#windowState.get();
    if (contents === undefined) return;
    let input: unknown = contents;
    let elements: TimestampedValue<IN>[] | undefined;
    if (this.#evictor !== undefined) {
      elements = [...(contents as Iterable<TimestampedValue<IN>>)];
      if (elements.length === 0) return;
      const size = elements.length;
      this.#evictor.evictBefore(elements, size, window, this.#triggerContext);
      input = elements.map((e) => e.value);
    } else if (this.#listContents && isEmpty(contents as Iterable<unknown>)) {
      return;
    }
    this.#collector.timestamp = window.maxTimestamp();
    this.#processContext.current = window;
    try {
      this.#function.process(key, this.#processContext, input, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'the window function', error);
    }
    if (this.#evictor !== undefined && elements !== undefined) {
      this.#evictor.evictAfter(elements, elements.length, window, this.#triggerContext);
      (this.#windowState as unknown as ListState<TimestampedValue<IN>>).update(elements);
    }
  }

  #clearAllState(window: W, mergingWindows: MergingWindowSet<W> | undefined): void {
    this.#windowState.clear();
    this.#triggerContext.window = window;
    this.#triggerContext.clear();
    this.#processContext.current = window;
    try {
      this.#function.clear(this.#processContext);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'clear() of the window function', error);
    }
    if (mergingWindows !== undefined) mergingWindows.retireWindow(window);
  }

  #mergingWindowSet(): MergingWindowSet<W> {
    return new MergingWindowSet<W>(this.#merging as MergingWindowAssigner<unknown, W>, this.#mergingSetState as ListState<[W, W]>, this.#serializer);
  }

  #checkMerge(mergeResult: W): void {
    if (this.#eventTime && mergeResult.maxTimestamp() + this.#allowedLateness <= this.#timers.currentWatermark()) {
      throw new WeirError('INTERNAL', `${this.#context.description}: merging made event-time window ${String(mergeResult)} end before the current watermark ${this.#timers.currentWatermark()}`, {
        hint: 'a merging window assigner must not shrink windows when it merges them',
      });
    }
    if (!this.#eventTime && mergeResult.maxTimestamp() <= this.#timers.currentProcessingTime()) {
      throw new WeirError('INTERNAL', `${this.#context.description}: merging made processing-time window ${String(mergeResult)} end before the current processing time`, {
        hint: 'a merging window assigner must not shrink windows when it merges them',
      });
    }
  }

  /** When a window's state is dropped: its end plus the allowed lateness (event time), or its end (processing time). */
  #cleanupTime(window: W): number {
    return this.#eventTime ? window.maxTimestamp() + this.#allowedLateness : window.maxTimestamp();
  }

  #isWindowLate(window: W): boolean {
    return this.#eventTime && this.#cleanupTime(window) <= this.#timers.currentWatermark();
  }

  #isElementLate(timestamp: number): boolean {
    return this.#eventTime && timestamp !== NO_TIMESTAMP && timestamp + this.#allowedLateness <= this.#timers.currentWatermark();
  }

  #registerCleanupTimer(window: W): void {
    const time = this.#cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return;
    if (this.#eventTime) this.#timers.registerEventTimeTimer(window, time);
    else this.#timers.registerProcessingTimeTimer(window, time);
  }

  #deleteCleanupTimer(window: W): void {
    const time = this.#cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return;
    if (this.#eventTime) this.#timers.deleteEventTimeTimer(window, time);
    else this.#timers.deleteProcessingTimeTimer(window, time);
  }
}

function isEmpty(values: Iterable<unknown>): boolean {
  if (Array.isArray(values)) return values.length === 0;
  for (const _ of values) return false;
  return true;
}

/** The trigger's view of the current key and window (Flink's WindowOperator.Context). */
class WindowTriggerContext<W extends Window> implements OnMergeContext {
  window!: W;
  #mergedWindows: readonly W[] = [];
  readonly #trigger: Trigger<unknown, W>;
  readonly #timers: InternalTimerService<W>;
  readonly #keyed: KeyedContext;
  readonly #context: StreamOperatorContext;

  constructor(trigger: Trigger<unknown, W>, timers: InternalTimerService<W>, keyed: KeyedContext, context: StreamOperatorContext) {
    this.#trigger = trigger;
    this.#timers = timers;
    this.#keyed = keyed;
    this.#context = context;
  }

  /** Runs a trigger method, naming the operator when it throws. */
  call(method: string, run: () => TriggerResult): TriggerResult {
    try {
      return run();
    } catch (error) {
      throw userFunctionFailed(this.#context.description, `${method} of trigger ${String(this.#trigger)}`, error);
    }
  }

  getCurrentProcessingTime(): number {
    return this.#timers.currentProcessingTime();
  }

  getCurrentWatermark(): number {
    return this.#timers.currentWatermark();
  }

  registerProcessingTimeTimer(time: number): void {
    this.#timers.registerProcessingTimeTimer(this.window, time);
  }

  registerEventTimeTimer(time: number): void {
    this.#timers.registerEventTimeTimer(this.window, time);
  }

  deleteProcessingTimeTimer(time: number): void {
    this.#timers.deleteProcessingTimeTimer(this.window, time);
  }

  deleteEventTimeTimer(time: number): void {
    this.#timers.deleteEventTimeTimer(this.window, time);
  }

  getPartitionedState<D extends StateDescriptor>(descriptor: D): StateOf<D> {
    const state: unknown = this.#keyed.backend.getPartitionedState(descriptor, this.window);
    return state as StateOf<D>;
  }

  mergePartitionedState(descriptor: StateDescriptor): void {
    if (this.#mergedWindows.length === 0) return;
    const state = this.#keyed.backend.getPartitionedState(descriptor, this.window) as unknown as Partial<InternalMergingState>;
    if (typeof state.mergeNamespaces !== 'function') {
      throw new WeirError('STATE_ACCESS', `${this.#context.description}: trigger state '${descriptor.name}' is ${descriptor.kind} state, which cannot be merged`, {
        hint: 'keep trigger state of merging windows in list, reducing or aggregating state',
      });
    }
    state.mergeNamespaces(this.window, this.#mergedWindows);
  }

  /** Windows were merged into `this.window`: the trigger sets itself up for it. */
  onMerge(mergedWindows: readonly W[]): void {
    this.#mergedWindows = mergedWindows;
    try {
      this.#trigger.onMerge(this.window, this);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, `onMerge() of trigger ${String(this.#trigger)}`, error);
    } finally {
      this.#mergedWindows = [];
    }
  }

  clear(): void {
    try {
      this.#trigger.clear(this.window, this);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, `clear() of trigger ${String(this.#trigger)}`, error);
    }
  }
}
