/**
 * @module The interval join (Flink's IntervalJoinOperator): joins each record of the left input with
 * every right record of the same key whose timestamp lies in [left + lower, left + upper]. Both sides
 * are buffered in keyed MapState by timestamp; an event-time timer per buffered timestamp drops it once
 * the watermark (the minimum of both inputs') guarantees no partner can still arrive. Records behind
 * the watermark are late and dropped.
 */
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key-groups.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { InternalTimer } from '../state/heap-timer-queue.ts';
import { MapStateDescriptor } from '../state/state-descriptors.ts';
import type { MapState } from '../state/state.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { Types } from '../types/types.ts';
import { InternalTimerService } from './internal-timer-service.ts';
import type { ProcessJoinContext, ProcessJoinFunction } from './join-functions.ts';
import type { OutputTag } from './output-tag.ts';
import type { KeyedContext, Output, StreamOperatorContext } from './stream-operator.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { TwoInputFunctionOperator } from './two-input-function-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

const CLEANUP_LEFT = 'CLEANUP_LEFT';
const CLEANUP_RIGHT = 'CLEANUP_RIGHT';
type CleanupNamespace = typeof CLEANUP_LEFT | typeof CLEANUP_RIGHT;

export interface IntervalJoinOptions<IN1, IN2, K extends Key> {
  /** Inclusive bounds relative to the left timestamp, in ms (exclusive ones already narrowed by 1). */
  readonly lowerBound: number;
  readonly upperBound: number;
  readonly key1: (value: IN1) => K;
  readonly key2: (value: IN2) => K;
  /** The inputs' types, for the buffers in snapshots; undefined: the generic serializer. */
  readonly leftType?: TypeSerializer<IN1> | undefined;
  readonly rightType?: TypeSerializer<IN2> | undefined;
}

export class IntervalJoinOperator<K extends Key, IN1, IN2, OUT> extends TwoInputFunctionOperator<ProcessJoinFunction<IN1, IN2, OUT>, IN1, IN2, OUT> implements ProcessJoinContext {
  readonly #keyed: KeyedContext;
  readonly #options: IntervalJoinOptions<IN1, IN2, K>;
  readonly #output: Output<OUT>;
  readonly #collector: TimestampedCollector<OUT>;
  readonly #timers: InternalTimerService<CleanupNamespace>;
  readonly #leftBuffer: MapState<number, IN1[]>;
  readonly #rightBuffer: MapState<number, IN2[]>;
  #leftTimestamp = NO_TIMESTAMP;
  #rightTimestamp = NO_TIMESTAMP;

  constructor(fn: ProcessJoinFunction<IN1, IN2, OUT>, options: IntervalJoinOptions<IN1, IN2, K>, context: StreamOperatorContext, output: Output<OUT>, keyed: KeyedContext) {
    super(fn, context, output);
    this.#options = options;
    this.#keyed = keyed;
    this.#output = output;
    this.#collector = new TimestampedCollector(output);
    this.#leftBuffer = keyed.backend.getState(
      new MapStateDescriptor<number, IN1[]>('LEFT_BUFFER', Types.number, Types.array(options.leftType ?? Types.generic<IN1>())),
    );
    this.#rightBuffer = keyed.backend.getState(
      new MapStateDescriptor<number, IN2[]>('RIGHT_BUFFER', Types.number, Types.array(options.rightType ?? Types.generic<IN2>())),
    );
    this.#timers = this.useTimers(new InternalTimerService<CleanupNamespace>({
      name: 'interval-join-timers',
      backend: keyed.backend,
      processingTimeService: context.processingTimeService,
      description: context.description,
      target: {
        onEventTime: (timer) => {
          this.#cleanUp(timer);
        },
        onProcessingTime: () => {},
      },
    }));
  }

  processElement1(value: IN1, timestamp: number): void {
    this.#keyed.backend.setCurrentKey(this.#options.key1(value));
    if (!this.#accept(timestamp)) return;
    add(this.#leftBuffer, timestamp, value);
    const { lowerBound, upperBound } = this.#options;
    for (const [rightTimestamp, rights] of this.#rightBuffer.entries()) {
      if (rightTimestamp < timestamp + lowerBound || rightTimestamp > timestamp + upperBound) continue;
      for (const right of rights) this.#emit(value, right, timestamp, rightTimestamp);
    }
    this.#timers.registerEventTimeTimer(CLEANUP_LEFT, upperBound > 0 ? timestamp + upperBound : timestamp);
  }

  processElement2(value: IN2, timestamp: number): void {
    this.#keyed.backend.setCurrentKey(this.#options.key2(value));
    if (!this.#accept(timestamp)) return;
    add(this.#rightBuffer, timestamp, value);
    const { lowerBound, upperBound } = this.#options;
    // seen from the right: left timestamps in [right - upper, right - lower]
    for (const [leftTimestamp, lefts] of this.#leftBuffer.entries()) {
      if (leftTimestamp < timestamp - upperBound || leftTimestamp > timestamp - lowerBound) continue;
      for (const left of lefts) this.#emit(left, value, leftTimestamp, timestamp);
    }
    this.#timers.registerEventTimeTimer(CLEANUP_RIGHT, lowerBound < 0 ? timestamp - lowerBound : timestamp);
  }

  getLeftTimestamp(): number {
    return this.#leftTimestamp;
  }

  getRightTimestamp(): number {
    return this.#rightTimestamp;
  }

  getTimestamp(): number {
    return this.#collector.timestamp;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    this.#output.collectSide(tag, value, this.#collector.timestamp);
  }

  /** False for a late record (behind the watermark), which is dropped as Flink does. */
  #accept(timestamp: number): boolean {
    if (timestamp === NO_TIMESTAMP) {
      throw new WeirError('USER_FUNCTION_FAILED', `${this.context.description}: a record without a timestamp reached an interval join, which works in event time`, {
        hint: 'give both inputs event timestamps: a source that emits them, or assignTimestampsAndWatermarks(...) before the join',
      });
    }
    return timestamp >= this.watermark.current;
  }

  #emit(left: IN1, right: IN2, leftTimestamp: number, rightTimestamp: number): void {
    this.#leftTimestamp = leftTimestamp;
    this.#rightTimestamp = rightTimestamp;
    this.#collector.timestamp = Math.max(leftTimestamp, rightTimestamp);
    try {
      this.fn.processElement(left, right, this, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'processElement()', error);
    }
  }

  /** A buffered timestamp can have no more partners: drop it (the timer's key is current). */
  #cleanUp(timer: InternalTimer<Key, CleanupNamespace>): void {
    const { lowerBound, upperBound } = this.#options;
    if (timer.namespace === CLEANUP_LEFT) this.#leftBuffer.remove(upperBound > 0 ? timer.timestamp - upperBound : timer.timestamp);
    else this.#rightBuffer.remove(lowerBound < 0 ? timer.timestamp + lowerBound : timer.timestamp);
  }
}

/** Appends `value` to the bucket of `timestamp`, as a new array (a snapshot may still hold the old one). */
function add<T>(buffer: MapState<number, T[]>, timestamp: number, value: T): void {
  const bucket = buffer.get(timestamp);
  buffer.put(timestamp, bucket === undefined ? [value] : [...bucket, value]);
}
