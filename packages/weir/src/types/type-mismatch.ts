/**
 * @module The SERIALIZATION_FAILED errors for values that do not match their declared type. Each error
 * remembers its field path, so an enclosing serializer can extend it ('age' becomes 'user.age').
 */
import { WeirError } from '../core/errors.ts';
import { formatTypeDescription } from './type-serializer.ts';
import type { TypeDescription } from './type-serializer.ts';

interface Mismatch {
  readonly path: string;
  readonly expected: string;
  readonly actual: string;
}

const HINT = 'fix the value or the declared type (use Types.optional(...) for a field that may be missing)';
/** Errors this module created, with what is needed to rebuild them one level up. */
const mismatches = new WeakMap<WeirError, Mismatch>();

/** The error for `value` not being a `expected`; `missing` says the object had no such field at all. */
export function typeMismatch(expected: string, value: unknown, missing = false): WeirError {
  return create({ path: '', expected, actual: missing ? 'nothing (the field is missing)' : describeValue(value) });
}

/**
 * Re-targets an error thrown while writing a nested value at `segment` (a field name, or `[3]` for an
 * element) below the current one. Errors this module did not create are returned unchanged.
 */
export function withPathSegment(error: unknown, segment: string): unknown {
  if (!(error instanceof WeirError)) return error;
  const mismatch = mismatches.get(error);
  if (mismatch === undefined) return error;
  const nested = mismatch.path;
  const path = nested === '' ? segment : nested.startsWith('[') || nested.startsWith('{') ? segment + nested : `${segment}.${nested}`;
  return create({ ...mismatch, path });
}

/** What a type accepts, as error messages say it. */
export function expectedType(description: TypeDescription): string {
  return description.type === 'int' ? 'int (an integer from -2^31 to 2^31 - 1)' : formatTypeDescription(description);
}

/** A short description of a value for error messages: its kind and, for primitives, the value. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return value.length > 40 ? `string '${value.slice(0, 40)}...'` : `string '${value}'`;
    case 'number':
      return Object.is(value, -0) ? 'number -0' : `number ${value}`;
    case 'bigint':
      return `bigint ${value}n`;
    case 'boolean':
      return `boolean ${value}`;
    case 'symbol':
      return `symbol ${value.description ?? ''}`;
    case 'function':
      return `function ${value.name === '' ? '(anonymous)' : value.name}`;
    case 'object':
      if (Array.isArray(value)) return `array of length ${value.length}`;
      if (value instanceof Map) return `Map of size ${value.size}`;
      if (value instanceof Set) return `Set of size ${value.size}`;
      return objectKind(value);
    default:
      return typeof value;
  }
}

function objectKind(value: object): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null || proto === Object.prototype) return 'object';
  const ctor: unknown = (proto as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? `${ctor.name} instance` : 'object';
}

function create(mismatch: Mismatch): WeirError {
  const where = mismatch.path === '' ? 'value' : `field '${mismatch.path}'`;
  const error = new WeirError('SERIALIZATION_FAILED', `cannot serialize ${where}: expected ${mismatch.expected}, got ${mismatch.actual}`, {
    hint: HINT,
  });
  mismatches.set(error, mismatch);
  return error;
}
