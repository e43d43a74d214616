/**
 * @module Tests of the heap keyed state backend: every state kind against a plain Map reference over
 * random operations on many keys, key and namespace scoping, iteration, and the errors users meet.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { keyGroupOf, keyGroupRangeForSubtask } from '../core/key-groups.ts';
import type { Key, KeyGroupRange } from '../core/key-groups.ts';
import type { AggregateFunction } from './aggregate-function.ts';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import type { InternalListState } from './internal-kv-state.ts';
import { VOID_NAMESPACE } from './namespace-id.ts';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './state-descriptors.ts';

const MAX_PARALLELISM = 128;
// subtask 1 of 2 owns groups [64..127], so both the range offset and the range check are exercised
const RANGE = keyGroupRangeForSubtask(MAX_PARALLELISM, 2, 1);

function createBackend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({ keyGroupRange: RANGE, maxParallelism: MAX_PARALLELISM, operatorDescription: "operator 'count' (uid count) subtask 2/2" });
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

function ownedBy(range: KeyGroupRange, key: Key): boolean {
  return range.contains(keyGroupOf(key, MAX_PARALLELISM));
}

/** Keys of every shape, only those this subtask owns. */
function ownedKeys(count: number): Key[] {
  const keys: Key[] = [];
  for (let i = 0; keys.length < count; i++) {
    const candidates: Key[] = [`user-${i}`, i, ['tuple', i], BigInt(i) * 1000n];
    for (const key of candidates) if (keys.length < count && ownedBy(RANGE, key)) keys.push(key);
  }
  return keys;
}

/** A reference identity for keys: tuples by content, primitives by type and value. */
function refId(key: Key): string {
  return typeof key === 'object' ? `tuple:${JSON.stringify(key.map((part) => (typeof part === 'bigint' ? `${part}n` : part)))}` : `${typeof key}:${String(key)}`;
}

function sortedIds(keys: Iterable<Key>): string[] {
  return Array.from(keys, refId).sort();
}

const KEYS = ownedKeys(600);
const OPERATIONS = 20_000;

test('the test keys spread over many key groups of the range', () => {
  const groups = new Set(KEYS.map((key) => keyGroupOf(key, MAX_PARALLELISM)));
  assert.ok(groups.size >= RANGE.size / 2, `only ${groups.size} key groups used`);
});

