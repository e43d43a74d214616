/** @module Tests for DataInput: offsets, truncated and corrupt input, UTF-8 decoding. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { DataInput } from './data-input.ts';
import { DataOutput } from './data-output.ts';

function isReadPastEnd(error: unknown): boolean {
  return error instanceof WeirError && error.code === 'SERIALIZATION_FAILED' && /cannot read \d+ byte\(s\) at position \d+/.test(error.message);
}

test('reads a Uint8Array that starts inside a larger buffer, counting positions from its own start', () => {
  const out = new DataOutput();
  out.writeInt32(-5);
  out.writeFloat64(2.5);
  out.writeString('héllo');
  const payload = out.toUint8Array();
  const backing = new Uint8Array(payload.length + 10).fill(0xee);
  backing.set(payload, 3);
  const input = new DataInput(backing.subarray(3, 3 + payload.length));
  assert.equal(input.readInt32(), -5);
  assert.equal(input.position, 4);
  assert.equal(input.readFloat64(), 2.5);
  assert.equal(input.readString(), 'héllo');
  assert.equal(input.remaining, 0);
});

test('every reader fails with SERIALIZATION_FAILED instead of reading past the end', () => {
  const readers: [string, (input: DataInput) => unknown][] = [
    ['readUint8', (input) => input.readUint8()],
    ['readInt32', (input) => input.readInt32()],
    ['readUint32', (input) => input.readUint32()],
    ['readFloat64', (input) => input.readFloat64()],
    ['readBigInt64', (input) => input.readBigInt64()],
    ['readVarUint', (input) => input.readVarUint()],
    ['readString', (input) => input.readString()],
    ['readBytes', (input) => input.readBytes(1)],
  ];
  for (const [name, read] of readers) {
    assert.throws(() => read(new DataInput(new Uint8Array(0))), isReadPastEnd, name);
  }
});

test('a truncated value fails and says how many bytes remain', () => {
  const out = new DataOutput();
  out.writeString('a string that is cut short');
  const bytes = out.toUint8Array();
  const input = new DataInput(bytes.subarray(0, 10));
  assert.throws(
    () => input.readString(),
    (error: unknown) => isReadPastEnd(error) && (error as Error).message.includes(`of 10 bytes remain`),
  );
});

test('a truncated int64 or large bigint fails instead of returning a smaller number', () => {
  for (const value of [5n, 2n ** 100n]) {
    const out = new DataOutput();
    out.writeBigInt64(value);
    const bytes = out.toUint8Array();
    assert.throws(() => new DataInput(bytes.subarray(0, bytes.length - 1)).readBigInt64(), isReadPastEnd);
  }
});

test('readVarUint accepts padded encodings and rejects ones longer than 53 bits', () => {
  assert.equal(new DataInput(Uint8Array.of(0x85, 0x80, 0x00)).readVarUint(), 5);
  assert.throws(() => new DataInput(new Uint8Array(9).fill(0xff)).readVarUint(), { code: 'SERIALIZATION_FAILED' });
  assert.throws(() => new DataInput(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)).readVarUint(), { code: 'SERIALIZATION_FAILED' });
});

test('an unknown bigint tag is reported as corrupt data with its position', () => {
  assert.throws(() => new DataInput(Uint8Array.of(9)).readBigInt64(), /corrupt data at position 0: invalid bigint tag 9/);
});

test('invalid UTF-8 decodes with U+FFFD exactly as Buffer#toString does', () => {
  const cases = [
    [0xc3],
    [0x61, 0xff, 0x62],
    [0xc0, 0x80],
    [0xed, 0xa0, 0x80],
    [0xe2, 0x82],
    [0xf0, 0x9f, 0x98],
    [0xf4, 0x90, 0x80, 0x80],
    [0xc3, 0x28, 0x61],
    [0x80, 0x80, 0x41],
    [0xe0, 0x80, 0xaf],
    [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x80],
  ];
  for (const bytes of cases) {
    const expected = Buffer.from(bytes).toString('utf8');
    const input = new DataInput(Uint8Array.of(bytes.length, ...bytes));
    assert.equal(input.readString(), expected, bytes.join(','));
  }
});

test('readBytes returns a copy that does not change with the input', () => {
  const source = Uint8Array.of(1, 2, 3, 4);
  const copy = new DataInput(source).readBytes(3);
  source.fill(0);
  assert.deepEqual(copy, Uint8Array.of(1, 2, 3));
});

test('readBytes rejects a negative or fractional length', () => {
  assert.throws(() => new DataInput(new Uint8Array(4)).readBytes(-1), { code: 'SERIALIZATION_FAILED' });
  assert.throws(() => new DataInput(new Uint8Array(4)).readBytes(1.5), { code: 'SERIALIZATION_FAILED' });
});

test('position and remaining track what has been read', () => {
  const input = new DataInput(new Uint8Array(12));
  assert.deepEqual([input.position, input.remaining], [0, 12]);
  input.readInt32();
  input.readUint8();
  assert.deepEqual([input.position, input.remaining], [5, 7]);
});
