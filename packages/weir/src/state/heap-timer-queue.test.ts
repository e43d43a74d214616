/**
 * @module Tests of the heap timer queue against a sorted-array reference: ordering, de-duplication,
 * removal and the per-key-group index.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { keyGroupOf, keyGroupRangeForSubtask } from '../core/key-groups.ts';
import type { Key } from '../core/key-groups.ts';
import { HeapTimerQueue } from './heap-timer-queue.ts';
import type { InternalTimer } from './heap-timer-queue.ts';
import { VOID_NAMESPACE } from './namespace-id.ts';

const MAX_PARALLELISM = 128;
const RANGE = keyGroupRangeForSubtask(MAX_PARALLELISM, 4, 2);

function createQueue(): HeapTimerQueue {
  return new HeapTimerQueue({ keyGroupRange: RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: "operator 'window' (uid w) subtask 3/4" });
}

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

const KEYS: Key[] = [];
for (let i = 0; KEYS.length < 60; i++) {
  for (const key of [`k${i}`, i, ['t', i]] as Key[]) if (KEYS.length < 60 && RANGE.contains(keyGroupOf(key, MAX_PARALLELISM))) KEYS.push(key);
}
const NAMESPACES: unknown[] = [VOID_NAMESPACE, { start: 0, end: 10 }, { start: 10, end: 20 }, 'session', 10, 1_704_067_210_000, { start: 1_704_067_200_000, end: 1_704_067_210_000 }];

interface ReferenceTimer {
  readonly timestamp: number;
  readonly key: Key;
  readonly namespace: unknown;
  readonly sequence: number;
}

/** The reference identity: keys and namespaces by their JSON, written independently of the queue. */
function referenceId(timer: InternalTimer): string {
  const content = (value: unknown): string => (value === VOID_NAMESPACE ? 'void' : `${typeof value}:${JSON.stringify(value)}`);
  return `${timer.timestamp}|${content(timer.key)}|${content(timer.namespace)}`;
}

function byFiringOrder(a: ReferenceTimer, b: ReferenceTimer): number {
  return a.timestamp - b.timestamp || a.sequence - b.sequence;
}

/** A copy of `timer` built from fresh objects, as a timer rebuilt from a snapshot or per record would be. */
function rebuilt(timer: InternalTimer): InternalTimer {
  const copy = (value: unknown): unknown => (value === VOID_NAMESPACE ? value : (JSON.parse(JSON.stringify(value)) as unknown));
  return { timestamp: timer.timestamp, key: copy(timer.key) as Key, namespace: copy(timer.namespace) };
}

/** Random timestamps: few distinct ones, some at epoch milliseconds as windows' are. */
function scatteredTimestamps(next: () => number): () => number {
  return () => Math.floor(next() * 200) + (next() < 0.5 ? 0 : 1_704_067_200_000);
}

/** Runs of one timestamp, as a window operator registers the timers of many keys at one window end. */
function runsOfTimestamps(next: () => number): () => number {
  let current = 0;
  return () => {
    if (next() < 0.2) current = Math.floor(next() * 50);
    return current;
  };
}

for (const [kind, timestamps] of [
  ['scattered timestamps', scatteredTimestamps],
  ['runs of one timestamp', runsOfTimestamps],
] as const) {
  test(`timers fire in timestamp order, ties in insertion order, each (timestamp, key, namespace) once: ${kind}`, () => {
    checkAgainstReference(timestamps);
  });
}