describe('every state kind matches a plain Map reference', () => {
  test('value state over random updates, clears and reads', () => {
    const backend = createBackend();
    const state = backend.getState(new ValueStateDescriptor<number>('count'));
    const reference = new Map<string, number>();
    const next = random(1);
    for (let i = 0; i < OPERATIONS; i++) {
      const key = pick(KEYS, next);
      backend.setCurrentKey(key);
      const op = next();
      if (op < 0.5) {
        const value = Math.floor(next() * 1000);
        state.update(value);
        reference.set(refId(key), value);
      } else if (op < 0.6) {
        state.update(undefined);
        reference.delete(refId(key));
      } else if (op < 0.7) {
        state.clear();
        reference.delete(refId(key));
      } else {
        assert.equal(state.value(), reference.get(refId(key)));
      }
    }
    for (const key of KEYS) {
      backend.setCurrentKey(key);
      assert.equal(state.value(), reference.get(refId(key)));
    }
    assert.equal(backend.numKeys('count'), reference.size);
    assert.deepEqual(sortedIds(backend.getKeys('count')), Array.from(reference.keys()).sort());
  });

  test('list state over random adds, addAlls, updates and clears', () => {
    const backend = createBackend();
    const state = backend.getState(new ListStateDescriptor<string>('events'));
    const reference = new Map<string, string[]>();
    const next = random(2);
    const someElements = (): string[] => Array.from({ length: Math.floor(next() * 4) }, () => `e${Math.floor(next() * 100)}`);
    for (let i = 0; i < OPERATIONS; i++) {
      const key = pick(KEYS, next);
      const id = refId(key);
      backend.setCurrentKey(key);
      const op = next();
      if (op < 0.35) {
        const element = `e${i}`;
        state.add(element);
        reference.set(id, [...(reference.get(id) ?? []), element]);
      } else if (op < 0.5) {
        const elements = someElements();
        state.addAll(elements);
        const list = [...(reference.get(id) ?? []), ...elements];
        if (list.length === 0) reference.delete(id);
        else reference.set(id, list);
      } else if (op < 0.6) {
        const elements = someElements();
        state.update(elements);
        if (elements.length === 0) reference.delete(id);
        else reference.set(id, elements);
      } else if (op < 0.65) {
        state.clear();
        reference.delete(id);
      } else {
        assert.deepEqual([...state.get()], reference.get(id) ?? []);
      }
    }
    for (const key of KEYS) {
      backend.setCurrentKey(key);
      assert.deepEqual([...state.get()], reference.get(refId(key)) ?? []);
    }
    assert.equal(backend.numKeys('events'), reference.size);
    assert.deepEqual(sortedIds(backend.getKeys('events')), Array.from(reference.keys()).sort());
  });

  test('map state over random puts, putAlls, removes, clears and lookups', () => {
    const backend = createBackend();
    const state = backend.getState(new MapStateDescriptor<string, number>('pv'));
    const reference = new Map<string, Map<string, number>>();
    const next = random(3);
    const userKey = (): string => `app${Math.floor(next() * 8)}`;
    const userMap = (id: string): Map<string, number> => {
      let map = reference.get(id);
      if (map === undefined) reference.set(id, (map = new Map<string, number>()));
      return map;
    };
    const dropIfEmpty = (id: string): void => {
      if (reference.get(id)?.size === 0) reference.delete(id);
    };
    const sortedEntries = (entries: Iterable<[string, number]>): [string, number][] => [...entries].sort(([a], [b]) => a.localeCompare(b));
    for (let i = 0; i < OPERATIONS; i++) {
      const key = pick(KEYS, next);
      const id = refId(key);
      backend.setCurrentKey(key);
      const op = next();
      if (op < 0.35) {
        const [k, v] = [userKey(), i];
        state.put(k, v);
        userMap(id).set(k, v);
      } else if (op < 0.45) {
        const entries: [string, number][] = [
          [userKey(), i],
          [userKey(), -i],
        ];
        state.putAll(entries);
        for (const [k, v] of entries) userMap(id).set(k, v);
      } else if (op < 0.6) {
        const k = userKey();
        state.remove(k);
        reference.get(id)?.delete(k);
        dropIfEmpty(id);
      } else if (op < 0.63) {
        state.clear();
        reference.delete(id);
      } else {
        const k = userKey();
        const expected = reference.get(id);
        assert.equal(state.get(k), expected?.get(k));
        assert.equal(state.contains(k), expected?.has(k) ?? false);
        assert.equal(state.isEmpty(), expected === undefined);
        assert.deepEqual(sortedEntries(state.entries()), sortedEntries(expected ?? []));
        assert.deepEqual(sortedEntries(state), sortedEntries(expected ?? []));
        assert.deepEqual([...state.keys()].sort(), [...(expected?.keys() ?? [])].sort());
        assert.deepEqual([...state.values()].sort(), [...(expected?.values() ?? [])].sort());
      }
    }
    assert.equal(backend.numKeys('pv'), reference.size);
    assert.deepEqual(sortedIds(backend.getKeys('pv')), Array.from(reference.keys()).sort());
  });

  test('reducing state over random adds and clears', () => {
    const backend = createBackend();
    const state = backend.getState(new ReducingStateDescriptor<number>('max', (a, b) => Math.max(a, b)));
    const reference = new Map<string, number>();
    const next = random(4);
    for (let i = 0; i < OPERATIONS; i++) {
      const key = pick(KEYS, next);
      const id = refId(key);
      backend.setCurrentKey(key);
      const op = next();
      if (op < 0.55) {
        const value = Math.floor(next() * 10_000);
        state.add(value);
        const current = reference.get(id);
        reference.set(id, current === undefined ? value : Math.max(current, value));
      } else if (op < 0.62) {
        state.clear();
        reference.delete(id);
      } else {
        assert.equal(state.get(), reference.get(id));
      }
    }
    assert.equal(backend.numKeys('max'), reference.size);
  });

  test('aggregating state over random adds and clears, with an accumulator mutated in place', () => {
    const backend = createBackend();
    const average: AggregateFunction<number, { sum: number; count: number }, number> = {
      createAccumulator: () => ({ sum: 0, count: 0 }),
      add: (value, acc) => {
        acc.sum += value;
        acc.count += 1;
        return acc;
      },
      getResult: (acc) => acc.sum / acc.count,
      merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
    };
    const state = backend.getState(new AggregatingStateDescriptor('average', average));
    const reference = new Map<string, number[]>();
    const next = random(5);
    for (let i = 0; i < OPERATIONS; i++) {
      const key = pick(KEYS, next);
      const id = refId(key);
      backend.setCurrentKey(key);
      const op = next();
      if (op < 0.55) {
        const value = Math.floor(next() * 100);
        state.add(value);
        reference.set(id, [...(reference.get(id) ?? []), value]);
      } else if (op < 0.62) {
        state.clear();
        reference.delete(id);
      } else {
        const values = reference.get(id);
        assert.equal(state.get(), values === undefined ? undefined : values.reduce((a, b) => a + b, 0) / values.length);
      }
    }
    assert.equal(backend.numKeys('average'), reference.size);
  });
});

