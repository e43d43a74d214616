/**
 * @module DataOutput: the growable little-endian binary writer that record batches and state snapshots
 * are encoded with.
 */
import { WeirError } from '../core/errors.ts';
import { checkInteger } from '../core/options.ts';

/**
 * Strings up to this many UTF-16 units are encoded by a JavaScript loop; longer ones by `Buffer#write`.
 * Measured on Node 20: the loop is 1.5-5x faster up to about 20 units (ASCII or not), `Buffer#write`
 * wins from about 24 on, because its native call costs a fixed ~40 ns.
 */
const SHORT_STRING_UNITS = 20;
/** Beyond this length, reserving 3 bytes per unit wastes too much memory; measure the exact size first. */
const LONG_STRING_UNITS = 4096;
const INITIAL_CAPACITY = 256;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Buffer's own UTF-8 encoder, which `Buffer#write` calls after normalizing its arguments. */
interface Utf8WritableBuffer extends Buffer {
  utf8Write(value: string, offset: number, length: number): number;
}

/**
 * Writes `value` as UTF-8 into `buf` at `offset`, at most `length` bytes; returns the bytes written.
 * Calls the encoder directly where Node has it (every supported release): `Buffer#write`'s argument
 * handling costs more than encoding a URL-sized string.
 */
const utf8Write: (buf: Buffer, value: string, offset: number, length: number) => number =
  typeof (Buffer.prototype as Partial<Utf8WritableBuffer>).utf8Write === 'function'
    ? (buf, value, offset, length) => (buf as Utf8WritableBuffer).utf8Write(value, offset, length)
    : (buf, value, offset, length) => buf.write(value, offset, length, 'utf8');

/**
 * Where a {@link DataOutput} written in pieces puts each full buffer and finds the next, so that a
 * large output is neither copied as it grows nor joined at the end.
 */
export interface PieceSink {
  /** A finished piece: a view of the start of its buffer, which the output does not write again. */
  full(piece: Uint8Array): void;
  /** A buffer for the next piece, with room for at least `bytes` bytes. */
  next(bytes: number): Uint8Array;
}

/** The first byte of an encoded bigint (see {@link DataOutput.writeBigInt64}); shared with DataInput. */
export const BigIntTag = { int64: 0, positive: 1, negative: 2 } as const;

/**
 * A growable binary writer over a Node Buffer. Multi-byte numbers are little-endian.
 *
 * Fixed-width writers do not range-check (a value out of range wraps as in a typed array); the type
 * serializers validate before they write. `writeVarUint` does check, because a bad value would
 * otherwise produce bytes that decode to a different number.
 *
 * @example
 * const out = new DataOutput();
 * out.writeString('hello');
 * out.writeFloat64(1.5);
 * send(out.toUint8Array());
 * out.reset(); // reuse the memory for the next batch
 */
export class DataOutput {
  // Plain fields assigned in the constructor keep every instance on one hidden class (monomorphic calls).
  private buf: Buffer;
  private dv: DataView;
  /** The write position in `buf`. */
  private pos: number;
  /** In pieces: the bytes handed to `sink` before `buf`'s. */
  private base: number;
  /** In pieces: where in `buf` the current piece may end (see `boundary`); 0 for nowhere yet. */
  private boundaryPos: number;
  private sink: PieceSink | undefined;

  /**
   * @param initial bytes to allocate up front, or a buffer to write into (not copied; it is left
   * behind if it fills up); the buffer doubles whenever it is full.
   */
  constructor(initial: number | Uint8Array = INITIAL_CAPACITY) {
    if (typeof initial === 'number') checkInteger('initialCapacity', initial, 1, 2 ** 31, 'DataOutput');
    this.buf = bufferOf(initial);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = 0;
    this.base = 0;
    this.boundaryPos = 0;
    this.sink = undefined;
  }

  /** Number of bytes written so far (in pieces, those handed over included). */
  get position(): number {
    return this.base + this.pos;
  }

  /** Bytes that can be written before the buffer has to grow. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Forgets everything written, keeping the current buffer for reuse. */
  reset(): void {
    this.pos = 0;
    this.base = 0;
    this.boundaryPos = 0;
  }

