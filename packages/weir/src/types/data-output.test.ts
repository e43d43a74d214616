/** @module Tests for DataOutput, with Node's own Buffer encoding as the reference. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { DataInput } from './data-input.ts';
import { DataOutput } from './data-output.ts';

/** The UTF-8 bytes Node itself produces, the reference for every string test. */
const utf8 = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'utf8'));

function writtenString(value: string): { length: number; body: Uint8Array } {
  const out = new DataOutput(16);
  out.writeString(value);
  const input = new DataInput(out.toUint8Array());
  const length = input.readVarUint();
  return { length, body: input.readBytes(input.remaining) };
}

const samples = [
  '',
  'a',
  'user-42',
  'exactly twenty chars',
  'twenty-one characters',
  'ünïcödé',
  '日本語のテキスト',
  'emoji 😀 and 🇩🇪 flags',
  '\u0000nul\u0000',
  '\u007f\u0080\u07ff\u0800\uffff',
  'x'.repeat(4096),
  'é'.repeat(4097),
  'mixed ascii then ü'.repeat(300),
];

test('writeString writes the UTF-8 byte length followed by the same bytes as Buffer.from', () => {
  for (const sample of samples) {
    const expected = utf8(sample);
    const { length, body } = writtenString(sample);
    assert.equal(length, expected.length, `length of ${JSON.stringify(sample.slice(0, 20))}`);
    assert.deepEqual(body, expected, `bytes of ${JSON.stringify(sample.slice(0, 20))}`);
  }
});

test('writeString matches Buffer.from for every string length around the short-string threshold', () => {
  for (let length = 0; length <= 50; length++) {
    for (const unit of ['a', 'é', '€', '😀']) {
      const sample = unit.repeat(length).slice(0, length);
      const { body } = writtenString(sample);
      assert.deepEqual(body, utf8(sample), `${length} x ${unit}`);
    }
  }
});

test('writeString replaces a lone surrogate with U+FFFD as Buffer.from does', () => {
  for (const sample of ['\ud800', 'a\udc00b', 'end\ud83d', '\ud83d\ud83d\ude00', 'x'.repeat(30) + '\udfff']) {
    assert.deepEqual(writtenString(sample).body, utf8(sample));
  }
});

test('the buffer grows without losing what was written before', () => {
  const out = new DataOutput(16);
  const values = Array.from({ length: 1000 }, (_, i) => i * 1.5);
  for (const value of values) out.writeFloat64(value);
  const input = new DataInput(out.view());
  assert.deepEqual(
    values.map(() => input.readFloat64()),
    values,
  );
  assert.ok(out.capacity >= values.length * 8);
});

test('fixed-width numbers are little-endian, as Buffer writes them', () => {
  const out = new DataOutput();
  out.writeUint8(200);
  out.writeInt32(-123456789);
  out.writeUint32(4000000000);
  out.writeFloat64(Math.PI);
  const expected = Buffer.alloc(17);
  expected.writeUint8(200, 0);
  expected.writeInt32LE(-123456789, 1);
  expected.writeUint32LE(4000000000, 5);
  expected.writeDoubleLE(Math.PI, 9);
  assert.deepEqual(out.toUint8Array(), new Uint8Array(expected));
});

test('writeFloat64 keeps -0, NaN and the infinities', () => {
  const values = [-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, Number.MAX_VALUE];
  const out = new DataOutput();
  for (const value of values) out.writeFloat64(value);
  const input = new DataInput(out.view());
  for (const value of values) assert.ok(Object.is(input.readFloat64(), value), String(value));
});

test('writeVarUint uses one byte below 128 and round-trips integers up to 2^53 - 1', () => {
  const values = [0, 1, 127, 128, 255, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 45 + 7, Number.MAX_SAFE_INTEGER];
  for (const value of values) {
    const out = new DataOutput();
    out.writeVarUint(value);
    // LEB128 uses one byte per started group of 7 bits.
    const bits = value === 0 ? 1 : Math.floor(Math.log2(value)) + 1;
    assert.equal(out.position, Math.ceil(bits / 7), `size of ${value}`);
    assert.equal(new DataInput(out.view()).readVarUint(), value);
  }
});

