/**
 * @module Tests of keyed snapshots and restore: copy-on-write keeps a snapshot's view while writes go
 * on, restores at other parallelisms give back exactly the reference state per key, damaged bytes and
 * type changes fail clearly, and the synchronous phase stays short with a million keys.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { CheckpointId } from '../core/ids.ts';
import { KeyGroupRange, keyGroupOf, keyGroupRangeForSubtask } from '../core/key-groups.ts';
import type { Key } from '../core/key-groups.ts';
import { DataInput } from '../types/data-input.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { Types } from '../types/types.ts';
import type { AggregateFunction } from './aggregate-function.ts';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import { HeapTimerQueue } from './heap-timer-queue.ts';
import { keySerializer } from './key-serializer.ts';
import { KeyedStateSnapshotReader, snapshotPieces } from './keyed-state-snapshot.ts';
import { SnapshotPiecePool } from './snapshot-piece-pool.ts';
import { VOID_NAMESPACE, namespaceId, readNamespace } from './namespace-id.ts';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './state-descriptors.ts';

const MAX_PARALLELISM = 128;
const FULL_RANGE = new KeyGroupRange(0, MAX_PARALLELISM - 1);
const OPERATOR = "operator 'count' (uid count)";

/** Deterministic random numbers (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)] as T;
}

/** A reference identity for keys: tuples by content, primitives by type and value. */
function refId(key: Key): string {
  return typeof key === 'object' ? `tuple:${JSON.stringify(key.map((part) => (typeof part === 'bigint' ? `${part}n` : part)))}` : `${typeof key}:${String(key)}`;
}

/** Keys of every shape. */
const KEYS: Key[] = Array.from({ length: 400 }, (_, i) => [`user-${i}`, i * 3 + 0.5, ['tuple', i, i % 2 === 0], BigInt(i) * 1000n][i % 4] as Key);
const WINDOWS = [0, 1, 2, 3].map((w) => ({ start: w * 10, end: w * 10 + 10 }));

interface Average {
  sum: number;
  count: number;
}

/** Mutates its accumulator in place, the case copy-on-write must protect snapshots from. */
const averageFunction: AggregateFunction<number, Average, number> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (value, acc) => {
    acc.sum += value;
    acc.count += 1;
    return acc;
  },
  getResult: (acc) => acc.sum / acc.count,
  merge: (a, b) => {
    a.sum += b.sum;
    a.count += b.count;
    return a;
  },
};

const descriptors = {
  count: new ValueStateDescriptor('count', Types.number),
  events: new ListStateDescriptor('events', Types.string),
  tags: new MapStateDescriptor('tags', Types.string, Types.int),
  sum: new ReducingStateDescriptor<number>('sum', (a, b) => a + b, Types.number),
  average: new AggregatingStateDescriptor('average', averageFunction, Types.object({ sum: Types.number, count: Types.number })),
  // no serializer: Types.generic() is used
  window: new ListStateDescriptor<number>('window-contents'),
  windowSum: new ReducingStateDescriptor<number>('window-sum', (a, b) => a + b, Types.number),
  windowAverage: new AggregatingStateDescriptor('window-average', averageFunction, Types.object({ sum: Types.number, count: Types.number })),
  windowLast: new ValueStateDescriptor('window-last', Types.string),
  windowTags: new MapStateDescriptor('window-tags', Types.string, Types.int),
};

/** Everything written, in plain Maps keyed by `refId`, with the keys themselves to read back. */
interface Reference {
  keys: Map<string, Key>;
  count: Map<string, number>;
  events: Map<string, string[]>;
  tags: Map<string, Map<string, number>>;
  sum: Map<string, number>;
  average: Map<string, Average>;
  /** By key, then window id. */
  window: Map<string, Map<string, number[]>>;
  /** The other per-window states, by `refId|namespaceId`. */
  windowSum: Map<string, number>;
  windowAverage: Map<string, Average>;
  windowLast: Map<string, string>;
  windowTags: Map<string, Map<string, number>>;
  /** `timestamp|refId|namespaceId` */
  timers: Set<string>;
}

function emptyReference(): Reference {
  return {
    keys: new Map(),
    count: new Map(),
    events: new Map(),
    tags: new Map(),
    sum: new Map(),
    average: new Map(),
    window: new Map(),
    windowSum: new Map(),
    windowAverage: new Map(),
    windowLast: new Map(),
    windowTags: new Map(),
    timers: new Set(),
  };
}

function cloneReference(reference: Reference): Reference {
  return {
    keys: new Map(reference.keys),
    count: new Map(reference.count),
    events: new Map(Array.from(reference.events, ([id, list]) => [id, [...list]])),
    tags: new Map(Array.from(reference.tags, ([id, map]) => [id, new Map(map)])),
    sum: new Map(reference.sum),
    average: new Map(Array.from(reference.average, ([id, acc]) => [id, { ...acc }])),
    window: new Map(Array.from(reference.window, ([id, windows]) => [id, new Map(Array.from(windows, ([w, list]) => [w, [...list]]))])),
    windowSum: new Map(reference.windowSum),
    windowAverage: new Map(Array.from(reference.windowAverage, ([id, acc]) => [id, { ...acc }])),
    windowLast: new Map(reference.windowLast),
    windowTags: new Map(Array.from(reference.windowTags, ([id, map]) => [id, new Map(map)])),
    timers: new Set(reference.timers),
  };
}

/** An operator subtask under test: its backend, its state objects and its registered timer queue. */
class Subtask {
  readonly backend: HeapKeyedStateBackend;
  readonly timers: HeapTimerQueue;
  readonly range: KeyGroupRange;

