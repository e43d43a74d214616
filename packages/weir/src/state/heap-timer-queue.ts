/**
 * @module The timer queue of a keyed operator (Flink's `HeapPriorityQueueSet` of
 * `TimerHeapInternalTimer`s): a binary min-heap by timestamp that holds each (timestamp, key,
 * namespace) at most once, with its timers indexed per key group for snapshots and rescaling.
 */
import { WeirError } from '../core/errors.ts';
import { keyGroupOf, normalizeKey } from '../core/key-groups.ts';
import type { Key, KeyGroupRange } from '../core/key-groups.ts';
import { keyGroupOutOfRange } from './internal-key-context.ts';
import type { NormalizedKey } from './internal-key-context.ts';
import { VOID_NAMESPACE_ID, namespaceId } from './namespace-id.ts';

/** A timer for `key` (and `namespace`, e.g. a window) that fires at `timestamp`. */
export interface InternalTimer<K extends Key = Key, N = unknown> {
  readonly timestamp: number;
  readonly key: K;
  readonly namespace: N;
}

/** A timer as the queue holds it: the caller's timer plus its key group and heap bookkeeping. */
export class TimerHeapInternalTimer<K extends Key = Key, N = unknown> implements InternalTimer<K, N> {
  readonly timestamp: number;
  readonly key: K;
  readonly namespace: N;
  /** The key group of `key`; snapshots write timers per key group. */
  readonly keyGroup: number;
  /** The key's identity (see `normalizeKey`), kept so removal need not normalize a tuple again. */
  readonly normalizedKey: NormalizedKey;
  /** The timer's identity within its key: see `HeapTimerQueue.add`. */
  readonly dedupKey: number | string;
  /** Breaks timestamp ties in insertion order, so firing order is deterministic. */
  readonly sequence: number;
  /** Position in the heap array; -1 once removed. */
  heapIndex = -1;

  constructor(timer: InternalTimer<K, N>, keyGroup: number, normalizedKey: NormalizedKey, dedupKey: number | string, sequence: number) {
    this.timestamp = timer.timestamp;
    this.key = timer.key;
    this.namespace = timer.namespace;
    this.keyGroup = keyGroup;
    this.normalizedKey = normalizedKey;
    this.dedupKey = dedupKey;
    this.sequence = sequence;
  }
}

/** What a `HeapTimerQueue` is built from; the same range and `maxParallelism` as the state backend. */
export interface HeapTimerQueueOptions {
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  /** Where the queue lives, for error messages, e.g. `operator 'count' (uid count) subtask 1/2`. */
  readonly operatorDescription?: string;
}

/** Timers of one key group: by normalized key, then by `dedupKey`. */
type KeyGroupTimers<K extends Key, N> = Map<NormalizedKey, Map<number | string, TimerHeapInternalTimer<K, N>>>;

/**
 * A priority queue of timers ordered by timestamp (ties in insertion order) that holds each
 * (timestamp, key, namespace) once. Keys are compared by `normalizeKey`, namespaces by `namespaceId`,
 * so a timer rebuilt from a snapshot or a window rebuilt per record matches the one registered.
 *
 * @example
 * const timers = new HeapTimerQueue({ keyGroupRange, maxParallelism });
 * timers.add({ timestamp: 1000, key: 'app1', namespace: VOID_NAMESPACE });
 * while (!timers.isEmpty() && timers.peek()!.timestamp <= watermark) fire(timers.poll()!);
 */
export class HeapTimerQueue<K extends Key = Key, N = unknown> {
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  private readonly operatorDescription: string;
  private readonly heap: TimerHeapInternalTimer<K, N>[] = [];
  /** Indexed by `keyGroup - keyGroupRange.start`, like the state tables. */
  private readonly timersByKeyGroup: (KeyGroupTimers<K, N> | undefined)[];
  private nextSequence = 0;

  constructor(options: HeapTimerQueueOptions) {
    this.keyGroupRange = options.keyGroupRange;
    this.maxParallelism = options.maxParallelism;
    this.operatorDescription = options.operatorDescription ?? 'a keyed operator';
    this.timersByKeyGroup = new Array<KeyGroupTimers<K, N> | undefined>(this.keyGroupRange.size).fill(undefined);
  }

  get size(): number {
    return this.heap.length;
  }

  isEmpty(): boolean {
    return this.heap.length === 0;
  }

  /** The timer with the smallest timestamp, without removing it. */
  peek(): TimerHeapInternalTimer<K, N> | undefined {
    return this.heap[0];
  }

  /** Removes and returns the timer with the smallest timestamp. */
  poll(): TimerHeapInternalTimer<K, N> | undefined {
    const head = this.heap[0];
    if (head === undefined) return undefined;
    this.unindex(head);
    this.removeAt(0);
    return head;
  }

