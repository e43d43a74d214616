/**
 * @module `Types`: the constructors users declare record and state types with, e.g.
 * `Types.object({ user: Types.string, clicks: Types.int })`.
 */
import { invalidOption } from '../core/options.ts';
import { ArraySerializer, MapSerializer, OptionalSerializer, TupleSerializer } from './composite-serializers.ts';
import { GenericSerializer } from './generic-serializer.ts';
import { ObjectSerializer } from './object-serializer.ts';
import type { FieldSerializers } from './object-serializer.ts';
import { bigintSerializer, booleanSerializer, intSerializer, numberSerializer, stringSerializer } from './primitive-serializers.ts';
import type { TypeOf, TypeSerializer } from './type-serializer.ts';

// One instance serves every type argument: the type parameter exists only at compile time.
const genericSerializer = new GenericSerializer<unknown>();

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The value type of `Types.object(fields)`: fields whose serializer accepts `undefined` (optional,
 * generic) are optional properties.
 */
export type ObjectOf<F extends FieldSerializers> = Simplify<
  { -readonly [K in keyof F as undefined extends TypeOf<F[K]> ? never : K]: TypeOf<F[K]> } & {
    -readonly [K in keyof F as undefined extends TypeOf<F[K]> ? K : never]?: TypeOf<F[K]>;
  }
>;

/** The value type of `Types.tuple(...items)`. */
export type TupleOf<S extends readonly TypeSerializer<unknown>[]> = { -readonly [K in keyof S]: TypeOf<S[K]> };

function checkSerializer(option: string, where: string, value: unknown): void {
  const candidate = value as Partial<TypeSerializer<unknown>> | null | undefined;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.write !== 'function' || typeof candidate.read !== 'function') {
    invalidOption(option, value, 'a type serializer such as Types.string', where);
  }
}

/**
 * Type serializers for records and state. Declared types are checked on every write and encoded
 * compactly with no field names; `Types.generic()` takes anything structured-clone-able, slower.
 *
 * @example
 * const PageView = Types.object({
 *   user: Types.string,
 *   url: Types.string,
 *   at: Types.number,
 *   referrer: Types.optional(Types.string),
 * });
 * type PageView = TypeOf<typeof PageView>;
 */
export const Types = {
  /** A UTF-8 string. A lone surrogate (invalid UTF-16) is written as U+FFFD. */
  string: stringSerializer as TypeSerializer<string>,
  /** Any number, as a float64: -0, NaN and the infinities round-trip. */
  number: numberSerializer as TypeSerializer<number>,
  /** A 32-bit signed integer, checked on write (fractions and out-of-range values fail); -0 reads back as 0. */
  int: intSerializer as TypeSerializer<number>,
  /** A bigint of any size. */
  bigint: bigintSerializer as TypeSerializer<bigint>,
  /** true or false, in one byte. */
  boolean: booleanSerializer as TypeSerializer<boolean>,

  /**
   * `T` or `undefined`. `null` is accepted too and read back as `null` (not `undefined`), so data
   * parsed from JSON round-trips unchanged; the static type leaves it out because weir never creates it.
   */
  optional<T>(of: TypeSerializer<T>): TypeSerializer<T | undefined> {
    checkSerializer('of', 'Types.optional', of);
    return new OptionalSerializer(of);
  },

  /** An array of any length whose elements all have type `T`. */
  array<T>(of: TypeSerializer<T>): TypeSerializer<T[]> {
    checkSerializer('of', 'Types.array', of);
    return new ArraySerializer(of);
  },

  /**
   * A fixed-length array with one type per position.
   *
   * @example
   * const Pair = Types.tuple(Types.string, Types.number); // TypeSerializer<[string, number]>
   */
  tuple<S extends TypeSerializer<unknown>[]>(...items: S): TypeSerializer<TupleOf<S>> {
    items.forEach((item, i) => checkSerializer(`items[${i}]`, 'Types.tuple', item));
    return new TupleSerializer<TupleOf<S>>(items);
  },

  /**
   * An object with a fixed list of fields, encoded in the order they are declared. Writing fails
   * on a missing or mistyped field, naming it; undeclared properties are dropped. Reading always
   * yields every declared field (absent optional ones as `undefined`).
   */
  object<F extends FieldSerializers>(fields: F): TypeSerializer<ObjectOf<F>> {
    if (typeof fields !== 'object' || fields === null) invalidOption('fields', fields, 'an object of type serializers', 'Types.object');
    return new ObjectSerializer<ObjectOf<F>>(fields);
  },

  /** A JavaScript Map; entries keep their insertion order. */
  map<K, V>(key: TypeSerializer<K>, value: TypeSerializer<V>): TypeSerializer<Map<K, V>> {
    checkSerializer('key', 'Types.map', key);
    checkSerializer('value', 'Types.map', value);
    return new MapSerializer(key, value);
  },

  /**
   * Anything `structuredClone` accepts, for values with no declared type. Larger and slower than a
   * declared type, and a restore cannot check its compatibility; the type argument is not checked.
   */
  generic<T = unknown>(): TypeSerializer<T> {
    return genericSerializer as TypeSerializer<T>;
  },
} as const;