  constructor(range: KeyGroupRange, blobs?: readonly Uint8Array[]) {
    this.range = range;
    this.backend = new HeapKeyedStateBackend({ keyGroupRange: range, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    if (blobs !== undefined) this.backend.restore(blobs);
    this.timers = new HeapTimerQueue({ keyGroupRange: range, maxParallelism: MAX_PARALLELISM });
    this.backend.registerTimerQueue('timers', this.timers);
  }

  owns(key: Key): boolean {
    return this.range.contains(keyGroupOf(key, MAX_PARALLELISM));
  }

  /** One random write of any kind to `key`, applied to the backend and to `reference` alike. */
  randomWrite(key: Key, reference: Reference, next: () => number, step: number): void {
    const { backend } = this;
    const id = refId(key);
    reference.keys.set(id, key);
    backend.setCurrentKey(key);
    const op = Math.floor(next() * 22);
    switch (op) {
      case 0:
      case 1: {
        backend.getState(descriptors.count).update(step);
        reference.count.set(id, step);
        break;
      }
      case 2:
        backend.getState(descriptors.count).clear();
        reference.count.delete(id);
        break;
      case 3:
      case 4: {
        backend.getState(descriptors.events).add(`e${step}`);
        reference.events.set(id, [...(reference.events.get(id) ?? []), `e${step}`]);
        break;
      }
      case 5: {
        const elements = [`u${step}`, `v${step}`];
        backend.getState(descriptors.events).update(elements);
        reference.events.set(id, elements);
        break;
      }
      case 6:
      case 7: {
        const tag = `t${Math.floor(next() * 5)}`;
        backend.getState(descriptors.tags).put(tag, step);
        reference.tags.set(id, new Map(reference.tags.get(id) ?? []).set(tag, step));
        break;
      }
      case 8: {
        const tag = `t${Math.floor(next() * 5)}`;
        backend.getState(descriptors.tags).remove(tag);
        const map = new Map(reference.tags.get(id) ?? []);
        map.delete(tag);
        if (map.size === 0) reference.tags.delete(id);
        else reference.tags.set(id, map);
        break;
      }
      case 9: {
        backend.getState(descriptors.sum).add(step);
        reference.sum.set(id, (reference.sum.get(id) ?? 0) + step);
        break;
      }
      case 10: {
        backend.getState(descriptors.average).add(step);
        const acc = reference.average.get(id) ?? { sum: 0, count: 0 };
        reference.average.set(id, { sum: acc.sum + step, count: acc.count + 1 });
        break;
      }
      case 11: {
        const window = pick(WINDOWS, next);
        backend.getPartitionedState(descriptors.window, window).add(step);
        const windows = new Map(reference.window.get(id) ?? []);
        windows.set(namespaceId(window), [...(windows.get(namespaceId(window)) ?? []), step]);
        reference.window.set(id, windows);
        break;
      }
      case 12: {
        const window = pick(WINDOWS, next);
        backend.getPartitionedState(descriptors.window, window).clear();
        const windows = new Map(reference.window.get(id) ?? []);
        windows.delete(namespaceId(window));
        if (windows.size === 0) reference.window.delete(id);
        else reference.window.set(id, windows);
        break;
      }
      case 13: {
        // merge windows 1 and 2 into window 0, as merging window assigners do
        const [target, ...sources] = [WINDOWS[0], WINDOWS[1], WINDOWS[2]];
        backend.getPartitionedState(descriptors.window, target).mergeNamespaces(target, sources);
        const windows = new Map(reference.window.get(id) ?? []);
        const merged = sources.flatMap((source) => windows.get(namespaceId(source)) ?? []);
        for (const source of sources) windows.delete(namespaceId(source));
        if (merged.length > 0) windows.set(namespaceId(target), [...(windows.get(namespaceId(target)) ?? []), ...merged]);
        if (windows.size === 0) reference.window.delete(id);
        else reference.window.set(id, windows);
        break;
      }
      case 14: {
        const namespace = next() < 0.5 ? VOID_NAMESPACE : pick(WINDOWS, next);
        const timestamp = Math.floor(next() * 50);
        this.timers.add({ timestamp, key, namespace });
        reference.timers.add(`${timestamp}|${id}|${namespaceId(namespace)}`);
        break;
      }
      case 15: {
        // firing the earliest timer, as advancing the watermark does
        const timer = this.timers.poll();
        if (timer !== undefined) reference.timers.delete(`${timer.timestamp}|${refId(timer.key)}|${namespaceId(timer.namespace)}`);
        break;
      }
      case 16: {
        const timer = Array.from(reference.timers).find((entry) => entry.split('|')[1] === id);
        if (timer === undefined) break;
        const [timestamp, , ns] = timer.split('|') as [string, string, string];
        const namespace = ns === '' ? VOID_NAMESPACE : WINDOWS.find((window) => namespaceId(window) === ns);
        assert.ok(this.timers.remove({ timestamp: Number(timestamp), key, namespace }));
        reference.timers.delete(timer);
        break;
      }
      case 17: {
        const window = pick(WINDOWS, next);
        backend.getPartitionedState(descriptors.windowSum, window).add(step);
        const at = `${id}|${namespaceId(window)}`;
        reference.windowSum.set(at, (reference.windowSum.get(at) ?? 0) + step);
        break;
      }
      case 18: {
        const window = pick(WINDOWS, next);
        backend.getPartitionedState(descriptors.windowAverage, window).add(step);
        const at = `${id}|${namespaceId(window)}`;
        const acc = reference.windowAverage.get(at) ?? { sum: 0, count: 0 };
        reference.windowAverage.set(at, { sum: acc.sum + step, count: acc.count + 1 });
        break;
      }
      case 19: {
        // merging reducing and aggregating windows: the aggregate's merge mutates its accumulator in place
        const [target, ...sources] = [WINDOWS[1], WINDOWS[2], WINDOWS[3]];
        backend.getPartitionedState(descriptors.windowSum, target).mergeNamespaces(target, sources);
        backend.getPartitionedState(descriptors.windowAverage, target).mergeNamespaces(target, sources);
        const sums = [target, ...sources].map((window) => reference.windowSum.get(`${id}|${namespaceId(window)}`));
        const accs = [target, ...sources].map((window) => reference.windowAverage.get(`${id}|${namespaceId(window)}`));
        for (const window of sources) {
          reference.windowSum.delete(`${id}|${namespaceId(window)}`);
          reference.windowAverage.delete(`${id}|${namespaceId(window)}`);
        }
        const defined = <T>(values: (T | undefined)[]): T[] => values.filter((value): value is T => value !== undefined);
        if (defined(sums).length > 0) reference.windowSum.set(`${id}|${namespaceId(target)}`, defined(sums).reduce((a, b) => a + b, 0));
        const merged = defined(accs);
        if (merged.length > 0) reference.windowAverage.set(`${id}|${namespaceId(target)}`, { sum: merged.reduce((a, b) => a + b.sum, 0), count: merged.reduce((a, b) => a + b.count, 0) });
        break;
      }
      case 20: {
        const window = pick(WINDOWS, next);
        const at = `${id}|${namespaceId(window)}`;
        const state = backend.getPartitionedState(descriptors.windowLast, window);
        if (next() < 0.3) {
          state.clear();
          reference.windowLast.delete(at);
        } else {
          state.update(`s${step}`);
          reference.windowLast.set(at, `s${step}`);
        }
        break;
      }
      default: {
        const window = pick(WINDOWS, next);
        const at = `${id}|${namespaceId(window)}`;
        const state = backend.getPartitionedState(descriptors.windowTags, window);
        const tag = `t${Math.floor(next() * 3)}`;
        const map = new Map(reference.windowTags.get(at) ?? []);
        if (next() < 0.4) {
          state.remove(tag);
          map.delete(tag);
        } else {
          state.put(tag, step);
          map.set(tag, step);
        }
        if (map.size === 0) reference.windowTags.delete(at);
        else reference.windowTags.set(at, map);
      }
    }
  }

  /** Asserts that every state holds exactly `reference`'s entries for the keys this subtask owns. */
  assertHolds(reference: Reference): void {
    const { backend } = this;
    const owned = (map: Map<string, unknown>): number => Array.from(map.keys()).filter((id) => this.owns(reference.keys.get(id) as Key)).length;
    for (const [id, key] of reference.keys) {
      if (!this.owns(key)) continue;
      backend.setCurrentKey(key);
      assert.equal(backend.getState(descriptors.count).value(), reference.count.get(id), `count of ${id}`);
      assert.deepEqual([...backend.getState(descriptors.events).get()], reference.events.get(id) ?? [], `events of ${id}`);
      assert.deepEqual(new Map(backend.getState(descriptors.tags).entries()), reference.tags.get(id) ?? new Map(), `tags of ${id}`);
      assert.equal(backend.getState(descriptors.sum).get(), reference.sum.get(id), `sum of ${id}`);
      const average = reference.average.get(id);
      assert.equal(backend.getState(descriptors.average).get(), average === undefined ? undefined : average.sum / average.count, `average of ${id}`);
      for (const window of WINDOWS) {
        const expected = reference.window.get(id)?.get(namespaceId(window)) ?? [];
        assert.deepEqual([...backend.getPartitionedState(descriptors.window, window).get()], expected, `window ${namespaceId(window)} of ${id}`);
        const at = `${id}|${namespaceId(window)}`;
        assert.equal(backend.getPartitionedState(descriptors.windowSum, window).get(), reference.windowSum.get(at), `window sum ${at}`);
        const windowAverage = reference.windowAverage.get(at);
        assert.equal(backend.getPartitionedState(descriptors.windowAverage, window).get(), windowAverage === undefined ? undefined : windowAverage.sum / windowAverage.count, `window average ${at}`);
        assert.equal(backend.getPartitionedState(descriptors.windowLast, window).value(), reference.windowLast.get(at), `window last ${at}`);
        assert.deepEqual(new Map(backend.getPartitionedState(descriptors.windowTags, window).entries()), reference.windowTags.get(at) ?? new Map(), `window tags ${at}`);
      }
    }
    assert.equal(backend.numKeys('count'), owned(reference.count));
    assert.equal(backend.numKeys('events'), owned(reference.events));
    assert.equal(backend.numKeys('tags'), owned(reference.tags));
    assert.equal(backend.numKeys('sum'), owned(reference.sum));
    assert.equal(backend.numKeys('average'), owned(reference.average));
    assert.equal(backend.numKeys('window-contents'), owned(reference.window));
    // per-window states: a key counts once whatever its number of windows
    const ownedPerWindow = (map: Map<string, unknown>): number => new Set(Array.from(map.keys(), (at) => at.split('|')[0] as string).filter((id) => this.owns(reference.keys.get(id) as Key))).size;
    for (const [name, map] of [['window-sum', reference.windowSum], ['window-average', reference.windowAverage], ['window-last', reference.windowLast], ['window-tags', reference.windowTags]] as const) {
      assert.equal(backend.numKeys(name), ownedPerWindow(map), `keys of ${name}`);
    }
    const expectedTimers = Array.from(reference.timers).filter((timer) => this.owns(reference.keys.get(timer.split('|')[1] as string) as Key));
    assert.deepEqual(this.timerEntries().sort(), expectedTimers.sort(), 'timers');
  }

  /** The queued timers as reference entries, without changing the queue. */
  timerEntries(): string[] {
    const entries: string[] = [];
    for (let keyGroup = this.range.start; keyGroup <= this.range.end; keyGroup++) {
      for (const timer of this.timers.getSubsetForKeyGroup(keyGroup)) entries.push(`${timer.timestamp}|${refId(timer.key)}|${namespaceId(timer.namespace)}`);
    }
    return entries;
  }
}

function writeRandomly(subtasks: readonly Subtask[], reference: Reference, seed: number, operations: number): void {
  const next = random(seed);
  for (let step = 0; step < operations; step++) {
    const key = pick(KEYS, next);
    const subtask = subtasks.find((candidate) => candidate.owns(key)) as Subtask;
    subtask.randomWrite(key, reference, next, step);
  }
}

function expectError(fn: () => unknown, code: string, ...fragments: string[]): WeirError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof WeirError, `expected a WeirError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const fragment of fragments) assert.ok(caught.message.includes(fragment), `'${caught.message}' should mention '${fragment}'`);
  return caught;
}

describe('copy-on-write snapshots', () => {
  test('a snapshot still restores exactly the frozen view after values, lists, maps, windows and timers keep changing', () => {
    const subtask = new Subtask(FULL_RANGE);
    const reference = emptyReference();
    writeRandomly([subtask], reference, 1, 6000);
    const snapshot = subtask.backend.snapshot(CheckpointId(1));
    const frozen = cloneReference(reference);
    writeRandomly([subtask], reference, 2, 6000);

    const bytes = snapshot.write();
    snapshot.release();
    new Subtask(FULL_RANGE, [bytes]).assertHolds(frozen);
    // and the live state followed every write, through the copies
    subtask.assertHolds(reference);
  });

  test('writes after release change the live state in place and a new snapshot sees them', () => {
    const subtask = new Subtask(FULL_RANGE);
    const reference = emptyReference();
    writeRandomly([subtask], reference, 3, 3000);
    const first = subtask.backend.snapshot(CheckpointId(1));
    writeRandomly([subtask], reference, 4, 1000);
    first.release();
    writeRandomly([subtask], reference, 5, 3000);
    const second = subtask.backend.snapshot(CheckpointId(2));
    const expected = cloneReference(reference);
    writeRandomly([subtask], reference, 6, 3000);
    new Subtask(FULL_RANGE, [second.write()]).assertHolds(expected);
    subtask.assertHolds(reference);
  });

  test('two outstanding snapshots each restore their own moment', () => {
    const subtask = new Subtask(FULL_RANGE);
    const reference = emptyReference();
    writeRandomly([subtask], reference, 7, 3000);
    const first = subtask.backend.snapshot(CheckpointId(1));
    const atFirst = cloneReference(reference);
    writeRandomly([subtask], reference, 8, 3000);
    const second = subtask.backend.snapshot(CheckpointId(2));
    const atSecond = cloneReference(reference);
    writeRandomly([subtask], reference, 9, 3000);

    new Subtask(FULL_RANGE, [first.write()]).assertHolds(atFirst);
    first.release();
    writeRandomly([subtask], reference, 10, 3000);
    new Subtask(FULL_RANGE, [second.write()]).assertHolds(atSecond);
    second.release();
    subtask.assertHolds(reference);
  });

  test('a snapshot written twice gives the same bytes, and writing after release is refused', () => {
    const subtask = new Subtask(FULL_RANGE);
    writeRandomly([subtask], emptyReference(), 11, 500);
    const snapshot = subtask.backend.snapshot(CheckpointId(4));
    assert.deepEqual(snapshot.write(), snapshot.write());
    snapshot.release();
    snapshot.release();
    expectError(() => snapshot.write(), 'INTERNAL', 'after release');
  });

  test('tuple keys come back as the tuples the operator used', () => {
    const subtask = new Subtask(FULL_RANGE);
    const key: Key = ['app', 7, true, 9n];
    subtask.backend.setCurrentKey(key);
    subtask.backend.getState(descriptors.count).update(1);
    const restored = new Subtask(FULL_RANGE, [subtask.backend.snapshot(CheckpointId(1)).write()]);
    assert.deepEqual(Array.from(restored.backend.getKeys('count')), [key]);
  });
});

describe('restore at another parallelism', () => {
  test('rescaling 2 -> 3 -> 1 gives every subtask exactly the reference state of the keys it owns', () => {
    const ranges = (parallelism: number): KeyGroupRange[] => Array.from({ length: parallelism }, (_, i) => keyGroupRangeForSubtask(MAX_PARALLELISM, parallelism, i));
    const reference = emptyReference();
    const two = ranges(2).map((range) => new Subtask(range));
    writeRandomly(two, reference, 12, 8000);
    const blobsOfTwo = two.map((subtask) => subtask.backend.snapshot(CheckpointId(1)).write());

    const three = ranges(3).map((range) => new Subtask(range, blobsOfTwo));
    for (const subtask of three) subtask.assertHolds(reference);
    writeRandomly(three, reference, 13, 8000);
    const blobsOfThree = three.map((subtask) => subtask.backend.snapshot(CheckpointId(2)).write());

    const [one] = ranges(1).map((range) => new Subtask(range, blobsOfThree));
    (one as Subtask).assertHolds(reference);
  });

  test('a restored state nobody requested before the next checkpoint is carried into it', () => {
    const subtask = new Subtask(FULL_RANGE);
    const reference = emptyReference();
    writeRandomly([subtask], reference, 14, 2000);
    const restored = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    restored.restore([subtask.backend.snapshot(CheckpointId(1)).write()]);
    // no state requested, no timer queue registered: the next checkpoint must still hold them all
    const again = new Subtask(FULL_RANGE, [restored.snapshot(CheckpointId(2)).write()]);
    again.assertHolds(reference);
  });

  test('state registered before the restore is filled by it', () => {
    const subtask = new Subtask(FULL_RANGE);
    const reference = emptyReference();
    writeRandomly([subtask], reference, 15, 2000);
    const bytes = subtask.backend.snapshot(CheckpointId(1)).write();
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    const count = backend.getState(descriptors.count);
    backend.restore([bytes]);
    for (const [id, value] of reference.count) {
      backend.setCurrentKey(reference.keys.get(id) as Key);
      assert.equal(count.value(), value);
    }
  });

  test('a restore after state was written, a second restore, or another maxParallelism fail clearly', () => {
    const subtask = new Subtask(FULL_RANGE);
    writeRandomly([subtask], emptyReference(), 16, 200);
    const bytes = subtask.backend.snapshot(CheckpointId(1)).write();
    expectError(() => subtask.backend.restore([bytes]), 'RESTORE_FAILED', OPERATOR, 'written before the restore');
    const fresh = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    fresh.restore([bytes]);
    expectError(() => fresh.restore([bytes]), 'RESTORE_FAILED', 'restored twice');
    const wider = new HeapKeyedStateBackend({ keyGroupRange: new KeyGroupRange(0, 255), maxParallelism: 256, operatorDescription: OPERATOR });
    expectError(() => wider.restore([bytes]), 'RESTORE_FAILED', 'maxParallelism 128', '256');
  });
});

describe('damaged snapshots', () => {
  const subtask = new Subtask(FULL_RANGE);
  writeRandomly([subtask], emptyReference(), 17, 2000);
  const bytes = subtask.backend.snapshot(CheckpointId(1)).write();
  const restoreFrom = (blob: Uint8Array): void => new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR }).restore([blob]);

  test('a truncated snapshot fails with CHECKPOINT_CORRUPT naming the operator', () => {
    for (const length of [0, 3, 20, bytes.length >> 1, bytes.length - 1]) {
      expectError(() => restoreFrom(bytes.subarray(0, length)), 'CHECKPOINT_CORRUPT', OPERATOR, 'snapshot 1 of 1');
    }
  });

  test('bytes that are not a keyed snapshot, or of an unknown format version, fail clearly', () => {
    expectError(() => restoreFrom(new TextEncoder().encode('definitely not a snapshot')), 'CHECKPOINT_CORRUPT', 'header');
    const newer = bytes.slice();
    newer[4] = 99;
    expectError(() => restoreFrom(newer), 'CHECKPOINT_CORRUPT', 'format version 99');
  });

  test('damaged entries fail with CHECKPOINT_CORRUPT naming the key group', () => {
    // scribble over the data section (the last bytes): each variant must fail, never restore garbage silently
    let failures = 0;
    for (let offset = 1; offset <= 64; offset++) {
      const damaged = bytes.slice();
      damaged.fill(0xff, damaged.length - offset * 16, damaged.length - offset * 16 + 8);
      try {
        restoreFrom(damaged);
      } catch (error) {
        assert.ok(error instanceof WeirError && error.code === 'CHECKPOINT_CORRUPT', String(error));
        assert.match(error.message, /key group \d+/);
        failures++;
      }
    }
    assert.equal(failures, 64);
  });
});

describe('schema evolution on restore', () => {
  const Profile = Types.object({ name: Types.string, age: Types.number });
  const snapshotWith = <T>(descriptor: ValueStateDescriptor<T>, values: readonly T[]): { bytes: Uint8Array; keys: Key[] } => {
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    const state = backend.getState(descriptor);
    const keys = values.map((_, i) => `user-${i}`);
    values.forEach((value, i) => {
      backend.setCurrentKey(keys[i] as Key);
      state.update(value);
    });
    return { bytes: backend.snapshot(CheckpointId(1)).write(), keys };
  };
  const profiles = Array.from({ length: 50 }, (_, i) => ({ name: `n${i}`, age: i }));

  test('a compatible change (a field removed, an optional field added) migrates every value', () => {
    const { bytes, keys } = snapshotWith(new ValueStateDescriptor('profile', Profile), profiles);
    const Evolved = Types.object({ name: Types.string, email: Types.optional(Types.string) });
    for (const registerFirst of [true, false]) {
      const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
      if (registerFirst) backend.getState(new ValueStateDescriptor('profile', Evolved));
      backend.restore([bytes]);
      const state = backend.getState(new ValueStateDescriptor('profile', Evolved));
      profiles.forEach((profile, i) => {
        backend.setCurrentKey(keys[i] as Key);
        assert.deepEqual(state.value(), { name: profile.name, email: undefined });
      });
    }
  });

  test('a migration after a snapshot leaves the values that snapshot holds as they were stored', () => {
    const { bytes, keys } = snapshotWith(new ValueStateDescriptor('profile', Profile), profiles);
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    backend.restore([bytes]);
    const snapshot = backend.snapshot(CheckpointId(2));
    backend.getState(new ValueStateDescriptor('profile', Types.object({ name: Types.string })));
    const again = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    again.restore([snapshot.write()]);
    const state = again.getState(new ValueStateDescriptor('profile', Profile));
    profiles.forEach((profile, i) => {
      again.setCurrentKey(keys[i] as Key);
      assert.deepEqual(state.value(), profile);
    });
  });

  test('list elements migrate too', () => {
    const Old = Types.object({ id: Types.int, note: Types.string });
    const New = Types.object({ id: Types.number });
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    const list = backend.getState(new ListStateDescriptor('items', Old));
    backend.setCurrentKey('k');
    list.add({ id: 1, note: 'a' });
    list.add({ id: 2, note: 'b' });
    const restored = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    restored.restore([backend.snapshot(CheckpointId(1)).write()]);
    restored.setCurrentKey('k');
    assert.deepEqual([...restored.getState(new ListStateDescriptor('items', New)).get()], [{ id: 1 }, { id: 2 }]);
  });

  test('an incompatible change (string -> number) fails naming the state, the operator and the change', () => {
    const { bytes } = snapshotWith(new ValueStateDescriptor('city', Types.string), ['Oslo', 'Lima']);
    for (const registerFirst of [true, false]) {
      const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
      const request = (): unknown => backend.getState(new ValueStateDescriptor('city', Types.number));
      if (registerFirst) request();
      const error = expectError(
        () => {
          backend.restore([bytes]);
          request();
        },
        'RESTORE_FAILED',
        "state 'city'",
        OPERATOR,
        'changed from string to number',
      );
      assert.ok(error.hint !== undefined && error.hint.length > 0);
    }
  });

  test('a required field added gets its type default in every restored value', () => {
    const { bytes, keys } = snapshotWith(new ValueStateDescriptor('profile', Profile), profiles);
    const Evolved = Types.object({ name: Types.string, age: Types.number, visits: Types.int, tags: Types.array(Types.string) });
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    backend.restore([bytes]);
    const state = backend.getState(new ValueStateDescriptor('profile', Evolved));
    profiles.forEach((profile, i) => {
      backend.setCurrentKey(keys[i] as Key);
      assert.deepEqual(state.value(), { ...profile, visits: 0, tags: [] });
    });
  });

  test('a key of another type than the restored state was keyed by fails the restore naming the operator and both types', () => {
    const { bytes } = snapshotWith(new ValueStateDescriptor('profile', Profile), profiles);
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    backend.restore([bytes]);
    backend.setCurrentKey('user-3');
    const error = expectError(() => backend.setCurrentKey(42), 'RESTORE_FAILED', OPERATOR, 'key type changed from string to number');
    assert.match(error.hint ?? '', /keyBy must return keys of the same type/);
    // Keys of several types are fine when the snapshot was keyed by all of them, as is a snapshot taken before any key.
    const mixed = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    mixed.setCurrentKey('a');
    mixed.setCurrentKey(1);
    const again = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    again.restore([mixed.snapshot(CheckpointId(1)).write()]);
    again.setCurrentKey(7);
    again.setCurrentKey('b');
    const empty = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    const fresh = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    fresh.restore([empty.snapshot(CheckpointId(1)).write()]);
    fresh.setCurrentKey(['tuple', 1]);
  });

  test('requesting stored list state as value state fails clearly', () => {
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    backend.setCurrentKey('k');
    backend.getState(new ListStateDescriptor('things', Types.string)).add('x');
    const restored = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    restored.restore([backend.snapshot(CheckpointId(1)).write()]);
    expectError(() => restored.getState(new ValueStateDescriptor('things', Types.string)), 'RESTORE_FAILED', "state 'things'", OPERATOR, 'list state', 'value state');
  });
});

/** Restores the pieces of a snapshot into a new backend and checks the events list of every key of `reference`. */
function restoresEvents(chunks: readonly Uint8Array[], reference: ReadonlyMap<string, readonly string[]>): void {
  const restored = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
  restored.restore([Buffer.concat(chunks)]);
  const restoredEvents = restored.getState(descriptors.events);
  for (const [key, elements] of reference) {
    restored.setCurrentKey(key);
    assert.deepEqual([...restoredEvents.get()], elements, key);
  }
}

describe('a large snapshot', () => {
  test("is written in a pool's shared buffers, which a later snapshot reuses once they are given back", () => {
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    const events = backend.getState(descriptors.events);
    const reference = new Map<string, string[]>();
    const next = random(47);
    const fill = (round: number): void => {
      // about 9 MB each round: two pieces or more
      for (let i = 0; i < 4500; i++) {
        const key = `user-${i}`;
        const elements = Array.from({ length: 1 + Math.floor(next() * 6) }, (_, j) => `${round}-${i}-${j}-${'y'.repeat(Math.floor(next() * 1000))}`);
        backend.setCurrentKey(key);
        events.update(elements);
        reference.set(key, elements);
      }
    };
    const written = (id: number, pool: SnapshotPiecePool): Uint8Array[] => {
      const snapshot = backend.snapshot(CheckpointId(id));
      const writer = snapshot.writer(pool);
      while (!writer.step(performance.now() + 1));
      snapshot.release();
      return writer.chunks();
    };
    const restoresReference = (chunks: Uint8Array[]): void => restoresEvents(chunks, reference);

    const pool = new SnapshotPiecePool(5 * 1024 * 1024, 8);
    fill(1);
    const first = written(1, pool);
    const shared = first.filter((chunk) => pool.owns(chunk));
    assert.ok(shared.length >= 1, 'pieces after the first go into pooled buffers');
    for (const chunk of shared) assert.ok(chunk.buffer instanceof SharedArrayBuffer);
    restoresReference(first);

    pool.recycle(first);
    assert.equal(pool.freeCount, shared.length);
    fill(2);
    const second = written(2, pool);
    const reused = new Set(shared.map((chunk) => chunk.buffer));
    assert.ok(second.filter((chunk) => reused.has(chunk.buffer)).length >= Math.min(shared.length, 2), 'the second snapshot is written in the buffers given back');
    restoresReference(second);

    // Without free buffers and at its bound, the pool gives none, and pieces get buffers of their own.
    const full = new SnapshotPiecePool(5 * 1024 * 1024, 0);
    const own = written(3, full);
    assert.ok(own.length >= 3);
    for (const chunk of own) assert.ok(chunk.buffer instanceof ArrayBuffer && chunk.byteOffset === 0);
    restoresReference(own);
  });

  test('comes in pieces, each the start of a buffer no larger than a pool piece, that restore exactly as one file', () => {
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    const events = backend.getState(descriptors.events);
    const reference = new Map<string, string[]>();
    const next = random(31);
    // about 12 MB: several pieces
    for (let i = 0; i < 6000; i++) {
      const key = i % 3 === 0 ? ['user', i] : `user-${i}`;
      const elements = Array.from({ length: 1 + Math.floor(next() * 8) }, (_, j) => `${i}-${j}-${'x'.repeat(Math.floor(next() * 1000))}`);
      backend.setCurrentKey(key);
      events.update(elements);
      reference.set(refId(key), elements);
    }
    const snapshot = backend.snapshot(CheckpointId(1));
    const writer = snapshot.writer();
    while (!writer.step(performance.now() + 1));
    const chunks = writer.chunks();
    snapshot.release();
    assert.ok(chunks.length >= 3, `${chunks.length} pieces`);
    for (const chunk of chunks) assert.equal(chunk.byteOffset, 0, 'a piece that does not start its buffer cannot be transferred alone');
    assert.equal(new Set(chunks.map((chunk) => chunk.buffer)).size, chunks.length, 'two pieces share a buffer');
    // no entry here is larger than a piece, so no buffer grew past one
    for (const chunk of chunks) assert.ok(chunk.buffer.byteLength <= snapshotPieces.pieceBytes, `a buffer of ${chunk.buffer.byteLength} bytes`);

    const restored = new HeapKeyedStateBackend({ keyGroupRange: new KeyGroupRange(0, 63), maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    restored.restore([Buffer.concat(chunks)]);
    const restoredEvents = restored.getState(descriptors.events);
    let owned = 0;
    for (let i = 0; i < 6000; i++) {
      const key = i % 3 === 0 ? ['user', i] : `user-${i}`;
      if (keyGroupOf(key, MAX_PARALLELISM) > 63) continue;
      owned++;
      restored.setCurrentKey(key);
      assert.deepEqual([...restoredEvents.get()], reference.get(refId(key)));
    }
    assert.ok(owned > 0);
  });
  test('with a key group larger than a piece, checks it across pieces, and a damaged piece fails the restore', () => {
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    const events = backend.getState(descriptors.events);
    const reference = new Map<string, string[]>();
    const next = random(53);
    // about 8 MB in key group 5 alone: it spans at least two pieces of a pool of 2 MB pieces
    for (let i = 0; reference.size < 2000; i++) {
      const key = `user-${i}`;
      if (keyGroupOf(key, MAX_PARALLELISM) !== 5) continue;
      const elements = Array.from({ length: 1 + Math.floor(next() * 6) }, (_, j) => `${i}-${j}-${'z'.repeat(Math.floor(next() * 1500))}`);
      backend.setCurrentKey(key);
      events.update(elements);
      reference.set(key, elements);
    }
    const pool = new SnapshotPiecePool(2 * 1024 * 1024, 16);
    const snapshot = backend.snapshot(CheckpointId(1));
    const writer = snapshot.writer(pool);
    while (!writer.step(performance.now() + 1));
    const chunks = writer.chunks();
    snapshot.release();
    const pooled = chunks.filter((chunk) => pool.owns(chunk));
    assert.ok(pooled.length >= 3, `${pooled.length} pooled pieces`);
    for (const chunk of pooled) assert.ok(chunk.length > pool.pieceBytes / 2, `a pooled piece of ${chunk.length} bytes is mostly empty`);

    restoresEvents(chunks, reference);

    // one byte changed in the middle of a piece after the first: the key group's checksum covers it
    const damaged = Buffer.concat(chunks);
    const at = (chunks[0] as Uint8Array).length + (chunks[1] as Uint8Array).length + 1000;
    damaged[at] = (damaged[at] as number) ^ 0xff;
    const again = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    expectError(() => again.restore([damaged]), 'CHECKPOINT_CORRUPT', 'key group 5');
  });
});

describe('the synchronous phase', () => {
  test('freezing a million keys over 128 key groups takes time proportional to key groups, not keys', (t) => {
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    const count = backend.getState(descriptors.count);
    const KEY_COUNT = 1_000_000;
    for (let i = 0; i < KEY_COUNT; i++) {
      backend.setCurrentKey(`user-${i}`);
      count.update(i);
    }
    const timings: number[] = [];
    let bytes: Uint8Array = new Uint8Array();
    let writeMs = 0;
    for (let round = 0; round < 3; round++) {
      const start = performance.now();
      const snapshot = backend.snapshot(CheckpointId(round + 1));
      timings.push(performance.now() - start);
      const writeStart = performance.now();
      bytes = snapshot.write();
      writeMs = performance.now() - writeStart;
      snapshot.release();
    }
    const slowest = Math.max(...timings);
    t.diagnostic(`sync phase with ${KEY_COUNT} keys: ${timings.map((ms) => ms.toFixed(3)).join(', ')} ms`);
    t.diagnostic(`async write: ${(bytes.length / 1e6).toFixed(1)} MB in ${writeMs.toFixed(0)} ms (${(bytes.length / 1e6 / (writeMs / 1000)).toFixed(0)} MB/s)`);
    // a generous bound, so a busy machine cannot make it flake; the figure above is what matters
    assert.ok(slowest < 200, `the synchronous phase took ${slowest} ms`);

    // a delta writes what changed: its size and time follow the 1000 keys touched, not the million held
    backend.snapshot(CheckpointId(4), { changes: 'full' }).release();
    for (let i = 0; i < KEY_COUNT; i += KEY_COUNT / 1000) {
      backend.setCurrentKey(`user-${i}`);
      count.update(-i);
    }
    const deltaStart = performance.now();
    const delta = backend.snapshot(CheckpointId(5), { changes: 'delta' });
    const deltaSyncMs = performance.now() - deltaStart;
    const deltaBytes = delta.write();
    const deltaMs = performance.now() - deltaStart;
    t.diagnostic(`delta of 1000 of ${KEY_COUNT} keys: ${deltaBytes.length} bytes (full: ${bytes.length}), sync phase ${deltaSyncMs.toFixed(3)} ms, written in ${deltaMs.toFixed(1)} ms`);
    assert.equal(decodeDelta(deltaBytes, 'count', Types.number).upserts.size, 1000);
    assert.ok(deltaBytes.length * 500 < bytes.length, `a delta of ${deltaBytes.length} bytes`);
  });
});

/** Every state's entries and every timer of `subtask`, as sorted lines, to compare two backends whole. */
function contents(subtask: Subtask): string[] {
  const { backend } = subtask;
  const lines = subtask.timerEntries().map((timer) => `timer|${timer}`);
  const text = (value: unknown): string => JSON.stringify(value, (_, part: unknown) => (part instanceof Map ? Array.from(part).sort() : part));
  for (const name of backend.getRegisteredStateNames()) {
    const descriptor = Object.values(descriptors).find((candidate) => candidate.name === name);
    assert.ok(descriptor !== undefined, `unknown state ${name}`);
    for (const [key, namespace] of Array.from(backend.getKeysAndNamespaces(name))) {
      backend.setCurrentKey(key);
      const namespaced = descriptor.name.startsWith('window');
      const state = (namespaced ? backend.getPartitionedState(descriptor, namespace) : backend.getState(descriptor)) as unknown as { value?: () => unknown; get?: () => unknown; entries?: () => Iterable<unknown> };
      const value = state.value?.() ?? (descriptor.kind === 'map' ? new Map(state.entries?.() as Iterable<[unknown, unknown]>) : state.get?.());
      lines.push(`${name}|${refId(key)}|${namespaceId(namespace)}|${text(descriptor.kind === 'list' ? [...(value as Iterable<unknown>)] : value)}`);
    }
  }
  return lines.sort();
}

/** The changes a delta holds for a state without namespaces, decoded with the state's value serializer. */
function decodeDelta(bytes: Uint8Array, stateName: string, valueSerializer: TypeSerializer<unknown>): { upserts: Map<string, unknown>; removals: Set<string> } {
  const reader = new KeyedStateSnapshotReader(bytes, { operatorDescription: OPERATOR, index: 0, count: 1 });
  assert.equal(reader.metadata.kind, 'delta');
  const section = reader.metadata.states.findIndex((meta) => meta.name === stateName);
  const upserts = new Map<string, unknown>();
  const removals = new Set<string>();
  for (const keyGroup of reader.keyGroups()) {
    const input = new DataInput(reader.section(keyGroup, section) as Uint8Array);
    for (let i = input.readVarUint(); i > 0; i--) upserts.set(refId(keySerializer.read(input)), valueSerializer.read(input));
    for (let i = input.readVarUint(); i > 0; i--) removals.add(refId(keySerializer.read(input)));
    assert.equal(input.remaining, 0);
  }
  return { upserts, removals };
}

/** The (key, namespace) pairs a delta holds for a namespaced state, as `refId|namespaceId`, split into upserts and removals. */
function decodeNamespacedDelta(bytes: Uint8Array, stateName: string, valueSerializer: TypeSerializer<unknown>): { upserts: Map<string, unknown>; removals: Set<string> } {
  const reader = new KeyedStateSnapshotReader(bytes, { operatorDescription: OPERATOR, index: 0, count: 1 });
  const section = reader.metadata.states.findIndex((meta) => meta.name === stateName);
  const upserts = new Map<string, unknown>();
  const removals = new Set<string>();
  for (const keyGroup of reader.keyGroups()) {
    const input = new DataInput(reader.section(keyGroup, section) as Uint8Array);
    for (let n = input.readVarUint(); n > 0; n--) {
      const namespace = namespaceId(readNamespace(Types.generic(), input));
      for (let i = input.readVarUint(); i > 0; i--) upserts.set(`${refId(keySerializer.read(input))}|${namespace}`, valueSerializer.read(input));
      for (let i = input.readVarUint(); i > 0; i--) removals.add(`${refId(keySerializer.read(input))}|${namespace}`);
    }
    assert.equal(input.remaining, 0);
  }
  return { upserts, removals };
}

/**
 * Takes a delta of `subtask` for checkpoint `id`, makes `writes` more random writes before writing it
 * (seeded by `seed`), appends it to `chain`, and checks that the chain restores the delta's moment.
 */
function appendDelta(subtask: Subtask, reference: Reference, chain: Uint8Array[], id: number, seed: number, writes: number): void {
  const delta = subtask.backend.snapshot(CheckpointId(id), { changes: 'delta' });
  const expected = cloneReference(reference);
  writeRandomly([subtask], reference, seed, writes);
  chain.push(delta.write());
  delta.release();
  new Subtask(FULL_RANGE, chain).assertHolds(expected);
}

const ranges = (parallelism: number): KeyGroupRange[] => Array.from({ length: parallelism }, (_, i) => keyGroupRangeForSubtask(MAX_PARALLELISM, parallelism, i));

describe('incremental snapshots (a full snapshot, then deltas)', () => {
  test('every prefix of a chain restores what a plain full snapshot of the same moment restores, and the reference', () => {
    const subtask = new Subtask(FULL_RANGE);
    const reference = emptyReference();
    writeRandomly([subtask], reference, 40, 4000);
    const chain: Uint8Array[] = [];
    let pending = subtask.backend.snapshot(CheckpointId(1), { changes: 'full' });
    let pendingPlain = subtask.backend.snapshot(CheckpointId(1));
    let expected = cloneReference(reference);
    assert.equal(pending.kind, 'full');
    // few writes in some rounds, none in one: deltas of every size
    const writesPerRound = [1500, 40, 600, 3, 0, 900];
    writesPerRound.forEach((writes, round) => {
      const checkpoint = CheckpointId(round + 2);
      // writes between a snapshot and its write(): the bytes must hold the moment of the freeze
      writeRandomly([subtask], reference, 41 + round, writes);
      const next = subtask.backend.snapshot(checkpoint, { changes: 'delta' });
      const nextPlain = subtask.backend.snapshot(checkpoint);
      const nextExpected = cloneReference(reference);
      assert.equal(next.kind, 'delta');
      assert.equal(nextPlain.kind, 'full');
      writeRandomly([subtask], reference, 141 + round, writes);

      const bytes = pending.write();
      assert.deepEqual(pending.write(), bytes, 'written twice, a snapshot gives the same bytes');
      chain.push(bytes);
      pending.release();
      const plainBytes = pendingPlain.write();
      pendingPlain.release();
      const fromChain = new Subtask(FULL_RANGE, chain);
      fromChain.assertHolds(expected);
      assert.deepEqual(contents(fromChain), contents(new Subtask(FULL_RANGE, [plainBytes])), `after ${chain.length} blobs`);
      [pending, pendingPlain, expected] = [next, nextPlain, nextExpected];
    });
    chain.push(pending.write());
    new Subtask(FULL_RANGE, chain).assertHolds(expected);
    subtask.assertHolds(reference);
  });

  test('a delta holds the values of its freeze though they are updated in place before it is written, with no other snapshot open', () => {
    const subtask = new Subtask(FULL_RANGE);
    const reference = emptyReference();
    writeRandomly([subtask], reference, 90, 3000);
    const chain = [subtask.backend.snapshot(CheckpointId(1), { changes: 'full' }).write()];
    for (let round = 0; round < 3; round++) {
      writeRandomly([subtask], reference, 91 + round, 2000);
      // lists, maps, sums and averages change in place after the freeze: the delta must not see it
      appendDelta(subtask, reference, chain, round + 2, 191 + round, 2000);
    }
    subtask.assertHolds(reference);
  });

  test('a delta whose checkpoint was aborted gives its changes back: the next delta holds them under newer ones, and the chain without it restores exactly', () => {
    const subtask = new Subtask(FULL_RANGE);
    const reference = emptyReference();
    writeRandomly([subtask], reference, 60, 3000);
    const full = subtask.backend.snapshot(CheckpointId(1), { changes: 'full' });
    const chain = [full.write()];
    assert.equal(full.giveBackChanges(), false, 'a full snapshot has no changes to give back');
    full.release();
    for (let round = 0; round < 3; round++) {
      writeRandomly([subtask], reference, 61 + round, 1500);
      const aborted = subtask.backend.snapshot(CheckpointId(2 * round + 2), { changes: 'delta' });
      // aborted once written, or while it is written (its bytes are dropped either way)
      if (round !== 1) aborted.write();
      writeRandomly([subtask], reference, 161 + round, 1500);
      assert.equal(aborted.giveBackChanges(), true);
      aborted.release();
      assert.equal(aborted.giveBackChanges(), false, 'a released snapshot has nothing to give back');
      writeRandomly([subtask], reference, 261 + round, 500);
      appendDelta(subtask, reference, chain, 2 * round + 3, 361 + round, 500);
    }
    subtask.assertHolds(reference);
  });

  test('chains of two old subtasks restore into one backend, in either order', () => {
    const reference = emptyReference();
    const two = ranges(2).map((range) => new Subtask(range));
    writeRandomly(two, reference, 50, 5000);
    const chains: Uint8Array[][] = two.map((subtask) => [subtask.backend.snapshot(CheckpointId(1), { changes: 'full' }).write()]);
    for (let round = 2; round <= 5; round++) {
      writeRandomly(two, reference, 50 + round, 700);
      two.forEach((subtask, i) => {
        // the second subtask starts a new chain at checkpoint 3: chains of different lengths and bases
        const restart = i === 1 && round === 3;
        const snapshot = subtask.backend.snapshot(CheckpointId(round), { changes: restart ? 'full' : 'delta' });
        assert.equal(snapshot.kind, restart ? 'full' : 'delta');
        if (restart) (chains[i] as Uint8Array[]).length = 0;
        (chains[i] as Uint8Array[]).push(snapshot.write());
        snapshot.release();
      });
    }
    const [first, second] = chains as [Uint8Array[], Uint8Array[]];
    assert.deepEqual([first.length, second.length], [5, 3]);
    new Subtask(FULL_RANGE, [...first, ...second]).assertHolds(reference);
    new Subtask(FULL_RANGE, [...second, ...first]).assertHolds(reference);
    // 2 -> 3: each new subtask reads its key groups out of both chains
    for (const subtask of ranges(3).map((range) => new Subtask(range, [...first, ...second]))) subtask.assertHolds(reference);
  });

  test('one chain restores into two and three backends, which then start chains of their own', () => {
    const reference = emptyReference();
    const one = new Subtask(FULL_RANGE);
    writeRandomly([one], reference, 60, 5000);
    const chain = [one.backend.snapshot(CheckpointId(1), { changes: 'full' }).write()];
    for (let round = 2; round <= 4; round++) {
      writeRandomly([one], reference, 60 + round, 500);
      chain.push(one.backend.snapshot(CheckpointId(round), { changes: 'delta' }).write());
    }
    for (const parallelism of [2, 3]) {
      const rescaled = ranges(parallelism).map((range) => new Subtask(range, chain));
      for (const subtask of rescaled) subtask.assertHolds(reference);
      // a restored backend has no earlier changes snapshot: its first delta is a full snapshot
      const continued = cloneReference(reference);
      const next = rescaled.map((subtask) => subtask.backend.snapshot(CheckpointId(5), { changes: 'delta' }));
      assert.deepEqual(next.map((snapshot) => snapshot.kind), rescaled.map(() => 'full'));
      const chains = next.map((snapshot) => [snapshot.write()]);
      writeRandomly(rescaled, continued, 70 + parallelism, 500);
      rescaled.forEach((subtask, i) => (chains[i] as Uint8Array[]).push(subtask.backend.snapshot(CheckpointId(6), { changes: 'delta' }).write()));
      new Subtask(FULL_RANGE, chains.flat()).assertHolds(continued);
    }
  });

  test('a delta after touching k of n keys holds exactly those k, with the values of its freeze', () => {
    const backend = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    const count = backend.getState(descriptors.count);
    const events = backend.getState(descriptors.events);
    const windowSum = backend.getPartitionedState(descriptors.windowSum, WINDOWS[0]);
    const KEY_COUNT = 5000;
    const keyOf = (i: number): Key => (i % 2 === 0 ? `user-${i}` : ['user', i]);
    for (let i = 0; i < KEY_COUNT; i++) {
      backend.setCurrentKey(keyOf(i));
      count.update(i);
      events.add(`e${i}`);
      windowSum.setCurrentNamespace(WINDOWS[i % 2]);
      windowSum.add(i);
    }
    const full = backend.snapshot(CheckpointId(1), { changes: 'full' }).write();
    // reading, even every key, is no change
    for (let i = 0; i < KEY_COUNT; i++) {
      backend.setCurrentKey(keyOf(i));
      count.value();
      Array.from(events.get());
      windowSum.setCurrentNamespace(WINDOWS[i % 2]);
      windowSum.get();
    }
    const expectedCount = { upserts: new Map<string, unknown>(), removals: new Set<string>() };
    const expectedEvents = new Map<string, unknown>();
    const expectedWindows = { upserts: new Map<string, unknown>(), removals: new Set<string>() };
    const next = random(80);
    for (let touched = 0; touched < 60; touched++) {
      const i = Math.floor(next() * KEY_COUNT);
      const key = keyOf(i);
      backend.setCurrentKey(key);
      switch (touched % 3) {
        case 0:
          // a removal, then a value written and removed again between the snapshots: still one removal
          count.clear();
          expectedCount.upserts.delete(refId(key));
          expectedCount.removals.add(refId(key));
          break;
        case 1:
          count.update(-i);
          expectedCount.removals.delete(refId(key));
          expectedCount.upserts.set(refId(key), -i);
          break;
        default: {
          // in-place mutations through getForUpdate
          events.add(`x${touched}`);
          expectedEvents.set(refId(key), [...(expectedEvents.get(refId(key)) as string[] | undefined ?? [`e${i}`]), `x${touched}`]);
          windowSum.setCurrentNamespace(WINDOWS[i % 2]);
          windowSum.clear();
          expectedWindows.removals.add(`${refId(key)}|${namespaceId(WINDOWS[i % 2])}`);
          windowSum.setCurrentNamespace(WINDOWS[2]);
          windowSum.add(touched);
          windowSum.add(1);
          expectedWindows.upserts.set(`${refId(key)}|${namespaceId(WINDOWS[2])}`, ((expectedWindows.upserts.get(`${refId(key)}|${namespaceId(WINDOWS[2])}`) as number | undefined) ?? 0) + touched + 1);
        }
      }
    }
    const snapshot = backend.snapshot(CheckpointId(2), { changes: 'delta' });
    // a write after the freeze belongs to the next delta
    backend.setCurrentKey(keyOf(KEY_COUNT - 1));
    count.update(123456);
    const delta = snapshot.write();

    assert.deepEqual(decodeDelta(delta, 'count', Types.number), expectedCount);
    assert.deepEqual(decodeDelta(delta, 'events', Types.array(Types.string)), { upserts: expectedEvents, removals: new Set() });
    assert.deepEqual(decodeNamespacedDelta(delta, 'window-sum', Types.number), expectedWindows);
    assert.ok(delta.length * 20 < full.length, `a delta of ${delta.length} bytes next to a full snapshot of ${full.length}`);
    const after = decodeDelta(backend.snapshot(CheckpointId(3), { changes: 'delta' }).write(), 'count', Types.number);
    assert.deepEqual(after, { upserts: new Map([[refId(keyOf(KEY_COUNT - 1)), 123456]]), removals: new Set() });
  });

  test('a plain snapshot in between neither resets the changes nor is part of the chain', () => {
    const subtask = new Subtask(FULL_RANGE);
    const reference = emptyReference();
    writeRandomly([subtask], reference, 90, 3000);
    const base = subtask.backend.snapshot(CheckpointId(1), { changes: 'full' }).write();
    writeRandomly([subtask], reference, 91, 300);
    // a savepoint: a full snapshot that leaves the change tracking alone
    const savepoint = subtask.backend.snapshot(CheckpointId(2));
    assert.equal(savepoint.kind, 'full');
    new Subtask(FULL_RANGE, [savepoint.write()]).assertHolds(reference);
    savepoint.release();
    writeRandomly([subtask], reference, 92, 300);
    const delta = subtask.backend.snapshot(CheckpointId(3), { changes: 'delta' });
    assert.equal(delta.kind, 'delta');
    new Subtask(FULL_RANGE, [base, delta.write()]).assertHolds(reference);
  });

  test('a delta is a full snapshot when there is no changes snapshot to build on', () => {
    const backend = (): HeapKeyedStateBackend => new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    const fresh = backend();
    const first = fresh.snapshot(CheckpointId(1), { changes: 'delta' });
    assert.equal(first.kind, 'full');
    assert.equal(new KeyedStateSnapshotReader(first.write(), { operatorDescription: OPERATOR, index: 0, count: 1 }).metadata.kind, 'full');
    assert.equal(fresh.snapshot(CheckpointId(2), { changes: 'delta' }).kind, 'delta');
    // plain snapshots do not start a chain
    const plain = backend();
    plain.snapshot(CheckpointId(1));
    assert.equal(plain.snapshot(CheckpointId(2), { changes: 'delta' }).kind, 'full');

    // a migration on restore changes every value: the next delta cannot build on anything before it
    const Profile = Types.object({ name: Types.string, age: Types.number });
    const source = backend();
    source.setCurrentKey('k');
    source.getState(new ValueStateDescriptor('profile', Profile)).update({ name: 'n', age: 1 });
    const bytes = source.snapshot(CheckpointId(1)).write();
    const migrated = backend();
    migrated.restore([bytes]);
    assert.equal(migrated.snapshot(CheckpointId(2), { changes: 'full' }).kind, 'full');
    migrated.getState(new ValueStateDescriptor('profile', Types.object({ name: Types.string })));
    const afterMigration = migrated.snapshot(CheckpointId(3), { changes: 'delta' });
    assert.equal(afterMigration.kind, 'full');
    const again = backend();
    again.restore([afterMigration.write()]);
    again.setCurrentKey('k');
    assert.deepEqual(again.getState(new ValueStateDescriptor('profile', Types.object({ name: Types.string }))).value(), { name: 'n' });
    assert.equal(migrated.snapshot(CheckpointId(4), { changes: 'delta' }).kind, 'delta');
  });

  test('state first registered after the base is whole in the next delta; restored state nobody requested has no changes', () => {
    const reference = emptyReference();
    const source = new Subtask(FULL_RANGE);
    writeRandomly([source], reference, 100, 2000);
    const restored = new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR });
    restored.restore([source.backend.snapshot(CheckpointId(1)).write()]);
    const base = restored.snapshot(CheckpointId(2), { changes: 'full' }).write();
    const added = restored.getState(new ValueStateDescriptor('added', Types.int));
    for (let i = 0; i < 50; i++) {
      restored.setCurrentKey(`new-${i}`);
      added.update(i);
    }
    const delta = restored.snapshot(CheckpointId(3), { changes: 'delta' }).write();
    assert.equal(decodeDelta(delta, 'added', Types.int).upserts.size, 50);
    assert.deepEqual(decodeDelta(delta, 'count', Types.number), { upserts: new Map(), removals: new Set() });
    assert.equal(decodeNamespacedDelta(delta, 'window-contents', Types.generic()).upserts.size, 0);
    const chained = new Subtask(FULL_RANGE, [base, delta]);
    chained.assertHolds(reference);
    const value = chained.backend.getState(new ValueStateDescriptor('added', Types.int));
    for (let i = 0; i < 50; i++) {
      chained.backend.setCurrentKey(`new-${i}`);
      assert.equal(value.value(), i);
    }
  });

  test('a damaged or misplaced delta fails the restore naming the operator', () => {
    const subtask = new Subtask(FULL_RANGE);
    writeRandomly([subtask], emptyReference(), 110, 2000);
    const base = subtask.backend.snapshot(CheckpointId(1), { changes: 'full' }).write();
    writeRandomly([subtask], emptyReference(), 111, 2000);
    const delta = subtask.backend.snapshot(CheckpointId(2), { changes: 'delta' }).write();
    const restoreFrom = (blobs: Uint8Array[]): void => new HeapKeyedStateBackend({ keyGroupRange: FULL_RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: OPERATOR }).restore(blobs);
    restoreFrom([base, delta]);
    for (const length of [0, 10, delta.length >> 1, delta.length - 1]) {
      expectError(() => restoreFrom([base, delta.subarray(0, length)]), 'CHECKPOINT_CORRUPT', OPERATOR, 'snapshot 2 of 2');
    }
    let failures = 0;
    for (let offset = 1; offset <= 32; offset++) {
      const damaged = delta.slice();
      damaged.fill(0xff, damaged.length - offset * 16, damaged.length - offset * 16 + 8);
      try {
        restoreFrom([base, damaged]);
      } catch (error) {
        assert.ok(error instanceof WeirError && error.code === 'CHECKPOINT_CORRUPT', String(error));
        assert.ok(error.message.includes(OPERATOR), error.message);
        assert.match(error.message, /key group \d+/);
        failures++;
      }
    }
    assert.equal(failures, 32);
    // the kind is in the metadata (outside the checksums): an unknown one is refused, not read as full
    const metadataAt = Buffer.from(delta).indexOf('"kind":"delta"');
    assert.ok(metadataAt > 0, 'the metadata names the kind');
    const unknownKind = delta.slice();
    unknownKind.set(new TextEncoder().encode('"kind":"delte"'), metadataAt);
    expectError(() => restoreFrom([base, unknownKind]), 'CHECKPOINT_CORRUPT', OPERATOR, 'unknown kind of snapshot "delte"');
    // a delta with no full snapshot before it, or before its base, is a broken chain
    expectError(() => restoreFrom([delta]), 'RESTORE_FAILED', OPERATOR, 'delta', 'no full snapshot');
    expectError(() => restoreFrom([delta, base]), 'RESTORE_FAILED', OPERATOR, 'delta');
    // deltas out of order, or a delta of another subtask's chain
    writeRandomly([subtask], emptyReference(), 112, 200);
    const later = subtask.backend.snapshot(CheckpointId(3), { changes: 'delta' }).write();
    restoreFrom([base, delta, later]);
    expectError(() => restoreFrom([base, later, delta]), 'RESTORE_FAILED', OPERATOR, 'snapshot 3 of 3 is a delta', 'checkpoint 2', 'checkpoint 3');
    const half = new Subtask(ranges(2)[0] as KeyGroupRange);
    const halfBase = half.backend.snapshot(CheckpointId(1), { changes: 'full' }).write();
    const halfDelta = half.backend.snapshot(CheckpointId(2), { changes: 'delta' }).write();
    restoreFrom([halfBase, halfDelta]);
    expectError(() => restoreFrom([base, halfDelta]), 'RESTORE_FAILED', OPERATOR, 'covers key groups');
  });
});