  /**
   * Adds `timer` unless a timer with the same timestamp, key and namespace is queued; returns whether
   * it was added. The void namespace's dedup key is the timestamp itself, so the common case
   * (timers per key, no window) builds no string.
   */
  add(timer: InternalTimer<K, N>): boolean {
    const timestamp = timer.timestamp;
    if (typeof timestamp !== 'number' || Number.isNaN(timestamp)) {
      throw new WeirError('STATE_ACCESS', `timer timestamp must be a number, got ${String(timestamp)} in ${this.operatorDescription}`, {
        hint: 'register timers at a numeric time in milliseconds',
      });
    }
    const keyGroup = this.keyGroupOf(timer.key);
    const normalizedKey = identityOf(timer.key);
    const dedupKey = dedupKeyOf(timestamp, timer.namespace);
    const keyGroupTimers = (this.timersByKeyGroup[keyGroup - this.keyGroupRange.start] ??= new Map() as KeyGroupTimers<K, N>);
    let keyTimers = keyGroupTimers.get(normalizedKey);
    if (keyTimers === undefined) {
      keyTimers = new Map();
      keyGroupTimers.set(normalizedKey, keyTimers);
    } else if (keyTimers.has(dedupKey)) {
      return false;
    }
    const node = new TimerHeapInternalTimer(timer, keyGroup, normalizedKey, dedupKey, this.nextSequence++);
    keyTimers.set(dedupKey, node);
    node.heapIndex = this.heap.length;
    this.heap.push(node);
    this.siftUp(node.heapIndex);
    return true;
  }

  /** Removes the timer with `timer`'s timestamp, key and namespace; returns whether one was queued. */
  remove(timer: InternalTimer<K, N>): boolean {
    const node = this.find(timer);
    if (node === undefined) return false;
    this.unindex(node);
    this.removeAt(node.heapIndex);
    return true;
  }

  /** True when a timer with `timer`'s timestamp, key and namespace is queued. */
  contains(timer: InternalTimer<K, N>): boolean {
    return this.find(timer) !== undefined;
  }

  /** The queued timers of one key group, in no particular order (snapshots write them per group). */
  *getSubsetForKeyGroup(keyGroup: number): IterableIterator<TimerHeapInternalTimer<K, N>> {
    if (!this.keyGroupRange.contains(keyGroup)) return;
    const keyGroupTimers = this.timersByKeyGroup[keyGroup - this.keyGroupRange.start];
    if (keyGroupTimers === undefined) return;
    for (const keyTimers of keyGroupTimers.values()) yield* keyTimers.values();
  }

  private find(timer: InternalTimer<K, N>): TimerHeapInternalTimer<K, N> | undefined {
    const keyGroup = this.keyGroupOf(timer.key);
    const keyGroupTimers = this.timersByKeyGroup[keyGroup - this.keyGroupRange.start];
    const normalizedKey = identityOf(timer.key);
    return keyGroupTimers?.get(normalizedKey)?.get(dedupKeyOf(timer.timestamp, timer.namespace));
  }

  private keyGroupOf(key: Key): number {
    const keyGroup = keyGroupOf(key, this.maxParallelism);
    if (!this.keyGroupRange.contains(keyGroup)) throw keyGroupOutOfRange(key, keyGroup, this.keyGroupRange, this.operatorDescription);
    return keyGroup;
  }

  private unindex(node: TimerHeapInternalTimer<K, N>): void {
    const keyGroupTimers = this.timersByKeyGroup[node.keyGroup - this.keyGroupRange.start];
    if (keyGroupTimers === undefined) return;
    const keyTimers = keyGroupTimers.get(node.normalizedKey);
    if (keyTimers === undefined) return;
    keyTimers.delete(node.dedupKey);
    if (keyTimers.size === 0) keyGroupTimers.delete(node.normalizedKey);
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index] as TimerHeapInternalTimer<K, N>;
    const last = heap.pop() as TimerHeapInternalTimer<K, N>;
    removed.heapIndex = -1;
    if (index === heap.length) return;
    heap[index] = last;
    last.heapIndex = index;
    // the moved element may belong above or below its new place
    if (index > 0 && precedes(last, heap[(index - 1) >> 1] as TimerHeapInternalTimer<K, N>)) this.siftUp(index);
    else this.siftDown(index);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const node = heap[index] as TimerHeapInternalTimer<K, N>;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as TimerHeapInternalTimer<K, N>;
      if (!precedes(node, parent)) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = node;
    node.heapIndex = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const length = heap.length;
    const node = heap[index] as TimerHeapInternalTimer<K, N>;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = heap[left] as TimerHeapInternalTimer<K, N>;
      let childIndex = left;
      if (right < length && precedes(heap[right] as TimerHeapInternalTimer<K, N>, child)) {
        child = heap[right] as TimerHeapInternalTimer<K, N>;
        childIndex = right;
      }
      if (!precedes(child, node)) break;
      heap[index] = child;
      child.heapIndex = index;
      index = childIndex;
    }
    heap[index] = node;
    node.heapIndex = index;
  }
}

function identityOf(key: Key): NormalizedKey {
  return typeof key === 'object' ? normalizeKey(key) : key;
}

function precedes(a: TimerHeapInternalTimer<Key, unknown>, b: TimerHeapInternalTimer<Key, unknown>): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.sequence < b.sequence);
}

/** The timer's identity within its key: the timestamp alone for the void namespace. */
function dedupKeyOf(timestamp: number, namespace: unknown): number | string {
  const id = namespaceId(namespace);
  return id === VOID_NAMESPACE_ID ? timestamp : `${timestamp}@${id}`;
}
