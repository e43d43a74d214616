/**
 * @module Default values of types, for schema evolution: a field added to a `Types.object` state type
 * gets its type's default in every restored value (Flink's POJO serializer gives new fields Java's
 * default values the same way).
 */
import type { TypeDescription } from './type-serializer.ts';

/**
 * The value a field of this type starts with in restored state: 0 for numbers and ints, 0n, false, ''
 * for strings, empty arrays and maps, an object or tuple of defaults, and `undefined` for optional and
 * generic types.
 */
export function defaultValueOf(description: TypeDescription): unknown {
  switch (description.type) {
    case 'number':
    case 'int':
      return 0;
    case 'bigint':
      return 0n;
    case 'boolean':
      return false;
    case 'string':
      return '';
    case 'array':
      return [];
    case 'map':
      return new Map();
    case 'tuple':
      return description.items.map(defaultValueOf);
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(description.fields)) value[name] = defaultValueOf(field);
      return value;
    }
    case 'optional':
    case 'generic':
      return undefined;
  }
}

/** How a default is shown in a list of schema changes: `0`, `''`, `[]`. */
export function formatDefaultValue(description: TypeDescription): string {
  switch (description.type) {
    case 'number':
    case 'int':
      return '0';
    case 'bigint':
      return '0n';
    case 'boolean':
      return 'false';
    case 'string':
      return "''";
    case 'array':
      return '[]';
    case 'map':
      return 'an empty Map';
    case 'tuple':
      return `[${description.items.map(formatDefaultValue).join(', ')}]`;
    case 'object':
      return 'an object of defaults';
    case 'optional':
    case 'generic':
      return 'undefined';
  }
}

/**
 * `value` (a value of an earlier version of the type) with every required field it lacks set to its
 * default, at any depth. Fields present are kept as they are; `value` itself is not changed.
 *
 * @example
 * withDefaults(Types.object({ n: Types.int, tags: Types.array(Types.string) }).describe(), { n: 3 }); // { n: 3, tags: [] }
 */
export function withDefaults(description: TypeDescription, value: unknown): unknown {
  switch (description.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null) return value;
      const source = value as Record<string, unknown>;
      const result: Record<string, unknown> = { ...source };
      for (const [name, field] of Object.entries(description.fields)) {
        const current = source[name];
        result[name] = current === undefined ? defaultValueOf(field) : withDefaults(field, current);
      }
      return result;
    }
    case 'optional':
      return value === undefined || value === null ? value : withDefaults(description.of, value);
    case 'array':
      return Array.isArray(value) ? (value as unknown[]).map((element) => withDefaults(description.of, element)) : value;
    case 'tuple':
      return Array.isArray(value) ? (value as unknown[]).map((item, i) => (description.items[i] === undefined ? item : withDefaults(description.items[i], item))) : value;
    case 'map':
      return value instanceof Map ? new Map([...value].map(([k, v]) => [withDefaults(description.key, k), withDefaults(description.value, v)])) : value;
    default:
      return value;
  }
}
