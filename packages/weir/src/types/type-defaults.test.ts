/**
 * @module Tests of type defaults: what an added field starts with in restored state.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultValueOf, withDefaults } from './type-defaults.ts';
import { Types } from './types.ts';
import { DataInput } from './data-input.ts';
import { DataOutput } from './data-output.ts';

test('every type has a default that its serializer accepts', () => {
  const Everything = Types.object({
    n: Types.number,
    i: Types.int,
    b: Types.bigint,
    flag: Types.boolean,
    s: Types.string,
    list: Types.array(Types.int),
    pair: Types.tuple(Types.string, Types.number),
    lookup: Types.map(Types.string, Types.int),
    nested: Types.object({ x: Types.int, note: Types.optional(Types.string) }),
    maybe: Types.optional(Types.number),
    anything: Types.generic(),
  });
  const value = defaultValueOf(Everything.describe());
  assert.deepEqual(value, {
    n: 0,
    i: 0,
    b: 0n,
    flag: false,
    s: '',
    list: [],
    pair: ['', 0],
    lookup: new Map(),
    nested: { x: 0, note: undefined },
    maybe: undefined,
    anything: undefined,
  });
  const out = new DataOutput();
  Everything.write(value as never, out);
  assert.deepEqual(Everything.read(new DataInput(out.view())), value);
});

test('withDefaults fills the missing required fields at any depth and keeps what is there', () => {
  const Type = Types.object({ count: Types.number, last: Types.string, inner: Types.array(Types.object({ a: Types.int, b: Types.int })) });
  const old = { count: 4, inner: [{ a: 1 }, { a: 2, b: 3 }] };
  assert.deepEqual(withDefaults(Type.describe(), old), { count: 4, last: '', inner: [{ a: 1, b: 0 }, { a: 2, b: 3 }] });
  assert.deepEqual(old, { count: 4, inner: [{ a: 1 }, { a: 2, b: 3 }] }, 'the input is not changed');
});
