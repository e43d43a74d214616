/**
 * @module The timer queue of a keyed operator (Flink's `HeapPriorityQueueSet` of
 * `TimerHeapInternalTimer`s): a binary min-heap by timestamp that holds each (timestamp, key,
 * namespace) at most once, with its timers indexed per key group for snapshots and rescaling. The
 * per-key-group index is copy-on-write, like the state tables, so a snapshot freezes it in
 * O(key groups) and writes the timers later.
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

/** Timers of one key, by `dedupKey`. */
type KeyTimers<K extends Key, N> = Map<number | string, TimerHeapInternalTimer<K, N>>;

/** Timers of one key group, by normalized key; copy-on-write like a `StateMap`. */
class KeyGroupTimers<K extends Key, N> {
  readonly byKey: Map<NormalizedKey, KeyTimers<K, N>>;
  /** How many snapshots hold this index. Above 0 it is frozen: a change replaces it by a `copy()`. */
  snapshotRefs = 0;
  /**
   * Defined while the per-key maps may be shared with a frozen index (this is a shallow copy of one):
   * the keys whose map this copy has since replaced by its own, so each is copied once.
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

  /** The timers of `normalizedKey`, copied first when they may be shared with a frozen index. */
  writableKeyTimers(normalizedKey: NormalizedKey, keyTimers: KeyTimers<K, N>): KeyTimers<K, N> {
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
  /** Snapshots holding parts of the index; at 0 nothing is shared, so copies stop tracking owned keys. */
  private outstandingSnapshots = 0;

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
    const index = keyGroup - this.keyGroupRange.start;
    let keyGroupTimers = this.timersByKeyGroup[index];
    let keyTimers = keyGroupTimers?.byKey.get(normalizedKey);
    if (keyTimers !== undefined && keyTimers.has(dedupKey)) return false;
    if (keyGroupTimers === undefined) {
      keyGroupTimers = new KeyGroupTimers<K, N>();
      this.timersByKeyGroup[index] = keyGroupTimers;
    } else if (keyGroupTimers.snapshotRefs !== 0) {
      keyGroupTimers = this.copyFrozen(index, keyGroupTimers);
    }
    if (keyTimers === undefined) {
      keyTimers = new Map();
      keyGroupTimers.byKey.set(normalizedKey, keyTimers);
      keyGroupTimers.ownedKeys?.add(normalizedKey);
    } else {
      keyTimers = keyGroupTimers.writableKeyTimers(normalizedKey, keyTimers);
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
    for (const keyTimers of keyGroupTimers.byKey.values()) yield* keyTimers.values();
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
        if (keyGroupTimers !== undefined) for (const keyTimers of keyGroupTimers.byKey.values()) for (const timer of keyTimers.values()) timers.push(timer);
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
    return keyGroupTimers?.byKey.get(normalizedKey)?.get(dedupKeyOf(timer.timestamp, timer.namespace));
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
    if (keyGroupTimers === undefined) return;
    const keyTimers = keyGroupTimers.byKey.get(node.normalizedKey);
    if (keyTimers === undefined || !keyTimers.has(node.dedupKey)) return;
    if (keyGroupTimers.snapshotRefs !== 0) keyGroupTimers = this.copyFrozen(index, keyGroupTimers);
    // the key's last timer: drop its map instead of copying it just to empty it
    if (keyTimers.size === 1) {
      keyGroupTimers.byKey.delete(node.normalizedKey);
      return;
    }
    keyGroupTimers.writableKeyTimers(node.normalizedKey, keyTimers).delete(node.dedupKey);
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
