/** @module Tests for Types: round trips of every type, error messages, copies and inferred types. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { DataInput } from './data-input.ts';
import { DataOutput } from './data-output.ts';
import type { TypeOf, TypeSerializer } from './type-serializer.ts';
import { Types } from './types.ts';

function roundTrip<T>(serializer: TypeSerializer<T>, value: T): T {
  const out = new DataOutput(16);
  serializer.write(value, out);
  const input = new DataInput(out.toUint8Array());
  const result = serializer.read(input);
  assert.equal(input.remaining, 0, 'read consumes exactly what write produced');
  return result;
}

function assertRoundTrips<T>(serializer: TypeSerializer<T>, values: readonly T[]): void {
  for (const value of values) assert.deepEqual(roundTrip(serializer, value), value);
}

/** Asserts a SERIALIZATION_FAILED error whose message contains every fragment. */
function assertFails(write: () => void, ...fragments: string[]): void {
  assert.throws(write, (error: unknown) => {
    assert.ok(error instanceof WeirError, `expected a WeirError, got ${String(error)}`);
    assert.equal(error.code, 'SERIALIZATION_FAILED');
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should contain "${fragment}"`);
    return true;
  });
}

const sink = new DataOutput();

test('Types.string round-trips empty, ASCII, non-ASCII, emoji and long strings', () => {
  assertRoundTrips(Types.string, ['', 'a', 'hello world', 'ünïcödé', '日本語', '😀🇩🇪👩‍👩‍👧', '\u0000', 'ab'.repeat(5000), 'é'.repeat(3000)]);
  for (let length = 0; length <= 70; length++) assertRoundTrips(Types.string, ['x'.repeat(length), 'ü'.repeat(length), '€'.repeat(length)]);
});

test('Types.string writes a lone surrogate as U+FFFD, as well-formed UTF-8 requires', () => {
  for (const value of ['\ud800', 'a\udc00b', 'x'.repeat(40) + '\ud83d']) {
    assert.equal(roundTrip(Types.string, value), Buffer.from(value, 'utf8').toString('utf8'));
  }
});

test('Types.number round-trips -0, NaN, the infinities and extreme values exactly', () => {
  for (const value of [0, -0, 0.1, -1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2]) {
    assert.ok(Object.is(roundTrip(Types.number, value), value), String(value));
  }
});

test('Types.int round-trips 32-bit integers and reads -0 back as 0', () => {
  assertRoundTrips(Types.int, [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)]);
  assert.ok(Object.is(roundTrip(Types.int, -0), 0));
});

test('Types.int rejects fractions, NaN, out-of-range numbers and non-numbers', () => {
  for (const value of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, -(2 ** 31) - 1]) {
    assertFails(() => Types.int.write(value, sink), 'expected int', `got number ${value}`);
  }
  assertFails(() => Types.int.write('1' as unknown as number, sink), 'expected int', "got string '1'");
});

test('Types.bigint round-trips bigints far outside the 64-bit range', () => {
  assertRoundTrips(Types.bigint, [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n, -(7n ** 500n), 10n ** 1000n]);
});

test('Types.boolean round-trips both values in one byte', () => {
  assertRoundTrips(Types.boolean, [true, false]);
});

test('primitive serializers reject values of another type, naming both', () => {
  assertFails(() => Types.string.write(5 as unknown as string, sink), 'cannot serialize value', 'expected string', 'got number 5');
  assertFails(() => Types.number.write('5' as unknown as number, sink), 'expected number', "got string '5'");
  assertFails(() => Types.bigint.write(5 as unknown as bigint, sink), 'expected bigint', 'got number 5');
  assertFails(() => Types.boolean.write(null as unknown as boolean, sink), 'expected boolean', 'got null');
});

test('Types.optional round-trips undefined, null and present values, keeping null distinct', () => {
  const serializer = Types.optional(Types.string);
  assertRoundTrips(serializer, [undefined, 'text', '']);
  assert.equal(roundTrip(serializer, null as unknown as undefined), null);
  assertRoundTrips(Types.optional(Types.optional(Types.int)), [undefined, 3]);
});

test('Types.optional still checks a present value', () => {
  assertFails(() => Types.optional(Types.int).write(0.5, sink), 'expected int', 'got number 0.5');
});

test('Types.array round-trips empty, long and nested arrays', () => {
  assertRoundTrips(Types.array(Types.number), [[], [1, -0, Number.NaN], Array.from({ length: 1000 }, (_, i) => i / 3)]);
  assertRoundTrips(Types.array(Types.array(Types.string)), [[], [[]], [['a'], ['b', 'c'], []]]);
});

test('Types.array names the index of a bad element', () => {
  assertFails(() => Types.array(Types.string).write(['a', 'b', 3] as unknown as string[], sink), "field '[2]'", 'expected string', 'got number 3');
  assertFails(() => Types.array(Types.string).write('abc' as unknown as string[], sink), 'expected array<string>', "got string 'abc'");
});

test('Types.tuple is typed per position and round-trips', () => {
  const pair: TypeSerializer<[string, number]> = Types.tuple(Types.string, Types.number);
  assertRoundTrips(pair, [
    ['a', 1],
    ['', Number.NaN],
  ]);
  assertRoundTrips(Types.tuple(), [[]]);
  assertRoundTrips(Types.tuple(Types.bigint, Types.optional(Types.boolean), Types.array(Types.int)), [[1n, undefined, [1, 2]]]);
});

test('Types.tuple rejects arrays of another length and names a bad position', () => {
  const pair = Types.tuple(Types.string, Types.number);
  assertFails(() => pair.write(['a'] as unknown as [string, number], sink), 'expected tuple<string, number>', 'got array of length 1');
  assertFails(() => pair.write(['a', 'b'] as unknown as [string, number], sink), "field '[1]'", 'expected number');
});

test('Types.map round-trips entries in insertion order', () => {
  const serializer = Types.map(Types.string, Types.array(Types.int));
  const value = new Map([
    ['zeta', [1]],
    ['alpha', []],
    ['', [3, 4]],
  ]);
  const result = roundTrip(serializer, value);
  assert.deepEqual(result, value);
  assert.deepEqual([...result.keys()], [...value.keys()]);
  assertRoundTrips(Types.map(Types.int, Types.string), [new Map()]);
});

test('Types.map names the key of a bad value, and rejects non-Maps', () => {
  const serializer = Types.map(Types.string, Types.int);
  assertFails(() => serializer.write(new Map([['clicks', 1.5]]), sink), `field '["clicks"]'`, 'expected int');
  assertFails(() => serializer.write(new Map([[7 as unknown as string, 1]]), sink), "field '{key}'", 'expected string', 'got number 7');
  assertFails(() => serializer.write({ clicks: 1 } as unknown as Map<string, number>, sink), 'expected map<string, int>', 'got object');
});

const User = Types.object({
  name: Types.string,
  age: Types.int,
  score: Types.number,
  id: Types.bigint,
  active: Types.boolean,
  email: Types.optional(Types.string),
  tags: Types.array(Types.string),
  address: Types.object({ city: Types.string, zip: Types.optional(Types.int) }),
  extra: Types.generic(),
});
type User = TypeOf<typeof User>;

const alice: User = {
  name: 'Alice',
  age: 31,
  score: -0,
  id: 2n ** 70n,
  active: true,
  email: 'alice@example.com',
  tags: ['admin', 'ü'],
  address: { city: 'Zürich', zip: 8000 },
  extra: { nested: [1, 'two', new Map([[3, new Set([4])]])] },
};

test('Types.object round-trips nested objects with every kind of field', () => {
  assertRoundTrips(User, [alice]);
  assert.ok(Object.is(roundTrip(User, alice).score, -0));
});

test('Types.object reads an absent optional field as a present undefined property', () => {
  const withoutEmail: User = { ...alice };
  delete withoutEmail.email;
  const result = roundTrip(User, withoutEmail);
  assert.deepEqual(result, { ...withoutEmail, email: undefined });
  assert.ok(Object.hasOwn(result, 'email'));
});

test('Types.object keeps null in an optional field', () => {
  assert.equal(roundTrip(User, { ...alice, email: null as unknown as undefined }).email, null);
});

test('Types.object reads every record with the declared fields in declaration order', () => {
  const reordered: User = { extra: 1, tags: [], address: { zip: 1, city: 'x' }, email: undefined, active: false, id: 0n, score: 1, age: 2, name: 'n' };
  const result = roundTrip(User, reordered);
  const description = User.describe();
  assert.ok(description.type === 'object');
  assert.deepEqual(Object.keys(result), Object.keys(description.fields));
  assert.deepEqual(result, reordered);
});

test('Types.object drops properties that are not declared', () => {
  const point = Types.object({ x: Types.number, y: Types.number });
  const value = { x: 1, y: 2, label: 'origin' };
  assert.deepEqual(roundTrip(point, value), { x: value.x, y: value.y });
});

test('Types.object names a missing field and the type it expects', () => {
  const withoutAge: Partial<User> = { ...alice };
  delete withoutAge.age;
  assertFails(() => User.write(withoutAge as User, sink), "field 'age'", 'expected int', 'got nothing (the field is missing)');
});

test('Types.object names a wrongly typed field, with its path inside nested values', () => {
  assertFails(() => User.write({ ...alice, name: 42 } as unknown as User, sink), "field 'name'", 'expected string', 'got number 42');
  assertFails(() => User.write({ ...alice, email: 5 } as unknown as User, sink), "field 'email'", 'expected optional<string>', 'got number 5');
  assertFails(() => User.write({ ...alice, address: { city: 'x', zip: 'abc' } } as unknown as User, sink), "field 'address.zip'", 'expected optional<int>', "got string 'abc'");
  assertFails(() => User.write({ ...alice, tags: ['a', null] } as unknown as User, sink), "field 'tags[1]'", 'expected string', 'got null');
  assertFails(() => User.write({ ...alice, extra: () => 1 }, sink), "field 'extra'", 'structured-clone-able');
  const Outer = Types.object({ users: Types.array(User) });
  assertFails(() => Outer.write({ users: [alice, { ...alice, address: { city: 1 } }] } as unknown as { users: User[] }, sink), "field 'users[1].address.city'");
});

test('Types.object rejects values that are not objects', () => {
  for (const value of [null, undefined, 'text', 3]) {
    assertFails(() => User.write(value as unknown as User, sink), 'cannot serialize value', 'expected object { name, age');
  }
});

test('Types.object accepts any field name except __proto__', () => {
  const odd = Types.object({ 'with "quotes"': Types.string, "it's": Types.int, 'a.b': Types.boolean, '2': Types.number, constructor: Types.string, '': Types.string });
  assertRoundTrips(odd, [{ 'with "quotes"': 'q', "it's": 1, 'a.b': true, '2': 2, constructor: 'c', '': 'empty' }]);
  assert.throws(() => Types.object(JSON.parse('{"__proto__": 1}') as Record<string, TypeSerializer<unknown>>), { code: 'INVALID_OPTION' });
});

test('Types.object rejects a field that is not a serializer', () => {
  assert.throws(() => Types.object({ name: 'string' as unknown as TypeSerializer<string> }), (error: unknown) => {
    return error instanceof WeirError && error.code === 'INVALID_OPTION' && error.message.includes("'fields.name'");
  });
});

test('Types.object handles empty objects and objects with many fields', () => {
  assertRoundTrips(Types.object({}), [{}]);
  const fields: Record<string, TypeSerializer<number>> = {};
  const value: Record<string, number> = {};
  for (let i = 0; i < 200; i++) {
    fields[`f${i}`] = i % 2 === 0 ? Types.int : Types.number;
    value[`f${i}`] = i % 2 === 0 ? i : i / 7;
  }
  assertRoundTrips(Types.object(fields), [value]);
});

test('a failed write leaves the output at most partly written, and rewinding to the start restores it', () => {
  const out = new DataOutput();
  out.writeString('before');
  const start = out.position;
  assert.throws(() => User.write({ ...alice, address: { city: 1 } } as unknown as User, out));
  out.rewind(start);
  User.write(alice, out);
  const input = new DataInput(out.view());
  assert.equal(input.readString(), 'before');
  assert.deepEqual(User.read(input), alice);
});

test('copy returns an equal value that shares no mutable part with the original', () => {
  const copy = User.copy(alice);
  assert.deepEqual(copy, alice);
  assert.notEqual(copy, alice);
  assert.notEqual(copy.tags, alice.tags);
  assert.notEqual(copy.address, alice.address);
  assert.notEqual(copy.extra, alice.extra);
  const grid = [[1], [2, 3]];
  const gridCopy = Types.array(Types.array(Types.int)).copy(grid);
  assert.deepEqual(gridCopy, grid);
  assert.notEqual(gridCopy[0], grid[0]);
  const map = new Map([['k', [1]]]);
  const mapCopy = Types.map(Types.string, Types.array(Types.int)).copy(map);
  assert.deepEqual(mapCopy, map);
  assert.notEqual(mapCopy.get('k'), map.get('k'));
  const tuple: [string, number[]] = ['a', [1]];
  const tupleCopy = Types.tuple(Types.string, Types.array(Types.int)).copy(tuple);
  assert.deepEqual(tupleCopy, tuple);
  assert.notEqual(tupleCopy[1], tuple[1]);
});

test('copy returns immutable values as they are', () => {
  assert.equal(Types.string.copy('s'), 's');
  assert.equal(Types.bigint.copy(2n ** 80n), 2n ** 80n);
  assert.equal(Types.optional(Types.number).copy(undefined), undefined);
});

test('the types inferred for objects make fields that accept undefined optional', () => {
  const Event = Types.object({ id: Types.string, note: Types.optional(Types.string), payload: Types.generic<{ a: number }>(), meta: Types.generic() });
  // Compile-time checks: these assignments fail type-checking if inference regresses.
  const minimal: TypeOf<typeof Event> = { id: 'e', payload: { a: 1 } };
  const full: TypeOf<typeof Event> = { id: 'e', note: 'n', payload: { a: 2 }, meta: [1] };
  const asSerializer: TypeSerializer<{ id: string; note?: string | undefined; payload: { a: number }; meta?: unknown }> = Event;
  // @ts-expect-error: a record without its required 'payload' is not an Event.
  const missingPayload: TypeOf<typeof Event> = { id: 'e' };
  // @ts-expect-error: a tuple of a string and a number is not a tuple of two numbers.
  const wrongTuple: TypeSerializer<[number, number]> = Types.tuple(Types.string, Types.number);
  assert.ok(missingPayload !== undefined && wrongTuple !== undefined);
  assert.deepEqual(roundTrip(asSerializer, minimal), { ...minimal, note: undefined, meta: undefined });
  assert.deepEqual(roundTrip(Event, full), full);
});

test('describe reports the declared structure', () => {
  assert.deepEqual(Types.object({ a: Types.optional(Types.int), b: Types.map(Types.string, Types.tuple(Types.bigint, Types.boolean)) }).describe(), {
    type: 'object',
    fields: {
      a: { type: 'optional', of: { type: 'int' } },
      b: { type: 'map', key: { type: 'string' }, value: { type: 'tuple', items: [{ type: 'bigint' }, { type: 'boolean' }] } },
    },
  });
  assert.deepEqual(Types.array(Types.generic()).describe(), { type: 'array', of: { type: 'generic' } });
});

test('constructors reject arguments that are not serializers', () => {
  const notASerializer = {} as TypeSerializer<unknown>;
  assert.throws(() => Types.optional(notASerializer), { code: 'INVALID_OPTION' });
  assert.throws(() => Types.array(notASerializer), { code: 'INVALID_OPTION' });
  assert.throws(() => Types.tuple(Types.string, notASerializer), { code: 'INVALID_OPTION' });
  assert.throws(() => Types.map(Types.string, notASerializer), { code: 'INVALID_OPTION' });
});

test('many records written back to back read back in order', () => {
  const Click = Types.object({ user: Types.string, page: Types.string, at: Types.number, count: Types.int });
  const clicks = Array.from({ length: 5000 }, (_, i) => ({ user: `user-${i % 97}`, page: `/p/${'ü'.repeat(i % 5)}${i}`, at: 1.7e12 + i, count: i }));
  const out = new DataOutput(64);
  for (const click of clicks) Click.write(click, out);
  const input = new DataInput(out.view());
  const result: unknown[] = [];
  while (input.remaining > 0) result.push(Click.read(input));
  assert.deepEqual(result, clicks);
});

test('a corrupt optional tag is reported with its position instead of being read as a value', () => {
  const Pair = Types.object({ a: Types.int, b: Types.optional(Types.string) });
  const out = new DataOutput();
  Pair.write({ a: 1, b: 'x' }, out);
  const bytes = out.toUint8Array();
  const tagPosition = 4; // after the 4-byte int
  bytes[tagPosition] = 9;
  assert.throws(() => Pair.read(new DataInput(bytes)), new RegExp(`corrupt data at position ${tagPosition}: invalid optional tag 9`));
  assert.throws(() => Types.optional(Types.int).read(new DataInput(Uint8Array.of(7))), /invalid optional tag 7/);
});
