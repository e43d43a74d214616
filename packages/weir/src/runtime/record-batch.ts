/**
 * @module RecordBatch: the unit that crosses a channel. In one thread it is an array of values (no copy,
 * no encoding); between threads it is encoded with the edge's serializer into one transferable buffer.
 */
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import { WeirError, describeCause } from '../core/errors.ts';
import { DataInput } from '../types/data-input.ts';
import { DataOutput } from '../types/data-output.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';

/** Records in arrival order; `timestamps` is null when no record has one. */
export interface RecordBatch {
  readonly values: unknown[];
  timestamps: number[] | null;
}

export function newBatch(): RecordBatch {
  return { values: [], timestamps: null };
}

/** Appends a record, creating the timestamp column on the first record that has one. */
export function appendRecord(batch: RecordBatch, value: unknown, timestamp: number): void {
  if (timestamp !== NO_TIMESTAMP && batch.timestamps === null) {
    batch.timestamps = new Array<number>(batch.values.length).fill(NO_TIMESTAMP);
  }
  batch.values.push(value);
  if (batch.timestamps !== null) batch.timestamps.push(timestamp);
}

/**
 * Encodes records one at a time into a growing buffer, so a remote channel never holds the objects
 * and the bytes at once. Layout: [count u32][hasTimestamps u8] then per record [ts f64]? value.
 */
export class BatchEncoder {
  readonly #serializer: TypeSerializer<unknown>;
  readonly #describe: () => string;
  #out: DataOutput;
  #count = 0;
  #timestamps: number[] | null = null;

  constructor(serializer: TypeSerializer<unknown>, initialBytes: number, describe: () => string) {
    this.#serializer = serializer;
    this.#describe = describe;
    this.#out = new DataOutput(initialBytes);
  }

  get count(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#out.position;
  }

  add(value: unknown, timestamp: number): void {
    if (timestamp !== NO_TIMESTAMP && this.#timestamps === null) this.#timestamps = new Array<number>(this.#count).fill(NO_TIMESTAMP);
    try {
      this.#serializer.write(value, this.#out);
    } catch (error) {
      throw new WeirError('SERIALIZATION_FAILED', `${this.#describe()} could not encode a record: ${describeCause(error)}`, {
        cause: error,
        hint: 'declare the output type with .returns(Types...) so it matches what the function returns',
      });
    }
    if (this.#timestamps !== null) this.#timestamps.push(timestamp);
    this.#count++;
  }

  /** The encoded batch in a buffer of its own (transferable), and a reset encoder. */
  seal(): ArrayBuffer {
    const body = this.#out.view();
    const timestamps = this.#timestamps;
    const header = 5 + (timestamps === null ? 0 : 8 * this.#count);
    const buffer = new ArrayBuffer(header + body.byteLength);
    const view = new DataView(buffer);
    view.setUint32(0, this.#count, true);
    view.setUint8(4, timestamps === null ? 0 : 1);
    if (timestamps !== null) for (let i = 0; i < timestamps.length; i++) view.setFloat64(5 + 8 * i, timestamps[i] ?? NO_TIMESTAMP, true);
    new Uint8Array(buffer, header).set(body);
    this.#out.reset();
    this.#count = 0;
    this.#timestamps = null;
    return buffer;
  }
}

/**
 * A batch from another slot, still encoded: the consumer decodes one record at a time as it processes
 * them, so a batch never holds thousands of decoded objects at once (they die young, and cheaply).
 */
export class EncodedBatch {
  readonly count: number;
  readonly #view: DataView;
  readonly #hasTimestamps: boolean;
  readonly #input: DataInput;
  readonly #serializer: TypeSerializer<unknown>;
  readonly #describe: () => string;

  constructor(buffer: ArrayBuffer, serializer: TypeSerializer<unknown>, describe: () => string) {
    if (buffer.byteLength < 5) {
      throw new WeirError('SERIALIZATION_FAILED', `${describe()} received a record batch of ${buffer.byteLength} bytes, shorter than its 5-byte header`);
    }
    const view = new DataView(buffer);
    this.count = view.getUint32(0, true);
    this.#hasTimestamps = view.getUint8(4) === 1;
    this.#view = view;
    this.#input = new DataInput(new Uint8Array(buffer, 5 + (this.#hasTimestamps ? 8 * this.count : 0)));
    this.#serializer = serializer;
    this.#describe = describe;
  }

  get hasTimestamps(): boolean {
    return this.#hasTimestamps;
  }

  /** Decodes the next record; call it `count` times, in order. */
  next(): unknown {
    try {
      return this.#serializer.read(this.#input);
    } catch (error) {
      throw new WeirError('SERIALIZATION_FAILED', `${this.#describe()} could not decode a record batch: ${describeCause(error)}`, { cause: error });
    }
  }

  /** The timestamp of record `index`. */
  timestamp(index: number): number {
    return this.#hasTimestamps ? this.#view.getFloat64(5 + 8 * index, true) : NO_TIMESTAMP;
  }

  /** Decodes every record at once (for tools and tests; tasks decode one at a time). */
  decodeAll(): RecordBatch {
    const values = new Array<unknown>(this.count);
    for (let i = 0; i < this.count; i++) values[i] = this.next();
    return { values, timestamps: this.#hasTimestamps ? values.map((_, i) => this.timestamp(i)) : null };
  }
}

/** Decodes a whole buffer made by BatchEncoder.seal into values. */
export function decodeBatch(buffer: ArrayBuffer, serializer: TypeSerializer<unknown>, describe: () => string): RecordBatch {
  return new EncodedBatch(buffer, serializer, describe).decodeAll();
}