describe('scoping to the current key', () => {
  test('a value written under one key is invisible under another', () => {
    const backend = createBackend();
    const state = backend.getState(new ValueStateDescriptor<string>('last'));
    const [a, b] = KEYS as [Key, Key];
    backend.setCurrentKey(a);
    state.update('seen a');
    backend.setCurrentKey(b);
    assert.equal(state.value(), undefined);
    state.update('seen b');
    backend.setCurrentKey(a);
    assert.equal(state.value(), 'seen a');
    assert.equal(backend.getCurrentKey(), a);
    assert.equal(backend.getCurrentKeyGroup(), keyGroupOf(a, MAX_PARALLELISM));
  });

  test('states with different names keep separate values for one key', () => {
    const backend = createBackend();
    const first = backend.getState(new ValueStateDescriptor<number>('first'));
    const second = backend.getState(new ValueStateDescriptor<number>('second'));
    backend.setCurrentKey(KEYS[0] as Key);
    first.update(1);
    assert.equal(second.value(), undefined);
    second.clear();
    assert.equal(first.value(), 1);
  });

  test('getState returns the same object for the same name and kind', () => {
    const backend = createBackend();
    assert.equal(backend.getState(new ValueStateDescriptor<number>('count')), backend.getState(new ValueStateDescriptor<number>('count')));
  });

  test('tuple keys equal by value share state and iterate as the original tuple', () => {
    const backend = createBackend();
    const state = backend.getState(new ValueStateDescriptor<number>('count'));
    const tuple = KEYS.find((key) => typeof key === 'object') as readonly (string | number)[];
    backend.setCurrentKey(tuple);
    state.update(7);
    backend.setCurrentKey([...tuple]);
    assert.equal(state.value(), 7);
    assert.deepEqual([...backend.getKeys('count')], [tuple]);
    state.clear();
    assert.deepEqual([...backend.getKeys('count')], []);
  });

  test('a key outside the key-group range throws STATE_ACCESS naming the key, its group and the range', () => {
    const backend = createBackend();
    let i = 0;
    while (ownedBy(RANGE, `stranger-${i}`)) i++;
    const stranger = `stranger-${i}`;
    const group = keyGroupOf(stranger, MAX_PARALLELISM);
    assert.throws(
      () => backend.setCurrentKey(stranger),
      (error: unknown) =>
        error instanceof WeirError &&
        error.code === 'STATE_ACCESS' &&
        error.message.includes(JSON.stringify(stranger)) &&
        error.message.includes(`key group ${group}`) &&
        error.message.includes(RANGE.toString()) &&
        error.message.includes("operator 'count'"),
    );
  });

  test('a rejected key leaves the previous key current', () => {
    const backend = createBackend();
    const state = backend.getState(new ValueStateDescriptor<number>('count'));
    backend.setCurrentKey(KEYS[0] as Key);
    state.update(1);
    let i = 0;
    while (ownedBy(RANGE, i)) i++;
    assert.throws(() => backend.setCurrentKey(i), WeirError);
    assert.equal(backend.getCurrentKey(), KEYS[0]);
    assert.equal(state.value(), 1);
  });

  test('every state kind used without a current key throws STATE_ACCESS with a hint about keyBy', () => {
    const backend = createBackend();
    const value = backend.getState(new ValueStateDescriptor<number>('value'));
    const list = backend.getState(new ListStateDescriptor<number>('list'));
    const map = backend.getState(new MapStateDescriptor<string, number>('map'));
    const reducing = backend.getState(new ReducingStateDescriptor<number>('reducing', (a, b) => a + b));
    const aggregating = backend.getState(
      new AggregatingStateDescriptor<number, number, number>('aggregating', {
        createAccumulator: () => 0,
        add: (v, acc) => acc + v,
        getResult: (acc) => acc,
        merge: (a, b) => a + b,
      }),
    );
    const accesses: [string, () => unknown][] = [
      ['value', () => value.value()],
      ['value', () => value.update(1)],
      ['list', () => list.get()],
      ['list', () => list.add(1)],
      ['map', () => map.get('a')],
      ['map', () => map.put('a', 1)],
      ['reducing', () => reducing.add(1)],
      ['aggregating', () => aggregating.get()],
      ['aggregating', () => aggregating.add(1)],
    ];
    for (const [name, access] of accesses) {
      assert.throws(
        access,
        (error: unknown) =>
          error instanceof WeirError &&
          error.code === 'STATE_ACCESS' &&
          error.message.startsWith(`keyed state '${name}' accessed outside a keyed context`) &&
          (error.hint ?? '').includes('keyBy()'),
      );
    }
  });
});