test('writeVarUint rejects negative, fractional, unsafe and non-numeric values', () => {
  for (const value of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    const out = new DataOutput();
    assert.throws(
      () => out.writeVarUint(value),
      (error: unknown) => error instanceof WeirError && error.code === 'SERIALIZATION_FAILED' && error.message.includes(String(value)),
    );
    assert.equal(out.position, 0);
  }
});

test('writeBigInt64 round-trips bigints of any size and sign', () => {
  const values = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, -(2n ** 63n) - 1n, 2n ** 64n, 2n ** 521n - 1n, -(3n ** 300n), 255n << 1000n];
  const out = new DataOutput(16);
  for (const value of values) out.writeBigInt64(value);
  const input = new DataInput(out.view());
  for (const value of values) assert.equal(input.readBigInt64(), value);
  assert.equal(input.remaining, 0);
});

test('writeBigInt64 takes 9 bytes for values in the signed 64-bit range', () => {
  for (const value of [0n, -(2n ** 63n), 2n ** 63n - 1n]) {
    const out = new DataOutput();
    out.writeBigInt64(value);
    assert.equal(out.position, 9);
  }
});

test('writeBytes appends raw bytes without a length', () => {
  const out = new DataOutput(16);
  const bytes = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff);
  out.writeUint8(7);
  out.writeBytes(bytes);
  assert.equal(out.position, 1 + bytes.length);
  assert.deepEqual(out.toUint8Array().subarray(1), bytes);
});

test('toUint8Array returns a copy that survives reset and later writes, while view shares memory', () => {
  const out = new DataOutput();
  out.writeString('first');
  const copy = out.toUint8Array();
  const view = out.view();
  const before = Uint8Array.from(copy);
  out.reset();
  assert.equal(out.position, 0);
  out.writeString('other');
  assert.deepEqual(copy, before);
  assert.deepEqual(view, out.view());
});

test('rewind discards what was written after the position and refuses positions not yet written', () => {
  const out = new DataOutput();
  out.writeInt32(1);
  out.writeInt32(2);
  out.rewind(4);
  out.writeInt32(3);
  const input = new DataInput(out.view());
  assert.deepEqual([input.readInt32(), input.readInt32()], [1, 3]);
  assert.throws(() => out.rewind(9), { code: 'SERIALIZATION_FAILED' });
  assert.throws(() => out.rewind(-1), { code: 'SERIALIZATION_FAILED' });
});

test('ensureCapacity makes room for the requested bytes after the current position', () => {
  const out = new DataOutput(16);
  out.writeFloat64(1);
  out.ensureCapacity(1000);
  assert.ok(out.capacity >= out.position + 1000);
});

test('a given buffer is written in place, and left behind for a larger one of its own when it fills up', () => {
  const given = new Uint8Array(new SharedArrayBuffer(8));
  const out = new DataOutput(given);
  out.writeUint32(0xdeadbeef);
  assert.deepEqual([...given.subarray(0, 4)], [0xef, 0xbe, 0xad, 0xde], 'written into the given memory');
  out.writeString('x'.repeat(100));
  assert.notEqual(out.view().buffer, given.buffer);
  const input = new DataInput(out.view());
  assert.equal(input.readUint32(), 0xdeadbeef);
  assert.equal(input.readString(), 'x'.repeat(100));
});

