/**
 * @module Tests of the key serializer: every shape of key round-trips, and damaged bytes fail.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { keyGroupOf } from '../core/key-groups.ts';
import type { Key } from '../core/key-groups.ts';
import { DataInput } from '../types/data-input.ts';
import { DataOutput } from '../types/data-output.ts';
import { keySerializer, readKeyInGroup } from './key-serializer.ts';

const KEYS: Key[] = [
  '',
  'app1',
  'ünïcödé 🙂',
  0,
  1,
  127,
  128,
  2 ** 40,
  Number.MAX_SAFE_INTEGER,
  -1,
  0.5,
  -2.25,
  Infinity,
  -Infinity,
  0n,
  -(2n ** 100n),
  2n ** 70n,
  true,
  false,
  [],
  ['app', 1, 2n, false],
  [0.5, 'x'],
];

test('every kind of key reads back as it was written', () => {
  const out = new DataOutput();
  for (const key of KEYS) keySerializer.write(key, out);
  const input = new DataInput(out.view());
  for (const key of KEYS) assert.deepEqual(keySerializer.read(input), key);
  assert.equal(input.remaining, 0);
});

test('-0 reads back as 0, the same key in state', () => {
  const out = new DataOutput();
  keySerializer.write(-0, out);
  assert.ok(Object.is(keySerializer.read(new DataInput(out.view())), 0));
});

test('a key stored under the wrong key group or with an unknown tag is reported as corrupt', () => {
  const out = new DataOutput();
  keySerializer.write('app1', out);
  const group = keyGroupOf('app1', 128);
  assert.equal(readKeyInGroup(new DataInput(out.view()), group, 128), 'app1');
  assert.throws(() => readKeyInGroup(new DataInput(out.view()), (group + 1) % 128, 128), (error: unknown) => error instanceof WeirError && /stored in key group/.test(error.message));
  assert.throws(() => keySerializer.read(new DataInput(Uint8Array.of(42))), (error: unknown) => error instanceof WeirError && /invalid key tag 42/.test(error.message));
});
