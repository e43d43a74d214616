/** @module Tests for rebuilding serializers from stored descriptions and for compatibility checks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { DataInput } from './data-input.ts';
import { DataOutput } from './data-output.ts';
import { checkCompatibility, serializerFromDescription } from './serializer-from-description.ts';
import type { TypeDescription, TypeSerializer } from './type-serializer.ts';
import { Types } from './types.ts';

/** What a snapshot stores and a restore reads: the description as JSON text. */
const throughJson = (description: TypeDescription): TypeDescription => JSON.parse(JSON.stringify(description)) as TypeDescription;

function encode<T>(serializer: TypeSerializer<T>, values: readonly T[]): Uint8Array {
  const out = new DataOutput();
  for (const value of values) serializer.write(value, out);
  return out.toUint8Array();
}

function decodeAll(serializer: TypeSerializer<unknown>, bytes: Uint8Array): unknown[] {
  const input = new DataInput(bytes);
  const values: unknown[] = [];
  while (input.remaining > 0) values.push(serializer.read(input));
  return values;
}

const Order = Types.object({
  id: Types.bigint,
  '1': Types.int,
  customer: Types.object({ name: Types.string, vip: Types.boolean }),
  lines: Types.array(Types.tuple(Types.string, Types.number)),
  note: Types.optional(Types.string),
  totals: Types.map(Types.string, Types.number),
  meta: Types.generic(),
});

const orders = [
  {
    id: 1n,
    '1': 7,
    customer: { name: 'Ada', vip: true },
    lines: [['apple', 0.5] as [string, number]],
    note: 'leave at door',
    totals: new Map([['EUR', 1.5]]),
    meta: { source: 'web', tags: new Set(['a']) },
  },
  { id: -(2n ** 90n), '1': -1, customer: { name: 'Bob', vip: false }, lines: [], note: undefined, totals: new Map(), meta: undefined },
];

test('a serializer rebuilt from a stored description reads what the original wrote', () => {
  const rebuilt = serializerFromDescription(throughJson(Order.describe()));
  assert.deepEqual(decodeAll(rebuilt, encode(Order, orders)), orders);
});

test('a rebuilt serializer describes itself exactly as the original', () => {
  for (const serializer of [Order, Types.string, Types.optional(Types.array(Types.int)), Types.tuple(), Types.object({})] as TypeSerializer<unknown>[]) {
    const description = serializer.describe();
    assert.deepEqual(serializerFromDescription(throughJson(description)).describe(), description);
  }
});

test('a description that is not understood fails with SERIALIZATION_FAILED naming where', () => {
  const cases: [unknown, string][] = [
    [{ type: 'decimal' }, "unknown type 'decimal'"],
    [null, 'expected an object with a string "type"'],
    [{ type: 'object', fields: { a: { type: 'array', of: { type: 'float' } } } }, "at 'a[]': unknown type 'float'"],
    [{ type: 'tuple' }, 'needs an "items" array'],
    [{ type: 'object', fields: [] }, 'needs a "fields" object'],
    [JSON.parse('{"type": "object", "fields": {"__proto__": {"type": "string"}}}'), "'__proto__' is not a valid field name"],
  ];
  for (const [description, fragment] of cases) {
    assert.throws(
      () => serializerFromDescription(description as TypeDescription),
      (error: unknown) => error instanceof WeirError && error.code === 'SERIALIZATION_FAILED' && error.message.includes(fragment),
      fragment,
    );
  }
});

test('identical types are compatible', () => {
  assert.deepEqual(checkCompatibility(throughJson(Order.describe()), Order.describe()), { kind: 'compatible' });
});

test("changing a nested field's type is incompatible and names the field path", () => {
  const stored = Types.object({ user: Types.object({ name: Types.string, age: Types.string }) }).describe();
  const current = Types.object({ user: Types.object({ name: Types.string, age: Types.number }) }).describe();
  assert.deepEqual(checkCompatibility(stored, current), { kind: 'incompatible', reason: "field 'user.age' changed from string to number" });
});