function checkAgainstReference(timestamps: (next: () => number) => () => number): void {
  const queue = createQueue();
  // the reference: queued timers by identity; the next to fire is the first in (timestamp, insertion) order
  const reference = new Map<string, ReferenceTimer>();
  let sequence = 0;
  let largest = 0;
  const next = random(11);
  const nextTimestamp = timestamps(next);
  for (let i = 0; i < 30_000; i++) {
    // the first half grows the queue to thousands of timers, the second mostly drains it
    const op = i < 15_000 ? next() : 0.25 + next() * 0.75;
    // few distinct timestamps, so ties and duplicates are common
    const timestamp = nextTimestamp();
    const timer: InternalTimer = { timestamp, key: pick(KEYS, next), namespace: pick(NAMESPACES, next) };
    const id = referenceId(timer);
    if (op < 0.45) {
      assert.equal(queue.add(rebuilt(timer)), !reference.has(id));
      if (!reference.has(id)) reference.set(id, { ...timer, sequence: sequence++ });
    } else if (op < 0.65) {
      assert.equal(queue.remove(rebuilt(timer)), reference.delete(id));
    } else if (op < 0.7) {
      assert.equal(queue.contains(rebuilt(timer)), reference.has(id));
    } else {
      let expected: ReferenceTimer | undefined;
      for (const queued of reference.values()) if (expected === undefined || byFiringOrder(queued, expected) < 0) expected = queued;
      const polled = queue.poll();
      if (expected === undefined) {
        assert.equal(polled, undefined);
      } else {
        assert.ok(polled !== undefined);
        assert.equal(referenceId(polled), referenceId(expected));
        reference.delete(referenceId(expected));
      }
    }
    assert.equal(queue.size, reference.size);
    assert.equal(queue.isEmpty(), reference.size === 0);
    largest = Math.max(largest, queue.size);
  }
  assert.ok(largest > 1000, `the queue only reached ${largest} timers; the heap was never deep`);
  const expectedOrder = [...reference.values()].sort(byFiringOrder).map(referenceId);
  assert.equal(queue.peek() === undefined ? undefined : referenceId(queue.peek() as InternalTimer), expectedOrder[0]);
  const drained: string[] = [];
  for (let timer = queue.poll(); timer !== undefined; timer = queue.poll()) drained.push(referenceId(timer));
  assert.deepEqual(drained, expectedOrder);
}

test('each timer is listed under the key group of its key, and only there', () => {
  const queue = createQueue();
  const next = random(12);
  for (let i = 0; i < 2_000; i++) queue.add({ timestamp: Math.floor(next() * 1000), key: pick(KEYS, next), namespace: pick(NAMESPACES, next) });
  let listed = 0;
  for (let keyGroup = RANGE.start; keyGroup <= RANGE.end; keyGroup++) {
    for (const timer of queue.getSubsetForKeyGroup(keyGroup)) {
      assert.equal(timer.keyGroup, keyGroup);
      assert.equal(keyGroupOf(timer.key, MAX_PARALLELISM), keyGroup);
      listed++;
    }
  }
  assert.equal(listed, queue.size);
  assert.deepEqual([...queue.getSubsetForKeyGroup(RANGE.end + 1)], []);
});

test('polled and removed timers leave the key-group index', () => {
  const queue = createQueue();
  const key = KEYS[0] as Key;
  const keyGroup = keyGroupOf(key, MAX_PARALLELISM);
  queue.add({ timestamp: 5, key, namespace: VOID_NAMESPACE });
  queue.add({ timestamp: 6, key, namespace: VOID_NAMESPACE });
  queue.poll();
  queue.remove({ timestamp: 6, key, namespace: VOID_NAMESPACE });
  assert.deepEqual([...queue.getSubsetForKeyGroup(keyGroup)], []);
  assert.equal(queue.add({ timestamp: 5, key, namespace: VOID_NAMESPACE }), true, 'a fired timer can be registered again');
});

test('a timer for a key outside the key-group range throws STATE_ACCESS naming the key and range', () => {
  const queue = createQueue();
  let i = 0;
  while (RANGE.contains(keyGroupOf(`far-${i}`, MAX_PARALLELISM))) i++;
  assert.throws(
    () => queue.add({ timestamp: 1, key: `far-${i}`, namespace: VOID_NAMESPACE }),
    (error: unknown) =>
      error instanceof WeirError && error.code === 'STATE_ACCESS' && error.message.includes(`"far-${i}"`) && error.message.includes(RANGE.toString()),
  );
});

test('a timer without a numeric timestamp is rejected', () => {
  const queue = createQueue();
  assert.throws(() => queue.add({ timestamp: Number.NaN, key: KEYS[0] as Key, namespace: VOID_NAMESPACE }), /timestamp must be a number/);
});
