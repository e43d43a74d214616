/**
 * @module Tests of key groups: ranges partition the groups among subtasks, the owner of a group agrees
 * with the ranges, the key hash treats equal keys alike and spreads keys evenly, and invalid keys are
 * described.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from './errors.ts';
import { KeyGroupRange, checkKey, denormalizeKey, hashKey, keyGroupOf, keyGroupRangeForSubtask, normalizeKey, requireKey, subtaskForKeyGroup } from './key-groups.ts';
import type { Key } from './key-groups.ts';

/** (maxParallelism, parallelism) pairs: small, prime, equal, Flink's defaults and the upper bound. */
function parallelismPairs(): [number, number][] {
  const pairs: [number, number][] = [];
  for (const maxParallelism of [1, 2, 3, 7, 10, 128, 129, 1000]) {
    for (let parallelism = 1; parallelism <= Math.min(maxParallelism, 40); parallelism++) pairs.push([maxParallelism, parallelism]);
    pairs.push([maxParallelism, maxParallelism]);
  }
  for (const parallelism of [1, 3, 100, 1000, 32767, 32768]) pairs.push([32768, parallelism]);
  return pairs;
}

test('the subtask ranges cover every key group exactly once, contiguous and in subtask order', () => {
  for (const [maxParallelism, parallelism] of parallelismPairs()) {
    const where = `maxParallelism ${maxParallelism}, parallelism ${parallelism}`;
    let next = 0;
    for (let index = 0; index < parallelism; index++) {
      const range = keyGroupRangeForSubtask(maxParallelism, parallelism, index);
      assert.equal(range.start, next, `${where}: subtask ${index} starts where subtask ${index - 1} ended`);
      assert.ok(range.size >= 1, `${where}: subtask ${index} owns at least one group`);
      next = range.end + 1;
    }
    assert.equal(next, maxParallelism, `${where}: the last range ends at the last group`);
  }
});

test('the subtask ranges follow the documented formula and differ in size by at most one', () => {
  for (const [maxParallelism, parallelism] of parallelismPairs()) {
    const sizes: number[] = [];
    for (let index = 0; index < parallelism; index++) {
      const range = keyGroupRangeForSubtask(maxParallelism, parallelism, index);
      // docs/concepts.md: from ceil(i * maxParallelism / p) to ceil((i + 1) * maxParallelism / p) - 1
      assert.equal(range.start, Math.ceil((index * maxParallelism) / parallelism));
      assert.equal(range.end, Math.ceil(((index + 1) * maxParallelism) / parallelism) - 1);
      sizes.push(range.size);
    }
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `maxParallelism ${maxParallelism}, parallelism ${parallelism}: sizes ${sizes.join(',')}`);
  }
});

test('subtaskForKeyGroup names the subtask whose range contains the group', () => {
  for (const [maxParallelism, parallelism] of parallelismPairs()) {
    if (maxParallelism * parallelism > 2_000_000) continue; // the largest pairs would take seconds; 32768 x 100 still runs
    const owner = new Array<number>(maxParallelism);
    for (let index = 0; index < parallelism; index++) {
      const range = keyGroupRangeForSubtask(maxParallelism, parallelism, index);
      for (let group = range.start; group <= range.end; group++) owner[group] = index;
    }
    for (let group = 0; group < maxParallelism; group++) {
      assert.equal(subtaskForKeyGroup(maxParallelism, parallelism, group), owner[group], `maxParallelism ${maxParallelism}, parallelism ${parallelism}, group ${group}`);
    }
  }
});

test('KeyGroupRange reports its size, membership and an empty range', () => {
  const range = new KeyGroupRange(4, 7);
  assert.equal(range.size, 4);
  assert.deepEqual([3, 4, 7, 8].map((g) => range.contains(g)), [false, true, true, false]);
  assert.equal(range.toString(), '[4..7]');
  const empty = new KeyGroupRange(5, 4);
  assert.equal(empty.size, 0);
  assert.equal(empty.contains(4) || empty.contains(5), false);
  assert.equal(empty.toString(), '[]');
});

test('keys that are equal by value hash equally, tuples built separately included', () => {
  const pairs: [Key, Key][] = [
    ['page-view', ['page', '-view'].join('')],
    ['', String()],
    [42, 84 / 2],
    [2 ** 40, Number('1099511627776')],
    [0.1 + 0.2, 0.30000000000000004],
    [-7, Number('-7')],
    [Infinity, 1 / 0],
    [12345678901234567890n, BigInt('12345678901234567890')],
    [true, !false],
    [['app', 3, 4n, false], ['app', 3, 4n, false]],
    [[], []],
    [[-0], [0]],
  ];
  for (const [a, b] of pairs) {
    assert.equal(normalizeKey(a), normalizeKey(b), `${String(a)} and ${String(b)} normalize alike`);
    assert.equal(hashKey(a), hashKey(b), `${String(a)} and ${String(b)} hash alike`);
  }
});

test('hashKey gives -0 and 0 one hash, as they are one key in a Map and in keyed state', () => {
  assert.ok(normalizeKey(-0) === normalizeKey(0), 'normalizeKey(-0) === normalizeKey(0)');
  assert.equal(new Map<Key, string>([[0, 'state']]).get(-0), 'state', 'state tables see -0 and 0 as one key');
  assert.equal(hashKey(-0), hashKey(0));
  assert.equal(keyGroupOf(-0, 128), keyGroupOf(0, 128));
});

