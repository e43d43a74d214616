/**
 * @module InternalTimerService: the event-time and processing-time timers of one keyed operator
 * subtask. Timers are per (key, namespace, time), deduplicated; they fire in time order with their
 * key set as the current key. One processing-time wake-up is armed, for the earliest timer.
 */
import type { Key } from '../core/key-groups.ts';
import { WeirError } from '../core/errors.ts';
import type { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { HeapTimerQueue, type InternalTimer } from '../state/heap-timer-queue.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import type { ProcessingTimeService } from './stream-operator.ts';
import type { TimerService } from './functions.ts';
import { VOID_NAMESPACE, type VoidNamespace } from '../state/namespace-id.ts';

export interface TimerTarget<N> {
  onEventTime(timer: InternalTimer<Key, N>): void;
  onProcessingTime(timer: InternalTimer<Key, N>): void;
}

export interface InternalTimerServiceOptions<N> {
  /** Names the timer queues in snapshots; unique per operator (e.g. 'timers' or a window operator's name). */
  readonly name: string;
  readonly backend: HeapKeyedStateBackend;
  readonly processingTimeService: ProcessingTimeService;
  readonly target: TimerTarget<N>;
  readonly description: string;
  /** Writes the timers' namespaces (windows) in snapshots; default: the generic serializer. */
  readonly namespaceSerializer?: TypeSerializer<N> | undefined;
}

export class InternalTimerService<N> {
  readonly #backend: HeapKeyedStateBackend;
  readonly #time: ProcessingTimeService;
  readonly #target: TimerTarget<N>;
  readonly #description: string;
  readonly #eventTimers: HeapTimerQueue<Key, N>;
  readonly #processingTimers: HeapTimerQueue<Key, N>;
  #watermark = Number.NEGATIVE_INFINITY;
  #wakeUpAt = Number.POSITIVE_INFINITY;
  #cancelWakeUp: (() => void) | undefined;

  constructor(options: InternalTimerServiceOptions<N>) {
    this.#backend = options.backend;
    this.#time = options.processingTimeService;
    this.#target = options.target;
    this.#description = options.description;
    const queueOptions = {
      keyGroupRange: options.backend.keyGroupRange,
      maxParallelism: options.backend.maxParallelism,
      operatorDescription: options.description,
    };
    this.#eventTimers = new HeapTimerQueue<Key, N>(queueOptions);
    this.#processingTimers = new HeapTimerQueue<Key, N>(queueOptions);
    // Registered with the backend, the queues are part of every keyed snapshot and come back on restore.
    options.backend.registerTimerQueue(`${options.name}/event-time`, this.#eventTimers, options.namespaceSerializer);
    options.backend.registerTimerQueue(`${options.name}/processing-time`, this.#processingTimers, options.namespaceSerializer);
  }

  /** Arms the wake-up for restored processing-time timers; call once the operator runs. */
  start(): void {
    const next = this.#processingTimers.peek();
    if (next !== undefined) this.#armWakeUp(next.timestamp);
  }

  currentWatermark(): number {
    return this.#watermark;
  }

  currentProcessingTime(): number {
    return this.#time.now();
  }

  registerEventTimeTimer(namespace: N, time: number): void {
    this.#eventTimers.add({ timestamp: checkTime(time, this.#description), key: this.#currentKey(), namespace });
  }

  deleteEventTimeTimer(namespace: N, time: number): void {
    this.#eventTimers.remove({ timestamp: time, key: this.#currentKey(), namespace });
  }

  registerProcessingTimeTimer(namespace: N, time: number): void {
    const timestamp = checkTime(time, this.#description);
    if (this.#processingTimers.add({ timestamp, key: this.#currentKey(), namespace }) && timestamp < this.#wakeUpAt) {
      this.#armWakeUp(timestamp);
    }
  }

  deleteProcessingTimeTimer(namespace: N, time: number): void {
    this.#processingTimers.remove({ timestamp: time, key: this.#currentKey(), namespace });
  }

  /** Fires every event-time timer at or before `watermark`, in time order. */
  advanceWatermark(watermark: number): void {
    this.#watermark = watermark;
    const queue = this.#eventTimers;
    for (let timer = queue.peek(); timer !== undefined && timer.timestamp <= watermark; timer = queue.peek()) {
      queue.poll();
      this.#backend.setCurrentKey(timer.key);
      this.#target.onEventTime(timer);
    }
  }

  /** Stops the processing-time wake-up (at close). */
  dispose(): void {
    this.#cancelWakeUp?.();
    this.#cancelWakeUp = undefined;
    this.#wakeUpAt = Number.POSITIVE_INFINITY;
  }

  /** Number of registered timers, for tests and metrics. */
  get size(): { eventTime: number; processingTime: number } {
    return { eventTime: this.#eventTimers.size, processingTime: this.#processingTimers.size };
  }

  #fireProcessingTimers(now: number): void {
    this.#wakeUpAt = Number.POSITIVE_INFINITY;
    this.#cancelWakeUp = undefined;
    const queue = this.#processingTimers;
    for (let timer = queue.peek(); timer !== undefined && timer.timestamp <= now; timer = queue.peek()) {
      queue.poll();
      this.#backend.setCurrentKey(timer.key);
      this.#target.onProcessingTime(timer);
    }
    const next = queue.peek();
    if (next !== undefined && next.timestamp < this.#wakeUpAt) this.#armWakeUp(next.timestamp);
  }

  #armWakeUp(time: number): void {
    this.#cancelWakeUp?.();
    this.#wakeUpAt = time;
    this.#cancelWakeUp = this.#time.registerTimer(time, () => {
      this.#fireProcessingTimers(Math.max(time, this.#time.now()));
    });
  }

  #currentKey(): Key {
    const key = this.#backend.getCurrentKey();
    if (key === undefined) {
      throw new WeirError('STATE_ACCESS', `${this.#description}: timers can only be set while a key is current`, {
        hint: 'register timers from processElement() or onTimer() of a KeyedProcessFunction',
      });
    }
    return key;
  }
}

function checkTime(time: number, where: string): number {
  if (typeof time !== 'number' || Number.isNaN(time)) {
    throw new WeirError('INVALID_OPTION', `${where}: a timer time must be a number of epoch milliseconds, got ${String(time)}`);
  }
  return time;
}

/** The TimerService a keyed function sees: its timers, in the namespace of no window. */
export function voidNamespaceTimerService(timers: InternalTimerService<VoidNamespace>): TimerService {
  return {
    currentProcessingTime: () => timers.currentProcessingTime(),
    currentWatermark: () => timers.currentWatermark(),
    registerProcessingTimeTimer: (time) => timers.registerProcessingTimeTimer(VOID_NAMESPACE, time),
    registerEventTimeTimer: (time) => timers.registerEventTimeTimer(VOID_NAMESPACE, time),
    deleteProcessingTimeTimer: (time) => timers.deleteProcessingTimeTimer(VOID_NAMESPACE, time),
    deleteEventTimeTimer: (time) => timers.deleteEventTimeTimer(VOID_NAMESPACE, time),
  };
}
