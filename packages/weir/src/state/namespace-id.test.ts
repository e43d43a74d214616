/**
 * @module Tests of namespace identity: equal content means one namespace, different types never do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { VOID_NAMESPACE, VOID_NAMESPACE_ID, namespaceId } from './namespace-id.ts';

class TimeWindow {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}
}

test('the void namespace has the empty id and no other namespace does', () => {
  assert.equal(namespaceId(VOID_NAMESPACE), VOID_NAMESPACE_ID);
  for (const other of ['', 0, false, null, [], {}]) assert.notEqual(namespaceId(other), VOID_NAMESPACE_ID);
});

test('objects with the same fields are one namespace whatever their field order or prototype', () => {
  const plain = { start: 0, end: 10 };
  const reordered = { end: 10, start: 0 };
  const instance = new TimeWindow(0, 10);
  assert.equal(namespaceId(plain), namespaceId(reordered));
  assert.equal(namespaceId(plain), namespaceId(instance));
  assert.notEqual(namespaceId(plain), namespaceId({ start: 0, end: 11 }));
});

test('objects with many fields are one namespace whatever their field order', () => {
  const names = Array.from({ length: 12 }, (_, i) => `field${i}`);
  const forward = Object.fromEntries(names.map((name, i) => [name, i]));
  const backward = Object.fromEntries([...names].reverse().map((name) => [name, forward[name]]));
  assert.equal(namespaceId(forward), namespaceId(backward));
  assert.notEqual(namespaceId(forward), namespaceId({ ...forward, field11: -1 }));
});

test('values of different types are different namespaces', () => {
  const values: unknown[] = ['1', 1, 1n, true, 'true', null, 'null', [1], ['1'], { a: 1 }, { a: '1' }, [], {}, '', 'a,b', ['a', 'b']];
  const ids = values.map((value) => namespaceId(value));
  assert.equal(new Set(ids).size, values.length, ids.join(' | '));
});

test('zero and negative zero are one namespace', () => {
  assert.equal(namespaceId(-0), namespaceId(0));
});

test('undefined, functions, symbols, dates, maps and cyclic objects are rejected with STATE_ACCESS', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const bad of [undefined, () => 1, Symbol('s'), new Date(0), new Map(), new Set(), cyclic]) {
    assert.throws(
      () => namespaceId(bad),
      (error: unknown) => error instanceof WeirError && error.code === 'STATE_ACCESS' && error.message.includes('as a state namespace'),
    );
  }
});

/** The canonical encoding, written independently: sorted field names, JSON strings, numbers in decimal (-0 as 0). */
function canonical(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.keys(value).sort();
    return `{${fields.map((name) => `${JSON.stringify(name)}:${canonical((value as Record<string, unknown>)[name])}`).join(',')}}`;
  }
  return String(value);
}

test('time windows, plain or class instances, have exactly the canonical id, for epoch times, negative, fractional and special numbers', () => {
  let state = 7;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state;
  };
  const specials = [0, -0, -1, 0.5, -1.25, 1e21, Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const values: number[] = [...specials];
  for (let i = 0; i < 2000; i++) values.push(1_704_067_200_000 + (next() % 100_000) * 1000, -(next() % 1_000_000), next() / 7);
  for (let i = 0; i + 1 < values.length; i++) {
    const start = values[i] as number;
    const end = values[i + 1] as number;
    const expected = canonical({ end, start });
    assert.equal(namespaceId({ start, end }), expected);
    assert.equal(namespaceId({ end, start }), expected);
    assert.equal(namespaceId(new TimeWindow(start, end)), expected);
  }
  // objects that only look like windows take the general encoding, with the same canonical result
  for (const lookalike of [{ start: 'a', end: 1 }, { start: 1, end: 2, extra: 3 }, { start: 1, stop: 2 }, { end: [1], start: 0 }, { start: 1n, end: 2 }]) {
    assert.equal(namespaceId(lookalike), lookalike.start === 1n ? '{"end":2,"start":1n}' : canonical(lookalike));
  }
});

test('number ids are their decimal strings, also for more distinct numbers than the id cache holds', () => {
  for (let i = 0; i < 10_000; i++) {
    const value = 1_704_067_200_000 + i * 2_000 + (i % 3 === 0 ? 0.5 : 0);
    assert.equal(namespaceId(value), String(value));
    assert.equal(namespaceId(-value), String(-value));
  }
  assert.equal(namespaceId(Number.NaN), 'NaN');
  assert.equal(namespaceId(2 ** 31), '2147483648');
});
