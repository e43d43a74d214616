/**
 * @module The broadcast operator for a keyed stream (Flink's CoBroadcastWithKeyedOperator): input 1
 * is the keyed stream (keyed state, timers, read-only broadcast state), input 2 the broadcast stream
 * (read-write broadcast state, and every key's state through `applyToKeyedState`).
 */
import type { Key } from '../core/key-groups.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { InternalTimer } from '../state/heap-timer-queue.ts';
import type { VoidNamespace } from '../state/namespace-id.ts';
import type { MapStateDescriptor, StateDescriptor } from '../state/state-descriptors.ts';
import type { StateOf } from '../state/state.ts';
import type { KeyedBroadcastOnTimerContext, KeyedBroadcastProcessContext, KeyedBroadcastProcessFunction } from './broadcast-process-functions.ts';
import { BroadcastStates } from './broadcast-states.ts';
import type { TimeDomain } from './functions.ts';
import { InternalTimerService, voidNamespaceTimerService } from './internal-timer-service.ts';
import type { OutputTag } from './output-tag.ts';
import type { KeyedContext, Output, StreamOperatorContext } from './stream-operator.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { TwoInputFunctionOperator } from './two-input-function-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class CoBroadcastWithKeyedOperator<K extends Key, IN1, IN2, OUT> extends TwoInputFunctionOperator<KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>, IN1, IN2, OUT> {
  readonly #keyed: KeyedContext;
  readonly #key1: (value: IN1) => K;
  readonly #collector: TimestampedCollector<OUT>;
  readonly #timers: InternalTimerService<VoidNamespace>;
  readonly #states: BroadcastStates;
  readonly #keyedContext: KeyedBroadcastOnTimerContext<K>;
  readonly #broadcastContext: KeyedBroadcastProcessContext<K>;
  #timeDomain: TimeDomain = 'EVENT_TIME';

  constructor(
    fn: KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
    context: StreamOperatorContext,
    output: Output<OUT>,
    keyed: KeyedContext,
    key1: (value: IN1) => K,
  ) {
    super(fn, context, output);
    this.#keyed = keyed;
    this.#key1 = key1;
    this.#collector = new TimestampedCollector(output);
    this.#states = new BroadcastStates(descriptors, context.operatorState, context.description);
    this.#timers = this.useTimers(new InternalTimerService<VoidNamespace>({
      name: 'timers',
      backend: keyed.backend,
      processingTimeService: context.processingTimeService,
      description: context.description,
      target: {
        onEventTime: (timer) => {
          this.#onTimer(timer, 'EVENT_TIME');
        },
        onProcessingTime: (timer) => {
          this.#onTimer(timer, 'PROCESSING_TIME');
        },
      },
    }));
    const timers = this.#timers;
    const timerService = voidNamespaceTimerService(timers);
    const base = {
      timestamp: (): number | undefined => (this.#collector.timestamp === NO_TIMESTAMP ? undefined : this.#collector.timestamp),
      currentProcessingTime: (): number => timers.currentProcessingTime(),
      currentWatermark: (): number => timers.currentWatermark(),
      output: <X>(tag: OutputTag<X>, value: X): void => {
        output.collectSide(tag, value, this.#collector.timestamp);
      },
    };
    this.#keyedContext = {
      ...base,
      getBroadcastState: (descriptor) => this.#states.readOnly(descriptor),
      getCurrentKey: () => keyed.backend.getCurrentKey() as K,
      timerService: () => timerService,
      timeDomain: () => this.#timeDomain,
    };
    this.#broadcastContext = {
      ...base,
      getBroadcastState: (descriptor) => this.#states.get(descriptor),
      applyToKeyedState: <D extends StateDescriptor>(descriptor: D, apply: (key: K, state: StateOf<D>) => void): void => {
        keyed.backend.applyToAllKeys(descriptor, (key, state) => {
          apply(key as K, state);
        });
      },
    };
  }

  processElement1(value: IN1, timestamp: number): void {
    this.#keyed.backend.setCurrentKey(this.#key1(value));
    this.#collector.timestamp = timestamp;
    try {
      this.fn.processElement(value, this.#keyedContext, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'processElement()', error);
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.fn.processBroadcastElement(value, this.#broadcastContext, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'processBroadcastElement()', error);
    }
  }

  #onTimer(timer: InternalTimer<Key, VoidNamespace>, domain: TimeDomain): void {
    this.#timeDomain = domain;
    this.#collector.timestamp = domain === 'EVENT_TIME' ? timer.timestamp : NO_TIMESTAMP;
    try {
      this.fn.onTimer(timer.timestamp, this.#keyedContext, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'onTimer()', error);
    }
  }
}