describe('registration', () => {
  test('registering a name as another kind throws STATE_ACCESS naming the state and both kinds', () => {
    const backend = createBackend();
    backend.getState(new ValueStateDescriptor<number>('count'));
    assert.throws(
      () => backend.getState(new ListStateDescriptor<number>('count')),
      (error: unknown) =>
        error instanceof WeirError && error.code === 'STATE_ACCESS' && /state 'count' .* already registered as value state .* list state/.test(error.message),
    );
  });

  test('a state registered per namespace cannot also be requested without one, nor the other way round', () => {
    const backend = createBackend();
    backend.getPartitionedState(new ValueStateDescriptor<number>('window'), { start: 0, end: 10 });
    assert.throws(() => backend.getState(new ValueStateDescriptor<number>('window')), /registered per namespace/);
    backend.getState(new ValueStateDescriptor<number>('global'));
    assert.throws(() => backend.getPartitionedState(new ValueStateDescriptor<number>('global'), 'w'), /registered without namespaces/);
  });

  test('a state without namespaces cannot be visited under a namespace', () => {
    const backend = createBackend();
    const descriptor = new ValueStateDescriptor<number>('plain');
    backend.getState(descriptor);
    assert.throws(
      () => backend.applyToAllKeys(descriptor, () => {}, 'w'),
      (error: unknown) => error instanceof WeirError && error.code === 'STATE_ACCESS' && error.message.includes('registered without namespaces'),
    );
  });

  test('descriptors without a name or with a malformed function are rejected', () => {
    assert.throws(() => new ValueStateDescriptor<number>(''), WeirError);
    assert.throws(() => new ReducingStateDescriptor<number>('r', undefined as unknown as (a: number, b: number) => number), WeirError);
    assert.throws(
      () => new AggregatingStateDescriptor('a', { createAccumulator: () => 0 } as unknown as AggregateFunction<number, number, number>),
      /missing add, getResult, merge/,
    );
  });

  test('a list rejects undefined elements and reads as empty when a key has none', () => {
    const backend = createBackend();
    const list = backend.getState(new ListStateDescriptor<number | undefined>('list'));
    backend.setCurrentKey(KEYS[0] as Key);
    assert.deepEqual([...list.get()], []);
    assert.throws(() => list.add(undefined), /cannot add undefined to list state 'list'/);
    assert.throws(() => list.addAll([1, undefined]), /cannot add undefined/);
    assert.deepEqual([...list.get()], []);
  });

  test('lists passed to addAll and update are copied, not kept', () => {
    const backend = createBackend();
    const list = backend.getState(new ListStateDescriptor<number>('list'));
    backend.setCurrentKey(KEYS[0] as Key);
    const mine = [1, 2];
    list.update(mine);
    mine.push(3);
    assert.deepEqual([...list.get()], [1, 2]);
  });
});

