/**
 * @module The keyed co-process operator: runs a KeyedCoProcessFunction with the record's key set
 * (each input has its own key selector), so keyed state and timers are scoped to it; fires event-time
 * timers when the minimum of both inputs' watermarks passes them.
 */
import type { Key } from '../core/key-groups.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { InternalTimer } from '../state/heap-timer-queue.ts';
import type { VoidNamespace } from '../state/namespace-id.ts';
import type { KeyedCoProcessFunction } from './co-functions.ts';
import type { OnTimerContext, TimeDomain, TimerService } from './functions.ts';
import { InternalTimerService, voidNamespaceTimerService } from './internal-timer-service.ts';
import type { OutputTag } from './output-tag.ts';
import type { KeyedContext, Output, StreamOperatorContext } from './stream-operator.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { TwoInputFunctionOperator } from './two-input-function-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export interface KeySelectors<IN1, IN2, K extends Key> {
  readonly key1: (value: IN1) => K;
  readonly key2: (value: IN2) => K;
}

export class KeyedCoProcessOperator<K extends Key, IN1, IN2, OUT>
  extends TwoInputFunctionOperator<KeyedCoProcessFunction<K, IN1, IN2, OUT>, IN1, IN2, OUT> implements OnTimerContext<K>
{
  readonly #keyed: KeyedContext;
  readonly #keys: KeySelectors<IN1, IN2, K>;
  readonly #output: Output<OUT>;
  readonly #collector: TimestampedCollector<OUT>;
  readonly #timers: InternalTimerService<VoidNamespace>;
  readonly #timerService: TimerService;
  #timeDomain: TimeDomain = 'EVENT_TIME';

  constructor(fn: KeyedCoProcessFunction<K, IN1, IN2, OUT>, context: StreamOperatorContext, output: Output<OUT>, keyed: KeyedContext, keys: KeySelectors<IN1, IN2, K>) {
    super(fn, context, output);
    this.#keyed = keyed;
    this.#keys = keys;
    this.#output = output;
    this.#collector = new TimestampedCollector(output);
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
    this.#timerService = voidNamespaceTimerService(this.#timers);
  }

  processElement1(value: IN1, timestamp: number): void {
    this.#keyed.backend.setCurrentKey(this.#keys.key1(value));
    this.#collector.timestamp = timestamp;
    try {
      this.fn.processElement1(value, this, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'processElement1()', error);
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    this.#keyed.backend.setCurrentKey(this.#keys.key2(value));
    this.#collector.timestamp = timestamp;
    try {
      this.fn.processElement2(value, this, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'processElement2()', error);
    }
  }

  timestamp(): number | undefined {
    const t = this.#collector.timestamp;
    return t === NO_TIMESTAMP ? undefined : t;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    this.#output.collectSide(tag, value, this.#collector.timestamp);
  }

  timerService(): TimerService {
    return this.#timerService;
  }

  getCurrentKey(): K {
    return this.#keyed.backend.getCurrentKey() as K;
  }

  timeDomain(): TimeDomain {
    return this.#timeDomain;
  }

  currentProcessingTime(): number {
    return this.#timers.currentProcessingTime();
  }

  currentWatermark(): number {
    return this.#timers.currentWatermark();
  }

  #onTimer(timer: InternalTimer<Key, VoidNamespace>, domain: TimeDomain): void {
    this.#timeDomain = domain;
    this.#collector.timestamp = domain === 'EVENT_TIME' ? timer.timestamp : NO_TIMESTAMP;
    try {
      this.fn.onTimer(timer.timestamp, this, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'onTimer()', error);
    }
  }
}
