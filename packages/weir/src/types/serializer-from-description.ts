/**
 * @module Rebuilding serializers from the descriptions stored in snapshots, and deciding whether a
 * restored snapshot's types can be read by the job's current types.
 */
import { WeirError } from '../core/errors.ts';
import { formatDefaultValue } from './type-defaults.ts';
import { formatTypeDescription } from './type-serializer.ts';
import type { TypeDescription, TypeSerializer } from './type-serializer.ts';
import { Types } from './types.ts';

/**
 * The answer of {@link checkCompatibility}:
 * - `compatible`: the current serializer reads the stored bytes as they are;
 * - `compatible-after-migration`: read every value with `serializerFromDescription(stored)` and write
 *   it again with the current serializer; `changes` lists why, one line per change;
 * - `incompatible`: the stored values cannot become values of the current type; `reason` says where.
 */
export type Compatibility =
  | { readonly kind: 'compatible' }
  | { readonly kind: 'compatible-after-migration'; readonly changes: string[] }
  | { readonly kind: 'incompatible'; readonly reason: string };

/**
 * A serializer with the binary layout `description` was stored with, to read a snapshot taken by an
 * earlier version of the job. Throws SERIALIZATION_FAILED for a description it does not understand.
 */
export function serializerFromDescription(description: TypeDescription): TypeSerializer<unknown> {
  return build(description, '');
}

function build(description: unknown, path: string): TypeSerializer<unknown> {
  const d = description as Partial<Record<string, unknown>> | null;
  if (typeof d !== 'object' || d === null || typeof d.type !== 'string') malformed(path, 'expected an object with a string "type"');
  switch (d.type) {
    case 'string':
      return Types.string;
    case 'number':
      return Types.number;
    case 'int':
      return Types.int;
    case 'bigint':
      return Types.bigint;
    case 'boolean':
      return Types.boolean;
    case 'generic':
      return Types.generic();
    case 'optional':
      return Types.optional(build(d.of, path));
    case 'array':
      return Types.array(build(d.of, `${path}[]`));
    case 'tuple': {
      if (!Array.isArray(d.items)) malformed(path, 'a tuple needs an "items" array');
      return Types.tuple(...d.items.map((item: unknown, i) => build(item, `${path}[${i}]`)));
    }
    case 'map':
      return Types.map(build(d.key, `${path}{key}`), build(d.value, `${path}{value}`));
    case 'object': {
      const fields = d.fields;
      if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) malformed(path, 'an object needs a "fields" object');
      const serializers: Record<string, TypeSerializer<unknown>> = {};
      for (const [name, field] of Object.entries(fields)) {
        if (name === '__proto__') malformed(path, "'__proto__' is not a valid field name");
        serializers[name] = build(field, joinField(path, name));
      }
      return Types.object(serializers);
    }
    default:
      return malformed(path, `unknown type '${d.type}'`);
  }
}

function malformed(path: string, problem: string): never {
  const where = path === '' ? 'stored type description' : `stored type description at '${path}'`;
  throw new WeirError('SERIALIZATION_FAILED', `cannot rebuild a serializer from the ${where}: ${problem}`, {
    hint: 'the snapshot metadata is damaged, or was written by a newer version of weir',
  });
}

/**
 * Whether values stored with type `stored` can be restored into type `current` (Flink's
 * TypeSerializerSnapshot compatibility). Adding a field (restored values get its type's default, see
 * `defaultValueOf`, or `undefined` when it is optional), removing a field (its values are dropped),
 * reordering fields, making a type optional, widening int to number and changing a type to generic are
 * migrations. Changing a field's type otherwise is incompatible.
 *
 * @example
 * checkCompatibility(Types.object({ age: Types.string }).describe(), Types.object({ age: Types.number }).describe());
 * // { kind: 'incompatible', reason: "field 'age' changed from string to number" }
 */
export function checkCompatibility(stored: TypeDescription, current: TypeDescription): Compatibility {
  const changes: string[] = [];
  const reason = compare(stored, current, '', changes);
  if (reason !== undefined) return { kind: 'incompatible', reason };
  return changes.length === 0 ? { kind: 'compatible' } : { kind: 'compatible-after-migration', changes };
}

/** Records migrations in `changes`; returns the reason when the types are incompatible. */
function compare(stored: TypeDescription, current: TypeDescription, path: string, changes: string[]): string | undefined {
  if (stored.type === current.type) {
    switch (stored.type) {
      case 'optional':
      case 'array':
        return compare(stored.of, (current as typeof stored).of, stored.type === 'array' ? `${path}[]` : path, changes);
      case 'map': {
        const other = current as typeof stored;
        return compare(stored.key, other.key, `${path}{key}`, changes) ?? compare(stored.value, other.value, `${path}{value}`, changes);
      }
      case 'tuple': {
        const other = current as typeof stored;
        if (stored.items.length !== other.items.length) {
          return `${subject(path)} changed from ${formatTypeDescription(stored)} to ${formatTypeDescription(current)}`;
        }
        for (let i = 0; i < stored.items.length; i++) {
          const reason = compare(stored.items[i] as TypeDescription, other.items[i] as TypeDescription, `${path}[${i}]`, changes);
          if (reason !== undefined) return reason;
        }
        return undefined;
      }
      case 'object':
        return compareObjects(stored.fields, (current as typeof stored).fields, path, changes);
      default:
        return undefined;
    }
  }
  if (current.type === 'generic') {
    changes.push(`${subject(path)} changed from ${formatTypeDescription(stored)} to generic`);
    return undefined;
  }
  if (current.type === 'optional') {
    const reason = compare(stored, current.of, path, changes);
    if (reason === undefined) changes.push(`${subject(path)} became optional`);
    return reason;
  }
  if (stored.type === 'int' && current.type === 'number') {
    changes.push(`${subject(path)} widened from int to number`);
    return undefined;
  }
  return `${subject(path)} changed from ${formatTypeDescription(stored)} to ${formatTypeDescription(current)}`;
}

function compareObjects(
  stored: Readonly<Record<string, TypeDescription>>,
  current: Readonly<Record<string, TypeDescription>>,
  path: string,
  changes: string[],
): string | undefined {
  const storedNames = Object.keys(stored);
  const currentNames = Object.keys(current);
  for (const name of storedNames) {
    const field = joinField(path, name);
    const now = Object.hasOwn(current, name) ? current[name] : undefined;
    if (now === undefined) {
      changes.push(`field '${field}' removed`);
      continue;
    }
    const reason = compare(stored[name] as TypeDescription, now, field, changes);
    if (reason !== undefined) return reason;
  }
  for (const name of currentNames) {
    if (Object.hasOwn(stored, name)) continue;
    const added = current[name] as TypeDescription;
    const field = joinField(path, name);
    changes.push(added.type === 'optional' || added.type === 'generic' ? `field '${field}' added` : `field '${field}' added (restored values get ${formatDefaultValue(added)})`);
  }
  const kept = currentNames.filter((name) => Object.hasOwn(stored, name));
  const keptBefore = storedNames.filter((name) => Object.hasOwn(current, name));
  if (kept.some((name, i) => name !== keptBefore[i])) {
    changes.push(`fields of ${path === '' ? 'the object' : `'${path}'`} reordered`);
  }
  return undefined;
}

function joinField(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function subject(path: string): string {
  return path === '' ? 'the type' : `field '${path}'`;
}