  /**
   * Writes from now on in pieces: when the buffer is full, the bytes up to the last `boundary()` go
   * to `sink` as a piece and the rest moves to the start of the buffer `sink` gives next. Without a
   * boundary in the buffer, it grows as usual. `view()` then shows the current piece.
   */
  writeInPieces(sink: PieceSink): void {
    this.sink = sink;
    this.boundaryPos = 0;
  }

  /**
   * Marks where a piece may end: between values, so that a value (which its serializer may rewind)
   * is never split between pieces. A no-op unless the output is written in pieces.
   */
  boundary(): void {
    this.boundaryPos = this.pos;
  }

  /**
   * Moves the write position back to `position`, discarding what was written after it; for a writer
   * that abandons a partly written value and writes it another way.
   */
  rewind(position: number): void {
    if (!Number.isInteger(position) || position < this.base || position > this.base + this.pos) {
      const written = this.base === 0 ? `only 0 to ${this.pos} were written` : `the bytes before ${this.base} were handed over as pieces`;
      throw new WeirError('SERIALIZATION_FAILED', `cannot rewind DataOutput to position ${position}: ${written}`);
    }
    this.pos = position - this.base;
    if (this.boundaryPos > this.pos) this.boundaryPos = this.pos;
  }

  /** Makes room for at least `bytes` more bytes after the current position. */
  ensureCapacity(bytes: number): void {
    if (this.pos + bytes > this.buf.length) this.grow(bytes);
  }

  writeUint8(value: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = value;
  }

  writeInt32(value: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    this.dv.setInt32(this.pos, value, true);
    this.pos += 4;
  }

  writeUint32(value: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    this.dv.setUint32(this.pos, value, true);
    this.pos += 4;
  }

  /** Writes the exact IEEE 754 bits, so -0, NaN and the infinities round-trip. */
  writeFloat64(value: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    this.dv.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /**
   * Writes a bigint of any size. Values in the signed 64-bit range take 9 bytes (tag 0 and the
   * two's complement); larger ones take a sign tag, a LEB128 byte count and the magnitude big-endian.
   */
  writeBigInt64(value: bigint): void {
    if (value >= INT64_MIN && value <= INT64_MAX) {
      if (this.pos + 9 > this.buf.length) this.grow(9);
      this.buf[this.pos] = BigIntTag.int64;
      this.dv.setBigInt64(this.pos + 1, value, true);
      this.pos += 9;
      return;
    }
    const negative = value < 0n;
    let hex = (negative ? -value : value).toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    const length = hex.length / 2;
    this.writeUint8(negative ? BigIntTag.negative : BigIntTag.positive);
    this.writeVarUint(length);
    this.ensureCapacity(length);
    this.buf.write(hex, this.pos, length, 'hex');
    this.pos += length;
  }

  /** Writes a non-negative integer up to `Number.MAX_SAFE_INTEGER` as unsigned LEB128 (1 byte below 128). */
  writeVarUint(value: number): void {
    if (value < 0x80 && value >= 0 && (value | 0) === value) {
      if (this.pos + 1 > this.buf.length) this.grow(1);
      this.buf[this.pos++] = value;
      return;
    }
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new WeirError('SERIALIZATION_FAILED', `writeVarUint expects an integer from 0 to 2^53 - 1, got ${String(value)}`);
    }
    if (this.pos + 8 > this.buf.length) this.grow(8);
    const buf = this.buf;
    let p = this.pos;
    let v = value;
    // Above 2^31 the bitwise operators would truncate, so shift by division until it fits.
    while (v > 0x7fffffff) {
      buf[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    while (v >= 0x80) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p++] = v;
    this.pos = p;
  }

  /**
   * Writes a string as its UTF-8 byte length (LEB128) followed by the bytes. A lone surrogate is not
   * valid UTF-8 and is written as U+FFFD, as `TextEncoder` and `Buffer` do: such strings do not
   * round-trip exactly.
   */
  writeString(value: string): void {
    const units = value.length;
    if (units <= SHORT_STRING_UNITS) {
      // At most 3 bytes per unit, so the length fits the 1-byte prefix (<= 60 < 128).
      if (this.pos + 1 + units * 3 > this.buf.length) this.grow(1 + units * 3);
      const buf = this.buf;
      const start = this.pos;
      let p = start + 1;
      for (let i = 0; i < units; i++) {
        let c = value.charCodeAt(i);
        if (c < 0x80) {
          buf[p++] = c;
        } else if (c < 0x800) {
          buf[p++] = 0xc0 | (c >> 6);
          buf[p++] = 0x80 | (c & 0x3f);
        } else if ((c & 0xfc00) === 0xd800 && i + 1 < units && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
          c = 0x10000 + ((c & 0x3ff) << 10) + (value.charCodeAt(++i) & 0x3ff);
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 0x3f);
          buf[p++] = 0x80 | ((c >> 6) & 0x3f);
          buf[p++] = 0x80 | (c & 0x3f);
        } else {
          if ((c & 0xf800) === 0xd800) c = 0xfffd;
          buf[p++] = 0xe0 | (c >> 12);
          buf[p++] = 0x80 | ((c >> 6) & 0x3f);
          buf[p++] = 0x80 | (c & 0x3f);
        }
      }
      buf[start] = p - start - 1;
      this.pos = p;
      return;
    }
    if (units > LONG_STRING_UNITS) {
      const bytes = Buffer.byteLength(value, 'utf8');
      this.writeVarUint(bytes);
      this.ensureCapacity(bytes);
      this.pos += utf8Write(this.buf, value, this.pos, bytes);
      return;
    }
    // Encode first, then fill in the length, to avoid measuring the string twice. The worst case
    // (3 bytes per unit, <= 12288 here) always fits 2 LEB128 bytes; a shorter length is padded with a
    // continuation bit, which LEB128 readers accept.
    const maxBytes = units * 3;
    this.ensureCapacity(2 + maxBytes);
    const buf = this.buf;
    const start = this.pos;
    const written = utf8Write(buf, value, start + 2, maxBytes);
    buf[start] = (written & 0x7f) | 0x80;
    buf[start + 1] = written >>> 7;
    this.pos = start + 2 + written;
  }

