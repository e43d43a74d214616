/**
 * @module The timer queue of a keyed operator (Flink's `HeapPriorityQueueSet` of
 * `TimerHeapInternalTimer`s): timers by timestamp, each (timestamp, key, namespace) at most once, with
 * its timers indexed per key group for snapshots and rescaling. The per-key-group index is
 * copy-on-write, like the state tables, so a snapshot freezes it in O(key groups) and writes the
 * timers later.
 */
import { WeirError } from '../core/errors.ts';
import { keyGroupOf, normalizeKey } from '../core/key-groups.ts';
import type { Key, KeyGroupRange } from '../core/key-groups.ts';
import { keyGroupOutOfRange } from './internal-key-context.ts';
import type { NormalizedKey } from './internal-key-context.ts';
import { VOID_NAMESPACE, numberId, namespaceId } from './namespace-id.ts';

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
  /**
   * Position in the heap while this timer heads its run (see `HeapTimerQueue`), else -1. The run is a
   * circular list: `next` is the following timer (the head after the last), `prev` the preceding one.
   */
  heapIndex = -1;
  next: TimerHeapInternalTimer<K, N> = this;
  prev: TimerHeapInternalTimer<K, N> = this;

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

/**
 * Timers of one key: the timer itself while the key has one (a window operator's usual case, which
 * then costs no map), else a map by `dedupKey`.
 */
type KeyTimers<K extends Key, N> = TimerHeapInternalTimer<K, N> | Map<number | string, TimerHeapInternalTimer<K, N>>;

/** The timer of `keyTimers` with `dedupKey`. */
function timerOf<K extends Key, N>(keyTimers: KeyTimers<K, N> | undefined, dedupKey: number | string): TimerHeapInternalTimer<K, N> | undefined {
  if (keyTimers === undefined) return undefined;
  if (keyTimers instanceof Map) return keyTimers.get(dedupKey);
  return keyTimers.dedupKey === dedupKey ? keyTimers : undefined;
}

function* timersIn<K extends Key, N>(keyTimers: KeyTimers<K, N>): IterableIterator<TimerHeapInternalTimer<K, N>> {
  if (keyTimers instanceof Map) yield* keyTimers.values();
  else yield keyTimers;
}

/** Timers of one key group, by normalized key; copy-on-write like a `StateMap`. */
class KeyGroupTimers<K extends Key, N> {
  readonly byKey: Map<NormalizedKey, KeyTimers<K, N>>;
  /** How many snapshots hold this index. Above 0 it is frozen: a change replaces it by a `copy()`. */
  snapshotRefs = 0;
  /**
   * Defined while the per-key maps may be shared with a frozen index (this is a shallow copy of one):
   * the keys whose map this copy has since replaced by its own, so each is copied once. A key's single
   * timer is never changed in place, so it needs no copy.
   */
  ownedKeys: Set<NormalizedKey> | undefined = undefined;

  constructor(byKey: Map<NormalizedKey, KeyTimers<K, N>> = new Map()) {
    this.byKey = byKey;
  }

  /** A shallow copy: the per-key maps stay shared until one is changed. */
  copy(): KeyGroupTimers<K, N> {
    const copy = new KeyGroupTimers<K, N>(new Map(this.byKey));
    copy.ownedKeys = new Set();
    return copy;
  }

  /** Adds `node` to the timers of its key (`keyTimers`, undefined when it has none). */
  add(node: TimerHeapInternalTimer<K, N>, keyTimers: KeyTimers<K, N> | undefined): void {
    const key = node.normalizedKey;
    if (keyTimers === undefined) {
      this.byKey.set(key, node);
      return;
    }
    if (keyTimers instanceof Map) {
      this.writable(key, keyTimers).set(node.dedupKey, node);
      return;
    }
    this.byKey.set(key, new Map([[keyTimers.dedupKey, keyTimers], [node.dedupKey, node]]));
    this.ownedKeys?.add(key);
  }

  /** Removes `node` from the timers of its key, if there. */
  remove(node: TimerHeapInternalTimer<K, N>): void {
    const key = node.normalizedKey;
    const keyTimers = this.byKey.get(key);
    if (keyTimers === node) {
      this.byKey.delete(key);
      return;
    }
    if (!(keyTimers instanceof Map) || keyTimers.get(node.dedupKey) !== node) return;
    if (keyTimers.size === 2) {
      // back to the single remaining timer: no map to copy or keep
      for (const other of keyTimers.values()) if (other !== node) this.byKey.set(key, other);
      return;
    }
    this.writable(key, keyTimers).delete(node.dedupKey);
  }

