/**
 * @module Serializers built from other serializers: optional, array, tuple and Map. (Objects have
 * their own module, because their codecs are generated.)
 */
import { WeirError } from '../core/errors.ts';
import type { DataInput } from './data-input.ts';
import type { DataOutput } from './data-output.ts';
import { inlineCodecOf } from './primitive-serializers.ts';
import { describeValue, expectedType, typeMismatch, withPathSegment } from './type-mismatch.ts';
import type { TypeDescription, TypeSerializer } from './type-serializer.ts';

/** The byte before an optional value. */
export const OptionalTag = { absent: 0, present: 1, null: 2 } as const;

/** Arrays longer than this cannot exist in JavaScript; a larger length read means corrupt data. */
const MAX_ARRAY_LENGTH = 2 ** 32 - 1;

/**
 * `T`, `undefined` or `null` (1 tag byte, then the value when present). The static type is `T | undefined`;
 * `null` is accepted as well and kept as `null`, so values parsed from JSON round-trip unchanged.
 */
export class OptionalSerializer<T> implements TypeSerializer<T | undefined> {
  constructor(readonly of: TypeSerializer<T>) {}

  describe(): TypeDescription {
    return { type: 'optional', of: this.of.describe() };
  }

  write(value: T | undefined, out: DataOutput): void {
    if (value === undefined) {
      out.writeUint8(OptionalTag.absent);
    } else if (value === null) {
      out.writeUint8(OptionalTag.null);
    } else {
      out.writeUint8(OptionalTag.present);
      this.of.write(value, out);
    }
  }

  read(input: DataInput): T | undefined {
    const tag = input.readUint8();
    if (tag === OptionalTag.present) return this.of.read(input);
    return optionalWithoutValue(tag, input) as undefined;
  }

  copy(value: T | undefined): T | undefined {
    return value === undefined || value === null ? value : this.of.copy(value);
  }
}

/**
 * The value of an optional whose tag says it has none: `undefined` or `null`. Shared with the generated
 * object codecs.
 */
export function optionalWithoutValue(tag: number, input: DataInput): undefined | null {
  if (tag === OptionalTag.absent) return undefined;
  if (tag === OptionalTag.null) return null;
  throw new WeirError('SERIALIZATION_FAILED', `corrupt data at position ${input.position - 1}: invalid optional tag ${tag}`, {
    hint: 'the data is damaged, or was written with a different type than the one reading it',
  });
}

/** An array of any length whose elements all have one type (a LEB128 length, then the elements). */
export class ArraySerializer<T> implements TypeSerializer<T[]> {
  private readonly immutableElements: boolean;

  constructor(readonly of: TypeSerializer<T>) {
    this.immutableElements = inlineCodecOf(of) !== undefined;
  }

  describe(): TypeDescription {
    return { type: 'array', of: this.of.describe() };
  }

  write(value: T[], out: DataOutput): void {
    if (!Array.isArray(value)) throw typeMismatch(expectedType(this.describe()), value);
    const length = value.length;
    out.writeVarUint(length);
    const of = this.of;
    let i = 0;
    try {
      for (; i < length; i++) of.write(value[i] as T, out);
    } catch (error) {
      throw withPathSegment(error, `[${i}]`);
    }
  }

  read(input: DataInput): T[] {
    const length = readLength(input);
    const of = this.of;
    const result: T[] = [];
    for (let i = 0; i < length; i++) result.push(of.read(input));
    return result;
  }

  copy(value: T[]): T[] {
    if (this.immutableElements) return value.slice();
    const of = this.of;
    const result: T[] = [];
    for (let i = 0; i < value.length; i++) result.push(of.copy(value[i] as T));
    return result;
  }
}

/** A fixed-length array with one type per position; only the elements are written. */
export class TupleSerializer<T extends unknown[]> implements TypeSerializer<T> {
  constructor(readonly items: readonly TypeSerializer<unknown>[]) {}

  describe(): TypeDescription {
    return { type: 'tuple', items: this.items.map((item) => item.describe()) };
  }

  write(value: T, out: DataOutput): void {
    const items = this.items;
    if (!Array.isArray(value) || value.length !== items.length) throw typeMismatch(expectedType(this.describe()), value);
    let i = 0;
    try {
      for (; i < items.length; i++) (items[i] as TypeSerializer<unknown>).write(value[i], out);
    } catch (error) {
      throw withPathSegment(error, `[${i}]`);
    }
  }

  read(input: DataInput): T {
    const items = this.items;
    const result: unknown[] = [];
    for (let i = 0; i < items.length; i++) result.push((items[i] as TypeSerializer<unknown>).read(input));
    return result as T;
  }

  copy(value: T): T {
    const items = this.items;
    const result: unknown[] = [];
    for (let i = 0; i < items.length; i++) result.push((items[i] as TypeSerializer<unknown>).copy(value[i]));
    return result as T;
  }
}

/** A JavaScript Map (a LEB128 size, then key and value for each entry in insertion order). */
export class MapSerializer<K, V> implements TypeSerializer<Map<K, V>> {
  constructor(
    readonly key: TypeSerializer<K>,
    readonly value: TypeSerializer<V>,
  ) {}

  describe(): TypeDescription {
    return { type: 'map', key: this.key.describe(), value: this.value.describe() };
  }

  write(map: Map<K, V>, out: DataOutput): void {
    if (!(map instanceof Map)) throw typeMismatch(expectedType(this.describe()), map);
    out.writeVarUint(map.size);
    const keySerializer = this.key;
    const valueSerializer = this.value;
    for (const [key, value] of map) {
      try {
        keySerializer.write(key, out);
      } catch (error) {
        throw withPathSegment(error, '{key}');
      }
      try {
        valueSerializer.write(value, out);
      } catch (error) {
        throw withPathSegment(error, `[${keyLabel(key)}]`);
      }
    }
  }

  read(input: DataInput): Map<K, V> {
    const size = readLength(input);
    const keySerializer = this.key;
    const valueSerializer = this.value;
    const map = new Map<K, V>();
    for (let i = 0; i < size; i++) {
      const key = keySerializer.read(input);
      map.set(key, valueSerializer.read(input));
    }
    return map;
  }

  copy(map: Map<K, V>): Map<K, V> {
    const result = new Map<K, V>();
    for (const [key, value] of map) result.set(this.key.copy(key), this.value.copy(value));
    return result;
  }
}

function readLength(input: DataInput): number {
  const position = input.position;
  const length = input.readVarUint();
  if (length > MAX_ARRAY_LENGTH) {
    throw new WeirError('SERIALIZATION_FAILED', `corrupt data at position ${position}: collection length ${length} is too large`, {
      hint: 'the data is damaged, or was written with a different type than the one reading it',
    });
  }
  return length;
}

/** How a map key appears in a field path: primitives as written, anything else by its kind. */
function keyLabel(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}...` : key);
  if (typeof key === 'number' || typeof key === 'boolean') return String(key);
  if (typeof key === 'bigint') return `${key}n`;
  return describeValue(key);
}
