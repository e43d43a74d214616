/**
 * @module The TypeSerializer contract and the TypeDescription stored in snapshots: what every type
 * serializer implements, and the JSON form a restore rebuilds it from.
 */
import type { DataInput } from './data-input.ts';
import type { DataOutput } from './data-output.ts';

/**
 * Encodes and decodes values of one type. The same serializer encodes record batches between workers
 * and state in snapshots, so `write` must reject values that do not match the type rather than write
 * bytes `read` cannot decode.
 */
export interface TypeSerializer<T> {
  /** Stable description, JSON-serialisable, stored in snapshots. */
  describe(): TypeDescription;
  /** Appends `value` to `out`; throws SERIALIZATION_FAILED naming the field when it does not match the type. */
  write(value: T, out: DataOutput): void;
  /** Reads one value written by `write`. */
  read(input: DataInput): T;
  /** Deep copy for copy-on-write state; identity for immutable values. */
  copy(value: T): T;
}

/**
 * The JSON form of a type. Object fields are encoded in the order of `Object.keys(fields)`, which a
 * JSON round trip keeps, so a description rebuilds a serializer with the same binary layout.
 */
export type TypeDescription =
  | { readonly type: 'string' }
  | { readonly type: 'number' }
  | { readonly type: 'int' }
  | { readonly type: 'bigint' }
  | { readonly type: 'boolean' }
  | { readonly type: 'optional'; readonly of: TypeDescription }
  | { readonly type: 'array'; readonly of: TypeDescription }
  | { readonly type: 'tuple'; readonly items: readonly TypeDescription[] }
  | { readonly type: 'object'; readonly fields: Readonly<Record<string, TypeDescription>> }
  | { readonly type: 'map'; readonly key: TypeDescription; readonly value: TypeDescription }
  | { readonly type: 'generic' };

/** The `type` of every description. */
export type TypeName = TypeDescription['type'];

/**
 * The value type of a serializer.
 *
 * @example
 * const Click = Types.object({ user: Types.string, at: Types.number });
 * type Click = TypeOf<typeof Click>; // { user: string; at: number }
 */
export type TypeOf<S> = S extends TypeSerializer<infer T> ? T : never;

/** A short human-readable name for a type, as error messages print it: `array<optional<string>>`. */
export function formatTypeDescription(description: TypeDescription): string {
  switch (description.type) {
    case 'optional':
    case 'array':
      return `${description.type}<${formatTypeDescription(description.of)}>`;
    case 'tuple':
      return `tuple<${description.items.map(formatTypeDescription).join(', ')}>`;
    case 'map':
      return `map<${formatTypeDescription(description.key)}, ${formatTypeDescription(description.value)}>`;
    case 'object': {
      const names = Object.keys(description.fields);
      if (names.length === 0) return 'object {}';
      const shown = names.length <= 6 ? names.join(', ') : `${names.slice(0, 6).join(', ')}, ...`;
      return `object { ${shown} }`;
    }
    default:
      return description.type;
  }
}