  /** The timers of `normalizedKey`, copied first when they may be shared with a frozen index. */
  private writable(normalizedKey: NormalizedKey, keyTimers: Map<number | string, TimerHeapInternalTimer<K, N>>): Map<number | string, TimerHeapInternalTimer<K, N>> {
    const owned = this.ownedKeys;
    if (owned === undefined || owned.has(normalizedKey)) return keyTimers;
    const copy = new Map(keyTimers);
    this.byKey.set(normalizedKey, copy);
    owned.add(normalizedKey);
    return copy;
  }
}

/** The queue's timers per key group as a snapshot froze them; see `HeapTimerQueue.freeze`. */
export interface FrozenTimers<K extends Key = Key, N = unknown> {
  /** The timers of one key group (`keyGroupIndex` counts from the range start), by timestamp, ties in insertion order. */
  timersOfKeyGroup(keyGroupIndex: number): TimerHeapInternalTimer<K, N>[];
  /** Drops the snapshot's hold on the index; idempotent. */
  release(): void;
}

/**
 * A priority queue of timers ordered by timestamp (ties in insertion order) that holds each
 * (timestamp, key, namespace) once. Keys are compared by `normalizeKey`, namespaces by `namespaceId`,
 * so a timer rebuilt from a snapshot or a window rebuilt per record matches the one registered.
 *
 * Timers added one after another at the same timestamp form a run, and a binary min-heap orders the
 * runs by their first timer: window operators register the timers of many keys at a few window ends,
 * so adding such a timer and polling it are O(1), where a heap of single timers costs O(log timers).
 * A run takes timers only while it is the latest run made, so two runs of one timestamp never
 * interleave and the heap order by first timer is the firing order.
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
  /** Min-heap of the runs' first timers, by timestamp and sequence. */
  private readonly heap: TimerHeapInternalTimer<K, N>[] = [];
  /** The first timer of the latest run, while it is in the heap: a timer of its timestamp joins the run. */
  private latestRun: TimerHeapInternalTimer<K, N> | undefined = undefined;
  private queued = 0;
  /** Indexed by `keyGroup - keyGroupRange.start`, like the state tables. */
  private readonly timersByKeyGroup: (KeyGroupTimers<K, N> | undefined)[];
  private nextSequence = 0;
  /** Snapshots holding parts of the index; at 0 nothing is shared, so copies stop tracking owned keys. */
  private outstandingSnapshots = 0;

  constructor(options: HeapTimerQueueOptions) {
    this.keyGroupRange = options.keyGroupRange;
    this.maxParallelism = options.maxParallelism;
    this.operatorDescription = options.operatorDescription ?? 'a keyed operator';
    this.timersByKeyGroup = new Array<KeyGroupTimers<K, N> | undefined>(this.keyGroupRange.size).fill(undefined);
  }

  get size(): number {
    return this.queued;
  }

  isEmpty(): boolean {
    return this.queued === 0;
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
    this.dequeue(head);
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
    const index = keyGroup - this.keyGroupRange.start;
    let keyGroupTimers = this.timersByKeyGroup[index];
    const keyTimers = keyGroupTimers?.byKey.get(normalizedKey);
    if (timerOf(keyTimers, dedupKey) !== undefined) return false;
    if (keyGroupTimers === undefined) {
      keyGroupTimers = new KeyGroupTimers<K, N>();
      this.timersByKeyGroup[index] = keyGroupTimers;
    } else if (keyGroupTimers.snapshotRefs !== 0) {
      keyGroupTimers = this.copyFrozen(index, keyGroupTimers);
    }
    const node = new TimerHeapInternalTimer(timer, keyGroup, normalizedKey, dedupKey, this.nextSequence++);
    keyGroupTimers.add(node, keyTimers);
    const run = this.latestRun;
    if (run?.timestamp === timestamp) {
      const last = run.prev;
      last.next = node;
      node.prev = last;
      node.next = run;
      run.prev = node;
    } else {
      node.heapIndex = this.heap.length;
      this.heap.push(node);
      this.siftUp(node.heapIndex);
      this.latestRun = node;
    }
    this.queued++;
    return true;
  }

  /** Removes the timer with `timer`'s timestamp, key and namespace; returns whether one was queued. */
  remove(timer: InternalTimer<K, N>): boolean {
    const node = this.find(timer);
    if (node === undefined) return false;
    this.unindex(node);
    this.dequeue(node);
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
    for (const keyTimers of keyGroupTimers.byKey.values()) yield* timersIn(keyTimers);
  }

  /**
   * Freezes the per-key-group index for a snapshot in O(key groups): later adds and removes copy a
   * key group's index before changing it, so the snapshot keeps seeing the timers of this moment.
   */
  freeze(): FrozenTimers<K, N> {
    let frozen: (KeyGroupTimers<K, N> | undefined)[] | undefined = this.timersByKeyGroup.slice();
    for (const keyGroupTimers of frozen) if (keyGroupTimers !== undefined) keyGroupTimers.snapshotRefs++;
    this.outstandingSnapshots++;
    return {
      timersOfKeyGroup: (keyGroupIndex) => {
        if (frozen === undefined) {
          throw new WeirError('INTERNAL', `the timer snapshot of ${this.operatorDescription} was written after it was released`, {
            hint: 'this is a bug: a snapshot must be written before release(); please report it',
          });
        }
        const timers: TimerHeapInternalTimer<K, N>[] = [];
        const keyGroupTimers = frozen[keyGroupIndex];
        if (keyGroupTimers !== undefined) for (const keyTimers of keyGroupTimers.byKey.values()) for (const timer of timersIn(keyTimers)) timers.push(timer);
        return timers.sort((a, b) => (precedes(a, b) ? -1 : 1));
      },
      release: () => {
        if (frozen === undefined) return;
        for (const keyGroupTimers of frozen) if (keyGroupTimers !== undefined) keyGroupTimers.snapshotRefs--;
        frozen = undefined;
        if (--this.outstandingSnapshots > 0) return;
        for (const keyGroupTimers of this.timersByKeyGroup) if (keyGroupTimers !== undefined) keyGroupTimers.ownedKeys = undefined;
      },
    };
  }

  private find(timer: InternalTimer<K, N>): TimerHeapInternalTimer<K, N> | undefined {
    const keyGroup = this.keyGroupOf(timer.key);
    const keyGroupTimers = this.timersByKeyGroup[keyGroup - this.keyGroupRange.start];
    const normalizedKey = identityOf(timer.key);
    return timerOf(keyGroupTimers?.byKey.get(normalizedKey), dedupKeyOf(timer.timestamp, timer.namespace));
  }

  private copyFrozen(index: number, frozen: KeyGroupTimers<K, N>): KeyGroupTimers<K, N> {
    const copy = frozen.copy();
    this.timersByKeyGroup[index] = copy;
    return copy;
  }

  private keyGroupOf(key: Key): number {
    const keyGroup = keyGroupOf(key, this.maxParallelism);
    if (!this.keyGroupRange.contains(keyGroup)) throw keyGroupOutOfRange(key, keyGroup, this.keyGroupRange, this.operatorDescription);
    return keyGroup;
  }

  private unindex(node: TimerHeapInternalTimer<K, N>): void {
    const index = node.keyGroup - this.keyGroupRange.start;
    let keyGroupTimers = this.timersByKeyGroup[index];
    if (keyGroupTimers === undefined || timerOf(keyGroupTimers.byKey.get(node.normalizedKey), node.dedupKey) !== node) return;
    if (keyGroupTimers.snapshotRefs !== 0) keyGroupTimers = this.copyFrozen(index, keyGroupTimers);
    keyGroupTimers.remove(node);
  }

  /**
   * Takes `node` out of its run. The next timer of a run takes its first timer's place in the heap as
   * it is: it precedes every run the first one preceded (a later run of the same timestamp has only
   * later timers).
   */
  private dequeue(node: TimerHeapInternalTimer<K, N>): void {
    this.queued--;
    const next = node.next;
    const index = node.heapIndex;
    node.heapIndex = -1;
    if (next === node) {
      if (this.latestRun === node) this.latestRun = undefined;
      this.removeAt(index);
      return;
    }
    const prev = node.prev;
    prev.next = next;
    next.prev = prev;
    node.next = node;
    node.prev = node;
    if (index < 0) return;
    next.heapIndex = index;
    this.heap[index] = next;
    if (this.latestRun === node) this.latestRun = next;
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const last = heap.pop() as TimerHeapInternalTimer<K, N>;
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

/**
 * The timer's identity within its key: the timestamp alone for the void namespace, else the timestamp
 * and the namespace's id (numbers through `numberId`, whose strings of epoch times are cached).
 */
function dedupKeyOf(timestamp: number, namespace: unknown): number | string {
  if (namespace === VOID_NAMESPACE) return timestamp;
  return `${numberId(timestamp)}@${namespaceId(namespace)}`;
}
