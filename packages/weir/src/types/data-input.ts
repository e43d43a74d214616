/**
 * @module DataInput: the binary reader matching DataOutput, over any Uint8Array (a Buffer, a slice of a
 * SharedArrayBuffer, a file chunk) without copying it.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot path: each read checks the bounds once, then indexes the bytes it checked */
import { WeirError } from '../core/errors.ts';
import { BigIntTag } from './data-output.ts';

/** Up to this many bytes, a string is decoded in JavaScript; `Buffer#toString` has a fixed ~40 ns cost. */
const SHORT_STRING_BYTES = 15;

/** Buffer's own UTF-8 decoder, which `Buffer#toString` calls after normalizing its arguments. */
interface Utf8SliceableBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
}

/** The string of `buf`'s UTF-8 bytes from `start` to `end`; invalid sequences decode to U+FFFD. */
const utf8Slice: (buf: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as Partial<Utf8SliceableBuffer>).utf8Slice === 'function'
    ? (buf, start, end) => (buf as Utf8SliceableBuffer).utf8Slice(start, end)
    : (buf, start, end) => buf.toString('utf8', start, end);
const fromCharCode = String.fromCharCode;
/** Scratch for decoding short non-ASCII strings; reading is synchronous, so one array serves every reader. */
const units: number[] = [];

/**
 * Reads what a {@link DataOutput} wrote, in the same order. Reading past the end throws
 * SERIALIZATION_FAILED instead of returning garbage.
 *
 * @example
 * const input = new DataInput(bytes);
 * while (input.remaining > 0) records.push(serializer.read(input));
 */
export class DataInput {
  // Indexing below uses `!`: every index was bounds-checked against `end` by `need()` first.
  private readonly buf: Buffer;
  private readonly dv: DataView;
  private readonly end: number;
  private pos: number;

  constructor(bytes: Uint8Array) {
    // A view over the same memory: positions count from the start of `bytes`, wherever it sits in its buffer.
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.byteLength;
    this.pos = 0;
  }