describe('namespaces', () => {
  const windows = Array.from({ length: 6 }, (_, i) => ({ start: i * 10, end: i * 10 + 10 }));

  test('namespaced value state keeps one value per key and window, windows compared by value', () => {
    const backend = createBackend();
    const descriptor = new ValueStateDescriptor<number>('window-count');
    const state = backend.getPartitionedState(descriptor, windows[0]);
    const reference = new Map<string, number>();
    const next = random(6);
    const keys = KEYS.slice(0, 100);
    for (let i = 0; i < OPERATIONS; i++) {
      const key = pick(keys, next);
      const window = pick(windows, next);
      const id = `${refId(key)}|${window.start}`;
      backend.setCurrentKey(key);
      // a fresh object per record, as a window assigner produces
      state.setCurrentNamespace({ end: window.end, start: window.start });
      const op = next();
      if (op < 0.5) {
        state.update((state.value() ?? 0) + 1);
        reference.set(id, (reference.get(id) ?? 0) + 1);
      } else if (op < 0.6) {
        state.clear();
        reference.delete(id);
      } else {
        assert.equal(state.value(), reference.get(id));
      }
    }
    const keysWithState = new Set(Array.from(reference.keys(), (id) => id.slice(0, id.lastIndexOf('|'))));
    assert.equal(backend.numKeys('window-count'), keysWithState.size);
    assert.deepEqual(sortedIds(backend.getKeys('window-count')), [...keysWithState].sort());
    for (const window of windows) {
      const expected = Array.from(reference.keys())
        .filter((id) => id.endsWith(`|${window.start}`))
        .map((id) => id.slice(0, id.lastIndexOf('|')))
        .sort();
      assert.deepEqual(sortedIds(backend.getKeys('window-count', { ...window })), expected);
    }
    const pairs = Array.from(backend.getKeysAndNamespaces('window-count'), ([key, namespace]) => `${refId(key)}|${(namespace as { start: number }).start}`);
    assert.deepEqual(pairs.sort(), Array.from(reference.keys()).sort());
  });

  test('getPartitionedState sets the namespace on the one shared state object', () => {
    const backend = createBackend();
    const descriptor = new ListStateDescriptor<string>('contents');
    const first = backend.getPartitionedState(descriptor, 'w1');
    backend.setCurrentKey(KEYS[0] as Key);
    first.add('a');
    const second = backend.getPartitionedState(descriptor, 'w2');
    assert.equal(first, second);
    assert.equal(second.getCurrentNamespace(), 'w2');
    assert.deepEqual([...second.get()], []);
    second.setCurrentNamespace('w1');
    assert.deepEqual([...second.get()], ['a']);
  });

  test('mergeNamespaces combines list, reducing and aggregating state like a reference fold', () => {
    const backend = createBackend();
    const list = backend.getPartitionedState(new ListStateDescriptor<number>('list'), windows[0]);
    const sum = backend.getPartitionedState(new ReducingStateDescriptor<number>('sum', (a, b) => a + b), windows[0]);
    const count = backend.getPartitionedState(
      new AggregatingStateDescriptor<number, { n: number }, number>('count', {
        createAccumulator: () => ({ n: 0 }),
        add: (_value, acc) => ({ n: acc.n + 1 }),
        getResult: (acc) => acc.n,
        merge: (a, b) => ({ n: a.n + b.n }),
      }),
      windows[0],
    );
    const next = random(7);
    const reference = new Map<string, number[]>();
    const key = KEYS[3] as Key;
    backend.setCurrentKey(key);
    for (let i = 0; i < 200; i++) {
      const window = pick(windows.slice(0, 5), next);
      for (const state of [list, sum, count]) state.setCurrentNamespace(window);
      list.add(i);
      sum.add(i);
      count.add(i);
      reference.set(JSON.stringify(window), [...(reference.get(JSON.stringify(window)) ?? []), i]);
    }
    const target = windows[5] as { start: number; end: number };
    const sources = windows.slice(1, 4);
    for (const state of [list, sum, count]) {
      state.setCurrentNamespace(windows[0]);
      state.mergeNamespaces(target, sources);
      assert.deepEqual(state.getCurrentNamespace(), windows[0], 'the current namespace is restored');
    }
    const merged = sources.flatMap((window) => reference.get(JSON.stringify(window)) ?? []);
    for (const state of [list, sum, count]) state.setCurrentNamespace(target);
    assert.deepEqual([...list.get()], merged);
    assert.equal(sum.get(), merged.reduce((a, b) => a + b, 0));
    assert.equal(count.get(), merged.length);
    for (const source of sources) {
      for (const state of [list, sum, count]) state.setCurrentNamespace(source);
      assert.deepEqual([...list.get()], []);
      assert.equal(sum.get(), undefined);
      assert.equal(count.get(), undefined);
    }
    for (const state of [list, sum, count]) state.setCurrentNamespace(windows[0]);
    assert.deepEqual([...list.get()], reference.get(JSON.stringify(windows[0])) ?? []);
  });

  test('mergeNamespaces on a state without namespaces throws STATE_ACCESS', () => {
    const backend = createBackend();
    // operators reach the runtime side of a state through its Internal* type
    const list = backend.getState(new ListStateDescriptor<number>('list')) as InternalListState<number>;
    backend.setCurrentKey(KEYS[0] as Key);
    assert.throws(() => list.mergeNamespaces('a', ['b']), (error: unknown) => error instanceof WeirError && error.code === 'STATE_ACCESS');
  });
});

