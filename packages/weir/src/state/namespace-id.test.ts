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