  /** Bytes read so far. */
  get position(): number {
    return this.pos;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  readUint8(): number {
    if (this.pos + 1 > this.end) this.pastEnd(1);
    return this.buf[this.pos++]!;
  }

  readInt32(): number {
    if (this.pos + 4 > this.end) this.pastEnd(4);
    const value = this.dv.getInt32(this.pos, true);
    this.pos += 4;
    return value;
  }

  readUint32(): number {
    if (this.pos + 4 > this.end) this.pastEnd(4);
    const value = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return value;
  }

  readFloat64(): number {
    if (this.pos + 8 > this.end) this.pastEnd(8);
    const value = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** Reads a bigint of any size written by `DataOutput#writeBigInt64`. */
  readBigInt64(): bigint {
    const tag = this.readUint8();
    if (tag === BigIntTag.int64) {
      if (this.pos + 8 > this.end) this.pastEnd(8);
      const value = this.dv.getBigInt64(this.pos, true);
      this.pos += 8;
      return value;
    }
    if (tag !== BigIntTag.positive && tag !== BigIntTag.negative) this.corrupt(`invalid bigint tag ${tag}`, this.pos - 1);
    const length = this.readVarUint();
    if (this.pos + length > this.end) this.pastEnd(length);
    const start = this.pos;
    this.pos += length;
    if (length === 0) return 0n;
    const magnitude = BigInt(`0x${this.buf.toString('hex', start, start + length)}`);
    return tag === BigIntTag.negative ? -magnitude : magnitude;
  }

  /** Reads an unsigned LEB128 integer (up to 2^53 - 1); padded encodings are accepted. */
  readVarUint(): number {
    const pos = this.pos;
    if (pos < this.end) {
      const first = this.buf[pos]!;
      if (first < 0x80) {
        this.pos = pos + 1;
        return first;
      }
    }
    return this.readVarUintSlow();
  }

  /** Reads a string written by `DataOutput#writeString`. Invalid UTF-8 decodes to U+FFFD. */
  readString(): string {
    const length = this.readVarUint();
    const start = this.pos;
    if (start + length > this.end) this.pastEnd(length);
    this.pos = start + length;
    if (length <= SHORT_STRING_BYTES) {
      const ascii = this.shortAscii(start, length);
      if (ascii !== undefined) return ascii;
      const decoded = this.shortUtf8(start, length);
      if (decoded !== undefined) return decoded;
    }
    return utf8Slice(this.buf, start, start + length);
  }

  /** Reads `length` raw bytes into a new array (a copy, so it outlives the input's memory). */
  readBytes(length: number): Uint8Array {
    if (!Number.isInteger(length) || length < 0) {
      throw new WeirError('SERIALIZATION_FAILED', `readBytes expects a non-negative integer length, got ${String(length)}`);
    }
    if (this.pos + length > this.end) this.pastEnd(length);
    const copy = new Uint8Array(length);
    copy.set(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return copy;
  }

  private readVarUintSlow(): number {
    const start = this.pos;
    let result = 0;
    let scale = 1;
    // 8 bytes carry 56 bits; anything longer cannot be a safe integer.
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) this.pastEnd(1);
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) break;
        return result;
      }
      scale *= 0x80;
    }
    return this.corrupt('malformed variable-length integer (longer than 2^53 - 1)', start);
  }

  /** ASCII strings of up to 15 bytes, without a native call; undefined when a byte is not ASCII. */
  private shortAscii(start: number, length: number): string | undefined {
    const buf = this.buf;
    if (length === 0) return '';
    if (length > 8) {
      const head = this.shortAscii(start, 8);
      const tail = head === undefined ? undefined : this.shortAscii(start + 8, length - 8);
      return tail === undefined ? undefined : head + tail;
    }
    const b0 = buf[start]!;
    if (length === 1) return b0 < 0x80 ? fromCharCode(b0) : undefined;
    const b1 = buf[start + 1]!;
    if (length === 2) return (b0 | b1) < 0x80 ? fromCharCode(b0, b1) : undefined;
    const b2 = buf[start + 2]!;
    if (length === 3) return (b0 | b1 | b2) < 0x80 ? fromCharCode(b0, b1, b2) : undefined;
    const b3 = buf[start + 3]!;
    if (length === 4) return (b0 | b1 | b2 | b3) < 0x80 ? fromCharCode(b0, b1, b2, b3) : undefined;
    const b4 = buf[start + 4]!;
    if (length === 5) return (b0 | b1 | b2 | b3 | b4) < 0x80 ? fromCharCode(b0, b1, b2, b3, b4) : undefined;
    const b5 = buf[start + 5]!;
    if (length === 6) return (b0 | b1 | b2 | b3 | b4 | b5) < 0x80 ? fromCharCode(b0, b1, b2, b3, b4, b5) : undefined;
    const b6 = buf[start + 6]!;
    if (length === 7) return (b0 | b1 | b2 | b3 | b4 | b5 | b6) < 0x80 ? fromCharCode(b0, b1, b2, b3, b4, b5, b6) : undefined;
    const b7 = buf[start + 7]!;
    return (b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7) < 0x80 ? fromCharCode(b0, b1, b2, b3, b4, b5, b6, b7) : undefined;
  }

  /**
   * Decodes well-formed UTF-8 in JavaScript (about 2x faster than `Buffer#toString` for short non-ASCII
   * strings); undefined on anything irregular, which `Buffer#toString` then decodes with U+FFFD.
   */
  private shortUtf8(start: number, length: number): string | undefined {
    const buf = this.buf;
    const end = start + length;
    let p = start;
    let n = 0;
    while (p < end) {
      const b = buf[p++]!;
      let c: number;
      if (b < 0x80) {
        c = b;
      } else if (b >= 0xc2 && b < 0xe0 && p < end) {
        const b1 = buf[p++]!;
        if ((b1 & 0xc0) !== 0x80) return undefined;
        c = ((b & 0x1f) << 6) | (b1 & 0x3f);
      } else if (b >= 0xe0 && b < 0xf0 && p + 1 < end) {
        const b1 = buf[p++]!;
        const b2 = buf[p++]!;
        if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80) return undefined;
        c = ((b & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
        if (c < 0x800 || (c & 0xf800) === 0xd800) return undefined;
      } else if (b >= 0xf0 && b < 0xf5 && p + 2 < end) {
        const b1 = buf[p++]!;
        const b2 = buf[p++]!;
        const b3 = buf[p++]!;
        if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return undefined;
        c = ((b & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
        if (c < 0x10000 || c > 0x10ffff) return undefined;
        c -= 0x10000;
        units[n++] = 0xd800 | (c >> 10);
        c = 0xdc00 | (c & 0x3ff);
      } else {
        return undefined;
      }
      units[n++] = c;
    }
    units.length = n;
    return fromCharCode(...units);
  }

  private pastEnd(needed: number): never {
    throw new WeirError(
      'SERIALIZATION_FAILED',
      `cannot read ${needed} byte(s) at position ${this.pos}: only ${this.end - this.pos} of ${this.end} bytes remain`,
      { hint: 'the data is truncated, or was written with a different type than the one reading it' },
    );
  }

  private corrupt(what: string, position: number): never {
    throw new WeirError('SERIALIZATION_FAILED', `corrupt data at position ${position}: ${what}`, {
      hint: 'the data is damaged, or was written with a different type than the one reading it',
    });
  }
}