describe('iteration and lifecycle', () => {
  test('applyToAllKeys visits every key with state, with that key current, and restores the previous key', () => {
    const backend = createBackend();
    const descriptor = new ValueStateDescriptor<number>('count');
    const state = backend.getState(descriptor);
    const keys = KEYS.slice(0, 50);
    keys.forEach((key, i) => {
      backend.setCurrentKey(key);
      state.update(i);
    });
    const last = backend.getCurrentKey();
    const seen: string[] = [];
    backend.applyToAllKeys(descriptor, (key, visited) => {
      assert.equal(backend.getCurrentKey(), key);
      seen.push(refId(key));
      // clearing while visiting is allowed: keys were collected first
      if ((visited.value() ?? 0) % 2 === 0) visited.clear();
    });
    assert.deepEqual(seen.sort(), sortedIds(keys));
    assert.equal(backend.getCurrentKey(), last);
    const odd = keys.filter((_key, i) => i % 2 === 1);
    assert.deepEqual(sortedIds(backend.getKeys('count')), sortedIds(odd));
  });

  test('applyToAllKeys on a namespaced state visits only the keys with a value in that namespace, scoped to it', () => {
    const backend = createBackend();
    const descriptor = new ValueStateDescriptor<string>('per-window');
    const state = backend.getPartitionedState(descriptor, VOID_NAMESPACE);
    const keys = KEYS.slice(0, 40);
    keys.forEach((key, i) => {
      backend.setCurrentKey(key);
      state.setCurrentNamespace(i % 3 === 0 ? 'w0' : 'w1');
      state.update(`${i}`);
    });
    const visited: string[] = [];
    backend.applyToAllKeys(descriptor, (key, scoped) => visited.push(`${refId(key)}=${scoped.value() ?? 'none'}`), 'w0');
    const expected = keys.flatMap((key, i) => (i % 3 === 0 ? [`${refId(key)}=${i}`] : []));
    assert.deepEqual(visited.sort(), expected.sort());
  });

  test('numKeys and getKeys of an unknown state name throw STATE_ACCESS listing the registered states', () => {
    const backend = createBackend();
    backend.getState(new ValueStateDescriptor<number>('count'));
    assert.throws(() => backend.numKeys('cuont'), /no state named 'cuont'/);
    assert.throws(() => backend.getKeys('cuont'), (error: unknown) => error instanceof WeirError && (error.hint ?? '').includes("'count'"));
  });

  test('after dispose every access throws STATE_ACCESS', () => {
    const backend = createBackend();
    const state = backend.getState(new ValueStateDescriptor<number>('count'));
    backend.setCurrentKey(KEYS[0] as Key);
    state.update(1);
    backend.dispose();
    assert.throws(() => state.value(), /disposed/);
    backend.setCurrentKey(KEYS[0] as Key);
    assert.throws(() => state.update(2), /disposed/);
    assert.throws(() => backend.getState(new ValueStateDescriptor<number>('count')), /disposed/);
  });
});