  /** Writes the bytes as they are, without a length; the reader must know how many to read. */
  writeBytes(bytes: Uint8Array): void {
    this.ensureCapacity(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A copy of the bytes written so far (in pieces, those of the current one), which stays valid after `reset()`. */
  toUint8Array(): Uint8Array {
    const copy = new Uint8Array(this.pos);
    copy.set(this.buf.subarray(0, this.pos));
    return copy;
  }

  /** The bytes written so far (in pieces, those of the current one) without copying; invalid after the next write, `reset()` or growth. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private grow(bytes: number): void {
    const sink = this.sink;
    if (sink !== undefined && this.boundaryPos > 0) {
      const carried = this.pos - this.boundaryPos;
      const next = bufferOf(sink.next(carried + bytes));
      if (next.length < carried + bytes) {
        throw new WeirError('INTERNAL', `a piece buffer of ${next.length} bytes was given where ${carried + bytes} were asked for`, {
          hint: 'this is a bug: a PieceSink must give buffers of at least the bytes asked for; please report it',
        });
      }
      this.buf.copy(next, 0, this.boundaryPos, this.pos);
      sink.full(this.buf.subarray(0, this.boundaryPos));
      this.base += this.boundaryPos;
      this.boundaryPos = 0;
      this.pos = carried;
      this.buf = next;
      this.dv = new DataView(next.buffer, next.byteOffset, next.byteLength);
      return;
    }
    const needed = this.pos + bytes;
    let size = Math.max(16, this.buf.length * 2);
    while (size < needed) size *= 2;
    const next = bufferOf(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.dv = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}

/** A buffer of `capacity` bytes, or a Buffer over the given bytes. */
function bufferOf(capacityOrBytes: number | Uint8Array): Buffer {
  if (typeof capacityOrBytes !== 'number') return Buffer.from(capacityOrBytes.buffer, capacityOrBytes.byteOffset, capacityOrBytes.byteLength);
  // allocUnsafeSlow: an own ArrayBuffer, never a slice of Node's shared pool, so the bytes can be transferred.
  return Buffer.allocUnsafeSlow(Math.max(16, capacityOrBytes));
}
