/**
 * @module Namespaces scope keyed state below the key (a window is a namespace). This file owns the void
 * namespace, the string identity by which namespaces are compared, and their encoding in snapshots.
 */
import { WeirError } from '../core/errors.ts';
import type { DataInput } from '../types/data-input.ts';
import type { DataOutput } from '../types/data-output.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';

/** The namespace of state scoped to the key alone (Flink's `VoidNamespace.INSTANCE`). */
export const VOID_NAMESPACE: unique symbol = Symbol('VoidNamespace');
/** The type of {@link VOID_NAMESPACE}. */
export type VoidNamespace = typeof VOID_NAMESPACE;

/** The identity of {@link VOID_NAMESPACE}; no other namespace maps to the empty string. */
export const VOID_NAMESPACE_ID = '';

const MAX_DEPTH = 16;

/**
 * The string identity of a namespace: two namespaces are the same when their ids are equal.
 *
 * Namespaces are compared by value, not by object identity, because a namespace restored from a
 * snapshot (or rebuilt by a window assigner for every record) is a different object with the same
 * content. The id is a canonical encoding: strings quoted, numbers, bigints (`1n`), booleans, `null`,
 * arrays in order, and other objects (plain or class instances such as a `TimeWindow`) by their own
 * enumerable properties in sorted order, so field order and prototype do not matter. Functions,
 * symbols, `Date`, `Map`, `Set`, and objects nested deeper than 16 levels (or cyclic) are rejected
 * because they have no faithful content encoding; `undefined` is rejected because it means "no
 * namespace given" to the APIs that take one.
 *
 * @example
 * namespaceId(VOID_NAMESPACE)              // ''
 * namespaceId({ start: 0, end: 10 })       // '{"end":10,"start":0}'
 * namespaceId({ end: 10, start: 0 })       // the same
 */
export function namespaceId(namespace: unknown): string {
  if (namespace === VOID_NAMESPACE) return VOID_NAMESPACE_ID;
  if (namespace === undefined) throw invalidNamespace(namespace, 'undefined means "no namespace"; use VOID_NAMESPACE for state scoped to the key alone');
  return encode(namespace, 0);
}

function encode(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return numberId(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) throw invalidNamespace(value, `it nests deeper than ${MAX_DEPTH} levels (or is cyclic)`);
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + encode(value[i], depth + 1);
        return out + ']';
      }
      if (value instanceof Date || value instanceof Map || value instanceof Set) {
        throw invalidNamespace(value, `a ${value.constructor.name} has no own enumerable fields to compare by`);
      }
      return encodeObject(value as Record<string, unknown>, depth);
    default:
      throw invalidNamespace(value, `a ${typeof value} cannot be compared by value`);
  }
}

/**
 * The id of a number: its decimal string, `'0'` for -0 too (-0 and 0 are one namespace, as they are
 * one key in a Map). Window bounds and timer times are epoch milliseconds, beyond the small integers
 * V8 converts quickly; their strings are cached, since windows and timers reuse a few of them.
 */
export function numberId(value: number): string {
  if ((value | 0) === value) return value === 0 ? '0' : String(value);
  let id = numberIds.get(value);
  if (id === undefined) {
    if (numberIds.size >= MAX_NUMBER_IDS) numberIds.clear();
    id = String(value);
    numberIds.set(value, id);
  }
  return id;
}

const numberIds = new Map<number, string>();
const MAX_NUMBER_IDS = 4096;

function encodeObject(value: Record<string, unknown>, depth: number): string {
  const names = Object.keys(value);
  // A time window ({ start, end }, plain or a TimeWindow): the general encoding below, without its sorting and quoting.
  if (names.length === 2) {
    const { start, end } = value;
    if (typeof start === 'number' && typeof end === 'number' && ((names[0] === 'start' && names[1] === 'end') || (names[0] === 'end' && names[1] === 'start'))) {
      return `{"end":${numberId(end)},"start":${numberId(start)}}`;
    }
  }
  sortNames(names);
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    out += `${i === 0 ? '' : ','}${quoteName(name)}:${encode(value[name], depth + 1)}`;
  }
  return out + '}';
}

/**
 * Sorts field names in place. Window operators derive an id for a fresh window object per record,
 * and for the usual two to four fields an insertion sort is several times faster than `Array#sort`.
 */
function sortNames(names: string[]): string[] {
  if (names.length > 8) return names.sort();
  for (let i = 1; i < names.length; i++) {
    const name = names[i] as string;
    let j = i - 1;
    for (; j >= 0 && (names[j] as string) > name; j--) names[j + 1] = names[j] as string;
    names[j + 1] = name;
  }
  return names;
}

const quotedNames = new Map<string, string>();
const MAX_QUOTED_NAMES = 256;

/** `JSON.stringify(name)`, cached: namespaces reuse a handful of field names. */
function quoteName(name: string): string {
  let quoted = quotedNames.get(name);
  if (quoted === undefined) {
    quoted = JSON.stringify(name);
    if (quotedNames.size < MAX_QUOTED_NAMES) quotedNames.set(name, quoted);
  }
  return quoted;
}

function invalidNamespace(value: unknown, why: string): WeirError {
  const what =
    value === undefined ? 'undefined' : typeof value === 'object' && value !== null ? `a ${value.constructor?.name ?? 'object'}` : `a ${typeof value}`;
  return new WeirError('STATE_ACCESS', `cannot use ${what} as a state namespace: ${why}`, {
    hint: 'use plain data as a namespace: strings, numbers, bigints, booleans, arrays or objects of those (a window is { start, end })',
  });
}

/** The byte before a namespace in a snapshot. Part of the snapshot format: never renumber. */
const NamespaceTag = { void: 0, value: 1 } as const;

/**
 * Writes `namespace` for a snapshot: a tag byte, then (unless it is the void namespace, a symbol no
 * serializer can write) the namespace itself with `serializer`.
 */
export function writeNamespace(namespace: unknown, serializer: TypeSerializer<unknown>, out: DataOutput): void {
  if (namespace === VOID_NAMESPACE) {
    out.writeUint8(NamespaceTag.void);
    return;
  }
  out.writeUint8(NamespaceTag.value);
  serializer.write(namespace, out);
}

/** Reads a namespace written by {@link writeNamespace}. */
export function readNamespace(serializer: TypeSerializer<unknown>, input: DataInput): unknown {
  const position = input.position;
  const tag = input.readUint8();
  if (tag === NamespaceTag.void) return VOID_NAMESPACE;
  if (tag === NamespaceTag.value) return serializer.read(input);
  throw new WeirError('SERIALIZATION_FAILED', `corrupt namespace at position ${position}: invalid tag ${tag}`, {
    hint: 'the snapshot is damaged, or was not written by weir',
  });
}