test('keys of different types with the same text hash differently', () => {
  let collisions = 0;
  for (let i = 0; i < 2000; i++) {
    const variants = [hashKey(i), hashKey(String(i)), hashKey(BigInt(i)), hashKey([i]), hashKey([String(i)])];
    collisions += variants.length - new Set(variants).size;
  }
  assert.equal(collisions, 0);
  const booleans = [hashKey(true), hashKey('true'), hashKey(1), hashKey(false), hashKey('false'), hashKey(0)];
  assert.equal(new Set(booleans).size, booleans.length);
});

test('tuples that differ in element boundaries or types are different keys', () => {
  const keys: Key[] = [['ab', 'c'], ['a', 'bc'], ['abc'], ['a,b'], ['a', 'b'], ['1'], [1], [1n], [true], ['true']];
  const normalized = keys.map((k) => normalizeKey(k));
  assert.equal(new Set(normalized).size, keys.length, JSON.stringify(normalized));
  const hashes = keys.map((k) => hashKey(k));
  assert.equal(new Set(hashes).size, keys.length);
});

/** Pearson's chi-square statistic of `counts` against a uniform expectation. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

test('100k keys spread over 128 key groups within a chi-square bound', () => {
  // 127 degrees of freedom: mean 127, standard deviation sqrt(254) ~ 16; 127 + 6 sd is far beyond chance
  const bound = 127 + 6 * Math.sqrt(2 * 127);
  const families: [string, (i: number) => Key][] = [
    ['strings', (i) => `user-${i}`],
    ['short strings', (i) => i.toString(36)],
    ['sequential integers', (i) => i],
    ['fractions', (i) => i / 8],
    ['tuples', (i) => ['app', i % 1000, Math.floor(i / 1000)]],
  ];
  for (const [family, key] of families) {
    const counts = new Array<number>(128).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const group = keyGroupOf(key(i), 128);
      counts[group] = (counts[group] ?? 0) + 1;
    }
    const statistic = chiSquare(counts);
    assert.ok(statistic < bound, `${family}: chi-square ${statistic.toFixed(1)} is above ${bound.toFixed(1)}`);
  }
});

test('keyGroupOf is within [0, maxParallelism) and is the hash modulo maxParallelism', () => {
  for (const maxParallelism of [1, 2, 7, 128, 1000, 32768]) {
    for (const key of ['a', 'b', 17, -3, 2.5, 10n, true, ['x', 1]] as Key[]) {
      const group = keyGroupOf(key, maxParallelism);
      assert.ok(Number.isInteger(group) && group >= 0 && group < maxParallelism, `${String(key)} in ${maxParallelism} -> ${group}`);
      assert.equal(group, (hashKey(key) >>> 0) % maxParallelism);
    }
  }
});

test('checkKey accepts strings, numbers, bigints, booleans and tuples of those', () => {
  for (const key of ['', 'x', 0, -0, -1.5, Infinity, 10n, true, false, [], ['a', 1, 2n, true]]) {
    assert.equal(checkKey(key), undefined, `${String(key)} is a valid key`);
  }
});

test('checkKey describes what is wrong with an invalid key', () => {
  class Order {}
  const cases: [unknown, string][] = [
    [undefined, 'the key is undefined'],
    [null, 'the key is null'],
    [Number.NaN, 'NaN is not a valid key'],
    [{ id: 1 }, 'the key is an object (Object)'],
    [new Order(), 'the key is an object (Order)'],
    [new Date(0), 'the key is an object (Date)'],
    [Object.create(null), 'the key is an object (object)'],
    [() => 'k', 'the key is a function'],
    [Symbol('k'), 'the key is a symbol'],
    [['a', null], 'found null'],
    [['a', { id: 1 }], 'found Object'],
    [['a', undefined], 'found undefined'],
    [[['nested']], 'found Array'],
  ];
  for (const [index, [key, fragment]] of cases.entries()) {
    const message = checkKey(key);
    assert.ok(message?.includes(fragment), `case ${index}: checkKey gave ${String(message)}; expected it to contain "${fragment}"`);
  }
  assert.ok(checkKey({})?.includes('return a string, number, bigint, boolean or an array of those'), 'an object key says what to return instead');
});

test('requireKey returns a valid key and throws INVALID_KEY naming where the key came from', () => {
  assert.deepEqual(requireKey(['a', 1], "operator 'count'"), ['a', 1]);
  assert.throws(
    () => requireKey(undefined, "operator 'count' (uid c)"),
    (error: unknown) =>
      error instanceof WeirError &&
      error.code === 'INVALID_KEY' &&
      error.message === "key selector of operator 'count' (uid c) returned an invalid key: the key is undefined" &&
      error.hint !== undefined,
  );
});

test('denormalizeKey gives back the tuple a normalized form was made of, and every other key as it is', () => {
  const tuples: Key[] = [
    [],
    ['a'],
    [1, 2],
    ['with, comma', 'with "quotes"', 'back\\slash\\', 'ends with \\"', '\u0000[nested,', 'ünïcödé 🎉', ''],
    [-7.25, 1e21, 1e-7, Infinity, -Infinity, 2 ** 53 + 2, Number.MIN_VALUE],
    [12345678901234567890n, -5n, 0n],
    [true, false, 'true', 'false', '1n', '12'],
    [3, 'n', '3n', 3n],
  ];
  for (const tuple of tuples) {
    const back = denormalizeKey(normalizeKey(tuple));
    assert.deepEqual(back, tuple, JSON.stringify(String(tuple)));
    assert.equal(normalizeKey(back), normalizeKey(tuple));
  }
  assert.deepEqual(denormalizeKey(normalizeKey([-0])), [0]);
  for (const primitive of ['plain', '', 42, -0, 7n, true, '\u0000[not a tuple', '\u0000["open', '\u0000[,', '\u0000[x,']) {
    assert.equal(denormalizeKey(normalizeKey(primitive as Key)), primitive);
  }
});
