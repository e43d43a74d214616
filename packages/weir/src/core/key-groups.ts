/**
 * @module Key groups: how keys are hashed into `maxParallelism` groups and how contiguous ranges of
 * groups are assigned to parallel subtasks. The hash is part of the snapshot format: it never changes.
 */
import { WeirError } from './errors.ts';

/** A key weir can partition and scope state by. Arrays (tuples) of primitives are compared by value. */
export type Key = string | number | bigint | boolean | readonly (string | number | bigint | boolean)[];

/** Flink's default and the upper bound for `maxParallelism`. */
export const DEFAULT_MAX_PARALLELISM = 128;
export const UPPER_BOUND_MAX_PARALLELISM = 32768;

/** An inclusive range of key groups `[start, end]`; empty when `end < start`. */
export class KeyGroupRange {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

  get size(): number {
    return this.end < this.start ? 0 : this.end - this.start + 1;
  }

  contains(keyGroup: number): boolean {
    return keyGroup >= this.start && keyGroup <= this.end;
  }

  toString(): string {
    return this.size === 0 ? '[]' : `[${this.start}..${this.end}]`;
  }
}

/** The key groups owned by subtask `index` of `parallelism` (Flink's formula, so ranges are contiguous). */
export function keyGroupRangeForSubtask(maxParallelism: number, parallelism: number, index: number): KeyGroupRange {
  const start = Math.floor((index * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((index + 1) * maxParallelism - 1) / parallelism);
  return new KeyGroupRange(start, end);
}

/** The subtask that owns `keyGroup` when `maxParallelism` groups are spread over `parallelism` subtasks. */
export function subtaskForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The key group of an already validated key. */
export function keyGroupOf(key: Key, maxParallelism: number): number {
  return (hashKey(key) >>> 0) % maxParallelism;
}

/**
 * The identity used for a key in hash maps: primitives as they are, tuples as a canonical string.
 * Two keys with equal normalized forms are the same key.
 */
export function normalizeKey(key: Key): string | number | bigint | boolean {
  if (typeof key !== 'object') return key;
  let out = '\u0000[';
  for (const part of key) out += `${typeof part === 'string' ? JSON.stringify(part) : typeof part === 'bigint' ? `${part}n` : String(part)},`;
  return out;
}

/**
 * The key whose normalized form is `normalized`: a tuple again from its canonical string (a -0 in a
 * tuple comes back as 0, the same key), anything else as it is. A string that merely looks like a
 * tuple's form but does not parse as one is returned unchanged.
 */
export function denormalizeKey(normalized: string | number | bigint | boolean): Key {
  if (typeof normalized !== 'string' || !normalized.startsWith('\u0000[')) return normalized;
  const parts: (string | number | bigint | boolean)[] = [];
  const length = normalized.length;
  let i = 2;
  while (i < length) {
    let end: number;
    if (normalized.charCodeAt(i) === 0x22) {
      // a JSON string: up to the first quote not escaped
      end = i + 1;
      while (end < length) {
        const c = normalized.charCodeAt(end);
        if (c === 0x22) break;
        end += c === 0x5c ? 2 : 1;
      }
      if (end >= length || normalized.charCodeAt(end + 1) !== 0x2c) return normalized;
      parts.push(JSON.parse(normalized.slice(i, end + 1)) as string);
      end++;
    } else {
      end = normalized.indexOf(',', i);
      if (end < 0) return normalized;
      const text = normalized.slice(i, end);
      if (text === 'true' || text === 'false') parts.push(text === 'true');
      else if (text.endsWith('n') && /^-?\d+n$/.test(text)) parts.push(BigInt(text.slice(0, -1)));
      else {
        const number = Number(text);
        if (text.length === 0 || Number.isNaN(number)) return normalized;
        parts.push(number);
      }
    }
    i = end + 1;
  }
  return parts;
}

/** Returns a message describing why `key` is not a valid key, or undefined when it is valid. */
export function checkKey(key: unknown): string | undefined {
  switch (typeof key) {
    case 'string':
    case 'bigint':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isNaN(key) ? 'NaN is not a valid key' : undefined;
    case 'undefined':
      return 'the key is undefined';
    case 'object':
      if (key === null) return 'the key is null';
      if (Array.isArray(key)) {
        for (const part of key as unknown[]) {
          const t = typeof part;
          if (t !== 'string' && t !== 'number' && t !== 'bigint' && t !== 'boolean') {
            return `a tuple key may hold only strings, numbers, bigints and booleans, found ${describeType(part)}`;
          }
        }
        return undefined;
      }
      return `the key is an object (${describeType(key)}); return a string, number, bigint, boolean or an array of those`;
    default:
      return `the key is a ${typeof key}; return a string, number, bigint, boolean or an array of those`;
  }
}

/** Validates `key` and returns it typed, or throws INVALID_KEY naming `where`. */
export function requireKey(key: unknown, where: string): Key {
  const problem = checkKey(key);
  if (problem !== undefined) {
    throw new WeirError('INVALID_KEY', `key selector of ${where} returned an invalid key: ${problem}`, {
      hint: 'make the key selector return a defined string, number, bigint or boolean (or an array of those) for every record',
    });
  }
  return key as Key;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value).constructor?.name ?? 'object';
  return typeof value;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mix(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalize(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Murmur3 (32 bit) over the UTF-16 code units of `s`, two units per block. */
export function hashString(s: string, seed = 0): number {
  let h = seed;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) h = mix(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) h = mix(h, s.charCodeAt(i));
  return finalize(h, n);
}

const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);

/** Stable 32-bit hash of a key; equal keys (by normalizeKey) hash equally. */
export function hashKey(key: Key): number {
  switch (typeof key) {
    case 'string':
      return hashString(key);
    case 'number':
      // -0 is the same key as 0 (in Maps and in state), so it must hash the same: -0 | 0 is 0
      if ((key | 0) === key) return finalize(mix(0, key | 0), 4);
      f64[0] = key;
      return finalize(mix(mix(0, f64Words[0] ?? 0), f64Words[1] ?? 0), 8);
    case 'boolean':
      return finalize(mix(0, key ? 1231 : 1237), 4);
    case 'bigint':
      return hashString(key.toString(), 0x5bd1e995);
    default:
      return hashString(normalizeKey(key) as string, 0x27d4eb2d);
  }
}
