/** @module Tests for Types.generic(), with structuredClone as the reference. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { DataInput } from './data-input.ts';
import { DataOutput } from './data-output.ts';
import { Types } from './types.ts';

const generic = Types.generic();

function roundTrip(value: unknown): unknown {
  const out = new DataOutput(16);
  generic.write(value, out);
  const input = new DataInput(out.toUint8Array());
  const result = generic.read(input);
  assert.equal(input.remaining, 0, 'read consumes exactly what write produced');
  return result;
}

/** structuredClone is the reference: Types.generic() promises its semantics. */
function assertLikeStructuredClone(value: unknown): void {
  assert.deepStrictEqual(roundTrip(value), structuredClone(value));
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

test('numbers of every kind round-trip exactly, including -0 and NaN', () => {
  const values = [0, -0, 1, 127, 128, 2 ** 32 - 1, 2 ** 32, -1, -(2 ** 31), -(2 ** 31) - 1, 0.5, -2.25, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, 1.7e12 + 1];
  for (const value of values) assert.ok(Object.is(roundTrip(value), value), String(value));
});

test('primitives round-trip', () => {
  for (const value of [undefined, null, true, false, '', 'text', 'ünï 😀', 'x'.repeat(10000), 0n, -(2n ** 100n), 2n ** 63n]) {
    assert.equal(roundTrip(value), value);
  }
});

test('nested plain objects and arrays round-trip', () => {
  assertLikeStructuredClone({ a: 1, b: [1, 'two', { three: [3] }], c: { d: { e: { f: null } } }, g: undefined, h: [] });
  assertLikeStructuredClone([[[]], [{}], [1, [2, [3, [4]]]]]);
  assertLikeStructuredClone({});
});

test('Map, Set and Date round-trip with their contents', () => {
  assertLikeStructuredClone(
    new Map<unknown, unknown>([
      ['k', new Set([1, 'a', 2n])],
      [{ composite: true }, new Date(1700000000000)],
      [3, new Map([[null, undefined]])],
    ]),
  );
  // assert.deepStrictEqual never considers two invalid dates equal (NaN !== NaN), so check it directly.
  const invalid = roundTrip(new Date(Number.NaN));
  assert.ok(invalid instanceof Date && Number.isNaN(invalid.getTime()));
  assertLikeStructuredClone({ when: new Date(-1), tags: new Set<string>() });
});

test('typed arrays, RegExp, errors and boxed values go through v8 serialization', () => {
  assertLikeStructuredClone({ bytes: Uint8Array.of(1, 2, 3), floats: new Float64Array([1.5, -0]), pattern: /a+b/giu, boxed: Object(5) as unknown });
  const error = roundTrip(new RangeError('out of range'));
  assert.ok(error instanceof RangeError);
  assert.equal(error.message, 'out of range');
});

test('class instances come back as plain objects with their own properties', () => {
  const result = roundTrip({ at: new Point(3, 4) });
  assert.deepStrictEqual(result, structuredClone({ at: new Point(3, 4) }));
  assert.equal(Object.getPrototypeOf((result as { at: object }).at), Object.prototype);
});

test('an object with no prototype comes back as a plain object', () => {
  const bare = Object.assign(Object.create(null) as object, { a: 1 });
  assertLikeStructuredClone(bare);
});

test('an own __proto__ property stays a property and does not change the prototype', () => {
  const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  const result = roundTrip(value) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(result), Object.prototype);
  assert.ok(Object.hasOwn(result, '__proto__'));
  assert.deepEqual(Object.getOwnPropertyDescriptor(result, '__proto__')?.value, { polluted: true });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('cyclic values round-trip with their cycles', () => {
  const node: { name: string; self?: unknown; children: unknown[] } = { name: 'root', children: [] };
  node.self = node;
  node.children.push({ parent: node });
  const result = roundTrip(node) as typeof node;
  assert.equal(result.self, result);
  assert.equal((result.children[0] as { parent: unknown }).parent, result);
  assert.equal(result.name, node.name);
});

test('values nested deeper than the JavaScript encoder goes still round-trip', () => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 500; i++) deep = i % 2 === 0 ? [deep] : { next: deep };
  assert.deepStrictEqual(roundTrip({ wrapped: deep }), { wrapped: deep });
});

test('array holes read back as undefined', () => {
  const sparse: number[] = [];
  sparse[0] = 1;
  sparse[2] = 3;
  assert.deepStrictEqual(roundTrip(sparse), Array.from(sparse));
});

test('symbol keys are skipped, as structuredClone skips them', () => {
  assertLikeStructuredClone({ visible: 1, [Symbol('hidden')]: 2 });
});

test('functions and symbols fail with SERIALIZATION_FAILED naming where they are', () => {
  const out = new DataOutput();
  assert.throws(
    () => generic.write({ handlers: [1, { onClick: function onClick() {} }] }, out),
    (error: unknown) =>
      error instanceof WeirError &&
      error.code === 'SERIALIZATION_FAILED' &&
      error.message.includes("field 'handlers[1].onClick'") &&
      error.message.includes('function onClick'),
  );
  assert.throws(() => generic.write(Symbol('s'), out), { code: 'SERIALIZATION_FAILED' });
  // eslint-disable-next-line @typescript-eslint/unbound-method -- the function value itself is the input under test
  assert.throws(() => generic.write(new Point(1, 2).norm, out), { code: 'SERIALIZATION_FAILED' });
});

test('a function inside a value that needs v8 serialization fails with SERIALIZATION_FAILED', () => {
  const withMethod = Object.assign(new Point(1, 2), { callback: () => 1 });
  assert.throws(() => generic.write(withMethod, new DataOutput()), { code: 'SERIALIZATION_FAILED' });
});

test('an unknown tag is reported as corrupt data', () => {
  assert.throws(() => generic.read(new DataInput(Uint8Array.of(200))), /corrupt data at position 0: invalid generic value tag 200/);
});

test('copy gives an equal value that shares no object with the original', () => {
  const value = { list: [1, { deep: true }], map: new Map([['k', { v: 1 }]]), set: new Set([[1]]), when: new Date(5), bytes: Uint8Array.of(1) };
  const copy = generic.copy(value) as typeof value;
  assert.deepStrictEqual(copy, structuredClone(value));
  assert.notEqual(copy.list, value.list);
  assert.notEqual(copy.list[1], value.list[1]);
  assert.notEqual(copy.map.get('k'), value.map.get('k'));
  assert.notEqual(copy.when, value.when);
  assert.notEqual(copy.bytes, value.bytes);
});

test('copy handles cycles and returns primitives as they are', () => {
  const node: { self?: unknown } = {};
  node.self = node;
  const copy = generic.copy(node) as typeof node;
  assert.notEqual(copy, node);
  assert.equal(copy.self, copy);
  assert.equal(generic.copy('s'), 's');
  assert.throws(() => generic.copy(() => 1), { code: 'SERIALIZATION_FAILED' });
});
