/**
 * @module The keyed co-process operator: runs a KeyedCoProcessFunction with the record's key set
 * (each input has its own key selector), so keyed state and timers are scoped to it; fires event-time
 * timers when the minimum of both inputs' watermarks passes them.
 */
import type { Key } from '../core/key-groups.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { InternalTimer } from '../state/heap-timer-queue.ts';
import { VOID_NAMESPACE, type VoidNamespace } from '../state/namespace-id.ts';
import type { KeyedCoProcessFunction } from './co-functions.ts';
import { closeFunction, openFunction, type OnTimerContext, type TimeDomain, type TimerService } from './functions.ts';
import { InternalTimerService } from './internal-timer-service.ts';
import type { OutputTag } from './output-tag.ts';
import { createRuntimeContext } from './runtime-context.ts';
import type { KeyedContext, Output, StreamOperatorContext } from './stream-operator.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { TwoInputWatermark, type InputIndex, type TwoInputStreamOperator } from './two-input-stream-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export interface KeySelectors<IN1, IN2, K extends Key> {
  readonly key1: (value: IN1) => K;
  readonly key2: (value: IN2) => K;
}

export class KeyedCoProcessOperator<K extends Key, IN1, IN2, OUT>
  implements TwoInputStreamOperator<IN1, IN2, OUT>, OnTimerContext<K>, TimerService
{
  readonly #fn: KeyedCoProcessFunction<K, IN1, IN2, OUT>;
  readonly #context: StreamOperatorContext;
  readonly #keyed: KeyedContext;
  readonly #keys: KeySelectors<IN1, IN2, K>;
  readonly #output: Output<OUT>;
  readonly #collector: TimestampedCollector<OUT>;
  readonly #timers: InternalTimerService<VoidNamespace>;
  readonly #watermark: TwoInputWatermark;
  #timeDomain: TimeDomain = 'EVENT_TIME';

  constructor(fn: KeyedCoProcessFunction<K, IN1, IN2, OUT>, context: StreamOperatorContext, output: Output<OUT>, keyed: KeyedContext, keys: KeySelectors<IN1, IN2, K>) {
    this.#fn = fn;
    this.#context = context;
    this.#keyed = keyed;
    this.#keys = keys;
    this.#output = output;
    this.#watermark = new TwoInputWatermark(output, (watermark) => {
      this.#timers.advanceWatermark(watermark);
    });
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
  }

  get userFunction(): unknown {
    return this.#fn;
  }

  async open(): Promise<void> {
    await openFunction(this.#fn, createRuntimeContext(this.#context));
    this.#timers.start();
  }

  processElement1(value: IN1, timestamp: number): void {
    this.#keyed.backend.setCurrentKey(this.#keys.key1(value));
    this.#collector.timestamp = timestamp;
    try {
      this.#fn.processElement1(value, this, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'processElement1()', error);
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    this.#keyed.backend.setCurrentKey(this.#keys.key2(value));
    this.#collector.timestamp = timestamp;
    try {
      this.#fn.processElement2(value, this, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'processElement2()', error);
    }
  }

  processWatermark1(timestamp: number): void {
    this.#watermark.watermark(1, timestamp);
  }

  processWatermark2(timestamp: number): void {
    this.#watermark.watermark(2, timestamp);
  }

  processWatermarkStatus1(idle: boolean): void {
    this.#watermark.status(1, idle);
  }

  processWatermarkStatus2(idle: boolean): void {
    this.#watermark.status(2, idle);
  }

  endInput(input: InputIndex): void {
    this.#watermark.endInput(input);
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

  output<X>(tag: OutputTag<X>, value: X): void {
    this.#output.collectSide(tag, value, this.#collector.timestamp);
  }

  timerService(): TimerService {
    return this;
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

  registerProcessingTimeTimer(time: number): void {
    this.#timers.registerProcessingTimeTimer(VOID_NAMESPACE, time);
  }

  registerEventTimeTimer(time: number): void {
    this.#timers.registerEventTimeTimer(VOID_NAMESPACE, time);
  }

  deleteProcessingTimeTimer(time: number): void {
    this.#timers.deleteProcessingTimeTimer(VOID_NAMESPACE, time);
  }

  deleteEventTimeTimer(time: number): void {
    this.#timers.deleteEventTimeTimer(VOID_NAMESPACE, time);
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