describe('written in pieces', () => {
  /** Values of varied sizes, each after a boundary, as a keyed snapshot writes its entries. */
  const values = Array.from({ length: 400 }, (_, i) => `${i}:${'v'.repeat((i * 37) % 90)}`);

  function inPieces(pieceBytes: number): { out: DataOutput; pieces: Uint8Array[]; asked: number[] } {
    const pieces: Uint8Array[] = [];
    const asked: number[] = [];
    const out = new DataOutput(new Uint8Array(new SharedArrayBuffer(pieceBytes)));
    out.writeInPieces({
      full: (piece) => pieces.push(piece),
      next: (bytes) => {
        asked.push(bytes);
        return new Uint8Array(new SharedArrayBuffer(Math.max(pieceBytes, bytes)));
      },
    });
    return { out, pieces, asked };
  }

  test('hands over full buffers at the last boundary, never splitting a value, and reads back as one', () => {
    const { out, pieces } = inPieces(512);
    for (const value of values) {
      out.boundary();
      out.writeString(value);
      out.writeFloat64(value.length);
    }
    pieces.push(out.view());
    assert.ok(pieces.length > 10, `${pieces.length} pieces`);
    for (const piece of pieces) {
      assert.equal(piece.byteOffset, 0, 'each piece starts its buffer');
      assert.equal(piece.buffer.byteLength, 512, 'no buffer grew');
      // each piece holds whole values: it reads alone
      const input = new DataInput(piece);
      while (input.remaining > 0) {
        const text = input.readString();
        assert.equal(input.readFloat64(), text.length);
      }
    }
    const whole = new DataInput(Buffer.concat(pieces));
    for (const value of values) {
      assert.equal(whole.readString(), value);
      assert.equal(whole.readFloat64(), value.length);
    }
    assert.equal(out.position, Buffer.concat(pieces).length, 'the position counts the bytes handed over');
  });

  test('a value larger than a piece grows its buffer, and the next piece is asked for room enough', () => {
    const { out, pieces, asked } = inPieces(64);
    out.boundary();
    out.writeString('a'.repeat(10));
    out.boundary();
    out.writeString('b'.repeat(300));
    assert.equal(pieces.length, 1, 'the first value went on its own');
    assert.ok((asked[0] as number) >= 302, `asked for ${String(asked[0])} bytes, fewer than the value takes`);
    out.boundary();
    out.writeString('c');
    pieces.push(out.view());
    const whole = new DataInput(Buffer.concat(pieces));
    assert.deepEqual([whole.readString(), whole.readString(), whole.readString()], ['a'.repeat(10), 'b'.repeat(300), 'c']);
  });

  test('rewinds within the current piece, and refuses to rewind into one handed over', () => {
    const { out, pieces } = inPieces(32);
    out.boundary();
    out.writeFloat64(1);
    out.writeFloat64(2);
    out.writeFloat64(3);
    const start = out.position;
    out.boundary();
    out.writeFloat64(4);
    out.writeFloat64(5);
    assert.equal(pieces.length, 1);
    out.rewind(start);
    out.writeFloat64(6);
    pieces.push(out.view());
    const whole = new DataInput(Buffer.concat(pieces));
    assert.deepEqual([1, 2, 3, 6].map(() => whole.readFloat64()), [1, 2, 3, 6]);
    assert.throws(() => out.rewind(8), (error: unknown) => error instanceof WeirError && /handed over/.test(error.message));
  });

  test('a sink that gives less room than asked is a bug, reported as one', () => {
    const out = new DataOutput(new Uint8Array(16));
    out.writeInPieces({ full: () => undefined, next: () => new Uint8Array(4) });
    out.boundary();
    out.writeFloat64(1);
    out.boundary();
    assert.throws(
      () => out.writeString('x'.repeat(40)),
      (error: unknown) => error instanceof WeirError && error.code === 'INTERNAL' && /PieceSink/.test(error.hint ?? ''),
    );
  });
});
test('an empty given buffer grows on the first write', () => {
  const out = new DataOutput(new Uint8Array(0));
  out.writeFloat64(2.5);
  assert.equal(new DataInput(out.view()).readFloat64(), 2.5);
});