test('a type change inside arrays, maps and tuples names the position', () => {
  const cases: [TypeSerializer<unknown>, TypeSerializer<unknown>, string][] = [
    [Types.object({ tags: Types.array(Types.string) }), Types.object({ tags: Types.array(Types.int) }), "field 'tags[]' changed from string to int"],
    [Types.map(Types.string, Types.int), Types.map(Types.string, Types.boolean), "field '{value}' changed from int to boolean"],
    [Types.map(Types.string, Types.int), Types.map(Types.int, Types.int), "field '{key}' changed from string to int"],
    [Types.tuple(Types.string, Types.int), Types.tuple(Types.string, Types.string), "field '[1]' changed from int to string"],
    [Types.tuple(Types.string), Types.tuple(Types.string, Types.int), 'the type changed from tuple<string> to tuple<string, int>'],
    [Types.string, Types.number, 'the type changed from string to number'],
    [Types.generic(), Types.string, 'the type changed from generic to string'],
  ];
  for (const [stored, current, reason] of cases) {
    assert.deepEqual(checkCompatibility(stored.describe(), current.describe()), { kind: 'incompatible', reason });
  }
});

test('adding an optional field or removing a field is a migration that lists each change', () => {
  const stored = Types.object({ id: Types.string, legacy: Types.int, address: Types.object({ city: Types.string }) }).describe();
  const current = Types.object({ id: Types.string, address: Types.object({ city: Types.string, zip: Types.optional(Types.string) }), extra: Types.generic() }).describe();
  assert.deepEqual(checkCompatibility(stored, current), {
    kind: 'compatible-after-migration',
    changes: ["field 'legacy' removed", "field 'address.zip' added", "field 'extra' added"],
  });
});

test('adding a required field is a migration: restored values get the type default', () => {
  const result = checkCompatibility(Types.object({ id: Types.string }).describe(), Types.object({ id: Types.string, age: Types.int, tags: Types.array(Types.string) }).describe());
  assert.deepEqual(result, { kind: 'compatible-after-migration', changes: ["field 'age' added (restored values get 0)", "field 'tags' added (restored values get [])"] });
});

test('reordering fields is a migration, because the binary layout follows field order', () => {
  const result = checkCompatibility(Types.object({ a: Types.int, b: Types.string }).describe(), Types.object({ b: Types.string, a: Types.int }).describe());
  assert.deepEqual(result, { kind: 'compatible-after-migration', changes: ['fields of the object reordered'] });
});

test('widening int to number, making a type optional and changing it to generic are migrations', () => {
  const cases: [TypeSerializer<unknown>, TypeSerializer<unknown>, string][] = [
    [Types.object({ n: Types.int }), Types.object({ n: Types.number }), "field 'n' widened from int to number"],
    [Types.object({ s: Types.string }), Types.object({ s: Types.optional(Types.string) }), "field 's' became optional"],
    [Types.array(Types.int), Types.array(Types.optional(Types.number)), "field '[]' widened from int to number"],
    [Types.object({ m: Types.map(Types.string, Types.int) }), Types.object({ m: Types.generic() }), "field 'm' changed from map<string, int> to generic"],
  ];
  for (const [stored, current, change] of cases) {
    const result = checkCompatibility(stored.describe(), current.describe());
    assert.equal(result.kind, 'compatible-after-migration');
    assert.ok(result.kind === 'compatible-after-migration' && result.changes.includes(change), `${JSON.stringify(result)} should include ${change}`);
  }
});

test('narrowing number to int or optional to required is incompatible', () => {
  assert.equal(checkCompatibility(Types.number.describe(), Types.int.describe()).kind, 'incompatible');
  assert.deepEqual(checkCompatibility(Types.object({ s: Types.optional(Types.string) }).describe(), Types.object({ s: Types.string }).describe()), {
    kind: 'incompatible',
    reason: "field 's' changed from optional<string> to string",
  });
});

test('a migration reads with the stored description and writes with the current serializer', () => {
  const Before = Types.object({ id: Types.string, count: Types.int, legacy: Types.boolean });
  const After = Types.object({ count: Types.number, id: Types.string, comment: Types.optional(Types.string) });
  const before = [
    { id: 'a', count: 1, legacy: true },
    { id: 'b', count: -5, legacy: false },
  ];
  const stored = throughJson(Before.describe());
  assert.equal(checkCompatibility(stored, After.describe()).kind, 'compatible-after-migration');
  const migrated = decodeAll(serializerFromDescription(stored), encode(Before, before)) as { id: string; count: number }[];
  const after = decodeAll(After, encode(After, migrated));
  assert.deepEqual(
    after,
    before.map(({ id, count }) => ({ count, id, comment: undefined })),
  );
});
