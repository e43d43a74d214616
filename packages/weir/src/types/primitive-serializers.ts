/**
 * @module Serializers of the primitive types (string, number, int, bigint, boolean), and the inline
 * code that lets `Types.object` write such fields without a call per field.
 */
import type { DataInput } from './data-input.ts';
import type { DataOutput } from './data-output.ts';
import { expectedType, typeMismatch } from './type-mismatch.ts';
import type { TypeDescription, TypeSerializer } from './type-serializer.ts';

/**
 * JavaScript snippets a generated object codec pastes in for one field. `check` is an expression over
 * the field value `v`; `write` a statement writing `v` to `out`; `read` an expression reading from `input`.
 */
export interface InlineCodec {
  readonly check: string;
  readonly write: string;
  readonly read: string;
}

const inlineCodecs = new WeakMap<TypeSerializer<unknown>, InlineCodec>();

/**
 * The inline code for a primitive serializer; undefined for anything else. Values of these types are
 * immutable, so a copy of them is the value itself.
 */
export function inlineCodecOf(serializer: TypeSerializer<unknown>): InlineCodec | undefined {
  return inlineCodecs.get(serializer);
}

const STRING: TypeDescription = Object.freeze({ type: 'string' });
const NUMBER: TypeDescription = Object.freeze({ type: 'number' });
const INT: TypeDescription = Object.freeze({ type: 'int' });
const BIGINT: TypeDescription = Object.freeze({ type: 'bigint' });
const BOOLEAN: TypeDescription = Object.freeze({ type: 'boolean' });

/** UTF-8 strings; see `DataOutput#writeString` for lone surrogates. */
export class StringSerializer implements TypeSerializer<string> {
  describe(): TypeDescription {
    return STRING;
  }
  write(value: string, out: DataOutput): void {
    if (typeof value !== 'string') throw typeMismatch('string', value);
    out.writeString(value);
  }
  read(input: DataInput): string {
    return input.readString();
  }
  copy(value: string): string {
    return value;
  }
}

/** Any JavaScript number as a float64 (8 bytes): -0, NaN and the infinities round-trip. */
export class NumberSerializer implements TypeSerializer<number> {
  describe(): TypeDescription {
    return NUMBER;
  }
  write(value: number, out: DataOutput): void {
    if (typeof value !== 'number') throw typeMismatch('number', value);
    out.writeFloat64(value);
  }
  read(input: DataInput): number {
    return input.readFloat64();
  }
  copy(value: number): number {
    return value;
  }
}

/** A 32-bit signed integer (4 bytes). Fractions, NaN and out-of-range values are rejected; -0 reads back as 0. */
export class IntSerializer implements TypeSerializer<number> {
  describe(): TypeDescription {
    return INT;
  }
  write(value: number, out: DataOutput): void {
    if (typeof value !== 'number' || (value | 0) !== value) throw typeMismatch(expectedType(INT), value);
    out.writeInt32(value);
  }
  read(input: DataInput): number {
    return input.readInt32();
  }
  copy(value: number): number {
    return value;
  }
}

/** A bigint of any size (9 bytes in the 64-bit range). */
export class BigIntSerializer implements TypeSerializer<bigint> {
  describe(): TypeDescription {
    return BIGINT;
  }
  write(value: bigint, out: DataOutput): void {
    if (typeof value !== 'bigint') throw typeMismatch('bigint', value);
    out.writeBigInt64(value);
  }
  read(input: DataInput): bigint {
    return input.readBigInt64();
  }
  copy(value: bigint): bigint {
    return value;
  }
}

/** true or false (1 byte). */
export class BooleanSerializer implements TypeSerializer<boolean> {
  describe(): TypeDescription {
    return BOOLEAN;
  }
  write(value: boolean, out: DataOutput): void {
    if (typeof value !== 'boolean') throw typeMismatch('boolean', value);
    out.writeUint8(value ? 1 : 0);
  }
  read(input: DataInput): boolean {
    return input.readUint8() !== 0;
  }
  copy(value: boolean): boolean {
    return value;
  }
}

/** The one instance of each primitive serializer; `Types` hands these out, and inlining recognises them. */
export const stringSerializer = new StringSerializer();
export const numberSerializer = new NumberSerializer();
export const intSerializer = new IntSerializer();
export const bigintSerializer = new BigIntSerializer();
export const booleanSerializer = new BooleanSerializer();

inlineCodecs.set(stringSerializer, { check: "typeof v === 'string'", write: 'out.writeString(v)', read: 'input.readString()' });
inlineCodecs.set(numberSerializer, { check: "typeof v === 'number'", write: 'out.writeFloat64(v)', read: 'input.readFloat64()' });
inlineCodecs.set(intSerializer, { check: "typeof v === 'number' && (v | 0) === v", write: 'out.writeInt32(v)', read: 'input.readInt32()' });
inlineCodecs.set(bigintSerializer, { check: "typeof v === 'bigint'", write: 'out.writeBigInt64(v)', read: 'input.readBigInt64()' });
inlineCodecs.set(booleanSerializer, { check: "typeof v === 'boolean'", write: 'out.writeUint8(v ? 1 : 0)', read: 'input.readUint8() !== 0' });
