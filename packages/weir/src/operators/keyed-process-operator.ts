/**
 * @module The keyed process operator: runs a KeyedProcessFunction with the record's key set, so keyed
 * state and timers are scoped to it; fires event-time timers on watermarks and processing-time
 * timers from the slot's loop.
 */
import type { Key } from '../core/key-groups.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { VoidNamespace } from '../state/namespace-id.ts';
import type { InternalTimer } from '../state/heap-timer-queue.ts';
import {
  closeFunction,
  openFunction,
  type KeyedProcessFunction,
  type OnTimerContext,
  type TimeDomain,
  type TimerService,
} from './functions.ts';
import { InternalTimerService, voidNamespaceTimerService } from './internal-timer-service.ts';
import { createRuntimeContext } from './runtime-context.ts';
import type { KeyedContext, OneInputStreamOperator, Output, StreamOperatorContext } from './stream-operator.ts';
import type { OutputTag } from './output-tag.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class KeyedProcessOperator<K extends Key, IN, OUT> implements OneInputStreamOperator<IN, OUT>, OnTimerContext<K> {
  readonly #fn: KeyedProcessFunction<K, IN, OUT>;
  readonly #context: StreamOperatorContext;
  readonly #keyed: KeyedContext;
  readonly #output: Output<OUT>;
  readonly #collector: TimestampedCollector<OUT>;
  readonly #timers: InternalTimerService<VoidNamespace>;
  readonly #timerService: TimerService;
  #timeDomain: TimeDomain = 'EVENT_TIME';

  constructor(fn: KeyedProcessFunction<K, IN, OUT>, context: StreamOperatorContext, output: Output<OUT>, keyed: KeyedContext) {
    this.#fn = fn;
    this.#context = context;
    this.#keyed = keyed;
    this.#output = output;
    this.#collector = new TimestampedCollector(output);
    this.#timers = new InternalTimerService<VoidNamespace>({
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
    });
    this.#timerService = voidNamespaceTimerService(this.#timers);
  }

  get userFunction(): unknown {
    return this.#fn;
  }

  async open(): Promise<void> {
    await openFunction(this.#fn, createRuntimeContext(this.#context));
    this.#timers.start();
  }

  processElement(value: IN, timestamp: number): void {
    this.#keyed.backend.setCurrentKey(this.#keyed.keySelector(value));
    this.#collector.timestamp = timestamp;
    try {
      this.#fn.processElement(value, this, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'processElement()', error);
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
    await closeFunction(this.#fn);
  }

  timestamp(): number | undefined {
    const t = this.#collector.timestamp;
    return t === NO_TIMESTAMP ? undefined : t;
  }

  timerService(): TimerService {
    return this.#timerService;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    this.#output.collectSide(tag, value, this.#collector.timestamp);
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
      this.#fn.onTimer(timer.timestamp, this, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'onTimer()', error);
    }
  }
}
