/**
 * @module Flink-style typed configuration: a `ConfigOption<T>` knows its key, default and how to parse a
 * raw value (from `weir.yaml`, flags or code); a `Configuration` holds raw values by flat dotted key and
 * parses them on read, so one bad value is reported by key, value and what is accepted.
 */
import { WeirError } from './errors.ts';

/**
 * One typed setting. `parse` turns a raw value (a YAML scalar, a flag's string or a typed value from
 * code) into `T` or throws CONFIG_INVALID naming `key`, the value and what is accepted.
 */
export interface ConfigOption<T> {
  readonly key: string;
  /** Older or newer spellings of the key, read when `key` is unset (Flink's fallback/deprecated keys). */
  readonly fallbackKeys: readonly string[];
  readonly defaultValue: T;
  readonly description: string;
  /** What `parse` accepts, as the error message lists it. */
  readonly accepted: string;
  parse(raw: unknown, key: string): T;
}

/** What every option helper takes. `defaultValue: undefined` is Flink's `noDefaultValue()`. */
export interface ConfigOptionSpec<D> {
  readonly key: string;
  readonly defaultValue: D;
  readonly description: string;
  readonly fallbackKeys?: readonly string[];
}

/** Throws the one error every parse failure raises: CONFIG_INVALID naming the key, value and accepted values. */
export function invalidConfigValue(key: string, raw: unknown, accepted: string, detail?: string): never {
  const why = detail === undefined ? '' : ` (${detail})`;
  throw new WeirError('CONFIG_INVALID', `invalid value for configuration option '${key}': ${formatRaw(raw)}${why}; accepted: ${accepted}`, {
    hint: `fix '${key}' in the configuration (weir.yaml, flags or code)`,
  });
}

function option<T>(spec: ConfigOptionSpec<T>, accepted: string, parse: (raw: unknown, key: string) => T): ConfigOption<T> {
  return {
    key: spec.key,
    fallbackKeys: spec.fallbackKeys ?? [],
    defaultValue: spec.defaultValue,
    description: spec.description,
    accepted,
    parse,
  };
}

// Flink's TimeUtils labels, lower-cased; plural forms add an 's'.
const DURATION_UNITS: ReadonlyMap<string, number> = new Map(
  (
    [
      [86_400_000, ['d'], ['day']],
      [3_600_000, ['h'], ['hour']],
      [60_000, ['m', 'min'], ['minute']],
      [1000, ['s'], ['sec', 'second']],
      [1, ['ms'], ['milli', 'millisecond']],
      [0.001, ['µs', 'us'], ['micro', 'microsecond']],
      [0.000_001, ['ns'], ['nano', 'nanosecond']],
    ] as const
  ).flatMap(([factor, singular, plural]) => [
    ...singular.map((label) => [label, factor] as const),
    ...plural.flatMap((label) => [[label, factor] as const, [`${label}s`, factor] as const]),
  ]),
);

const DURATION_FORMAT = "milliseconds as a number, or a string like '500 ms', '30 s', '10s', '1 min', '2h', '1 d'";

/**
 * Parses a duration into whole milliseconds the way Flink's `TimeUtils.parseDuration` does: a non-negative
 * integer followed by an optional unit label (`ms` when absent), whitespace allowed between them. A number
 * is taken as milliseconds. Returns undefined when `raw` is not a duration.
 */
export function parseDuration(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const match = /^(\d+)\s*(\S*)$/u.exec(raw.trim());
  if (match === null) return undefined;
  const value = Number(match[1]);
  const label = (match[2] ?? '').toLowerCase();
  const factor = label === '' ? 1 : DURATION_UNITS.get(label);
  if (factor === undefined) return undefined;
  const ms = value * factor;
  // Sub-millisecond units are accepted when they add up to whole milliseconds; weir's clocks count ms.
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Formats milliseconds the way a user would write them back (`'10 min'`, `'1500 ms'`). */
export function formatDuration(ms: number): string {
  return inLargestUnit(
    ms,
    [
      [86_400_000, 'd'],
      [3_600_000, 'h'],
      [60_000, 'min'],
      [1000, 's'],
    ],
    'ms',
  );
}

/** `amount` in the largest of `units` (largest first) that divides it exactly, else in `base`. */
function inLargestUnit(amount: number, units: readonly (readonly [factor: number, label: string])[], base: string): string {
  for (const [factor, label] of units) if (amount !== 0 && amount % factor === 0) return `${amount / factor} ${label}`;
  return `${amount} ${base}`;
}

/**
 * A duration in milliseconds, accepting numbers (ms) and Flink duration strings.
 *
 * @example
 * const timeout = durationOption({ key: 'execution.checkpointing.timeout', defaultValue: 600_000, description: '...' });
 * new Configuration().set(timeout, '10 min'); // stored as 600000
 */
export function durationOption<D extends number | undefined>(
  spec: ConfigOptionSpec<D> & { readonly min?: number; readonly max?: number },
): ConfigOption<number | D> {
  return amountOption(spec, 'a duration', DURATION_FORMAT, parseDuration, formatDuration);
}

/**
 * An amount in whole units (milliseconds, bytes) within [min, max]: `parse` reads a raw value
 * (undefined when it is not one), `format` shows one as a user would write it.
 */
function amountOption<D extends number | undefined>(
  spec: ConfigOptionSpec<D> & { readonly min?: number; readonly max?: number },
  what: string,
  examples: string,
  parse: (raw: unknown) => number | undefined,
  format: (amount: number) => string,
): ConfigOption<number | D> {
  const min = spec.min ?? 0;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  const bounded = max < Number.MAX_SAFE_INTEGER;
  const bounds = min > 0 && bounded ? ` from ${format(min)} to ${format(max)}` : min > 0 ? ` of at least ${format(min)}` : bounded ? ` of at most ${format(max)}` : '';
  const accepted = `${what}${bounds}: ${examples}`;
  return option<number | D>(spec, accepted, (raw, key) => {
    const amount = parse(raw);
    if (amount === undefined) invalidConfigValue(key, raw, accepted);
    if (amount < min || amount > max) invalidConfigValue(key, raw, accepted, `${format(amount)} is out of range`);
    return amount;
  });
}

// Flink's MemorySize labels, lower-cased; every unit is a power of 1024.
const MEMORY_UNITS: ReadonlyMap<string, number> = new Map(
  (
    [
      [1, ['', 'b', 'bytes']],
      [1024, ['k', 'kb', 'kibibytes']],
      [1024 ** 2, ['m', 'mb', 'mebibytes']],
      [1024 ** 3, ['g', 'gb', 'gibibytes']],
    ] as const
  ).flatMap(([factor, labels]) => labels.map((label) => [label, factor] as const)),
);

/**
 * Parses a memory size into bytes the way Flink's `MemorySize.parse` does: a non-negative integer
 * followed by an optional unit (`b`, `kb`, `mb`, `gb` or their short and long forms; bytes when
 * absent), whitespace allowed between them. A number is taken as bytes. Returns undefined when `raw`
 * is not a memory size.
 */
export function parseMemorySize(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const match = /^(\d+)\s*(\S*)$/u.exec(raw.trim());
  if (match === null) return undefined;
  const factor = MEMORY_UNITS.get((match[2] ?? '').toLowerCase());
  const bytes = factor === undefined ? Number.NaN : Number(match[1]) * factor;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Formats bytes the way a user would write them back (`'32 kb'`, `'192 mb'`, `'1000 b'`). */
export function formatMemorySize(bytes: number): string {
  return inLargestUnit(
    bytes,
    [
      [1024 ** 3, 'gb'],
      [1024 ** 2, 'mb'],
      [1024, 'kb'],
    ],
    'b',
  );
}

/**
 * A memory size in bytes within [min, max], accepting numbers (bytes) and Flink memory size strings.
 *
 * @example
 * const segment = memorySizeOption({ key: 'taskmanager.memory.segment-size', defaultValue: 32 * 1024, description: '...' });
 * new Configuration().set(segment, '64 kb'); // read as 65536
 */
export function memorySizeOption<D extends number | undefined>(
  spec: ConfigOptionSpec<D> & { readonly min?: number; readonly max?: number },
): ConfigOption<number | D> {
  return amountOption(spec, 'a memory size', "bytes as a number, or a string like '32 kb', '192 mb', '1 gb'", parseMemorySize, formatMemorySize);
}

/** An integer within [min, max], accepting numbers and decimal strings (`'3'`). */
export function intOption<D extends number | undefined>(
  spec: ConfigOptionSpec<D> & { readonly min?: number; readonly max?: number },
): ConfigOption<number | D> {
  const min = spec.min ?? Number.MIN_SAFE_INTEGER;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  const accepted =
    min > Number.MIN_SAFE_INTEGER && max < Number.MAX_SAFE_INTEGER
      ? `an integer from ${min} to ${max}`
      : min > Number.MIN_SAFE_INTEGER
        ? `an integer of at least ${min}`
        : max < Number.MAX_SAFE_INTEGER
          ? `an integer of at most ${max}`
          : 'an integer';
  return option<number | D>(spec, accepted, (raw, key) => {
    const value = typeof raw === 'string' && /^\s*[+-]?\d+\s*$/u.test(raw) ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      invalidConfigValue(key, raw, accepted);
    }
    return value;
  });
}

/**
 * One of a fixed set of names. Matching ignores case, as Flink's enum options do, and returns the
 * canonical spelling.
 */
export function enumOption<const C extends readonly string[], D extends C[number] | undefined>(
  spec: ConfigOptionSpec<D> & { readonly values: C },
): ConfigOption<C[number] | D> {
  const accepted = spec.values.map((v) => `'${v}'`).join(', ');
  return option<C[number] | D>(spec, `one of ${accepted}`, (raw, key) => {
    const found = typeof raw === 'string' ? spec.values.find((v) => v.toUpperCase() === raw.trim().toUpperCase()) : undefined;
    if (found === undefined) invalidConfigValue(key, raw, `one of ${accepted}`);
    return found;
  });
}

/** A string; numbers and booleans from YAML are taken as their text. Empty strings are rejected. */
export function stringOption<D extends string | undefined>(spec: ConfigOptionSpec<D>): ConfigOption<string | D> {
  const accepted = 'a non-empty string';
  return option<string | D>(spec, accepted, (raw, key) => {
    const value = typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw;
    if (typeof value !== 'string' || value.length === 0) invalidConfigValue(key, raw, accepted);
    return value;
  });
}

/** A boolean, accepting `true`/`false` and the strings `'true'`/`'false'` in any case. */
export function booleanOption<D extends boolean | undefined>(spec: ConfigOptionSpec<D>): ConfigOption<boolean | D> {
  const accepted = 'true or false';
  return option<boolean | D>(spec, accepted, (raw, key) => {
    if (typeof raw === 'boolean') return raw;
    const text = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
    if (text === 'true') return true;
    if (text === 'false') return false;
    return invalidConfigValue(key, raw, accepted);
  });
}

/**
 * Raw settings by flat dotted key. Values are parsed when read through their `ConfigOption`, so a file
 * can hold options of layers this one does not know; `unknownKeys` lists what no known option reads.
 *
 * @example
 * const config = Configuration.fromEntries({ execution: { checkpointing: { interval: '10 s' } } });
 * config.get(CHECKPOINTING_INTERVAL); // 10000
 */
export class Configuration {
  readonly #values = new Map<string, unknown>();

  constructor(other?: Configuration) {
    if (other !== undefined) for (const [key, value] of other.#values) this.#values.set(key, value);
  }

  /**
   * Builds a configuration from flat dotted keys (`'execution.checkpointing.interval': '10 s'`), nested
   * objects (`{ execution: { checkpointing: { interval: '10 s' } } }`) or a mix, as Flink 2's config.yaml
   * allows. Arrays are values, not nesting; `null` and `undefined` leave a key unset. The same key given
   * twice (once flat, once nested) is CONFIG_INVALID.
   */
  static fromEntries(entries: Readonly<Record<string, unknown>>): Configuration {
    const config = new Configuration();
    const visit = (prefix: string, value: unknown): void => {
      if (isPlainObject(value)) {
        for (const [name, child] of Object.entries(value)) visit(prefix === '' ? name : `${prefix}.${name}`, child);
        return;
      }
      if (value === null || value === undefined) return;
      if (config.#values.has(prefix)) {
        throw new WeirError('CONFIG_INVALID', `configuration option '${prefix}' is given more than once (as a dotted key and as nested keys)`, {
          hint: `keep one spelling of '${prefix}'`,
        });
      }
      config.#values.set(prefix, value);
    };
    if (!isPlainObject(entries)) invalidConfigValue('(root)', entries, 'an object of options');
    visit('', entries);
    return config;
  }

  /** Parses `value` through `option` now (so a bad value fails here, naming the key) and stores it. */
  set<T>(option: ConfigOption<T>, value: T | string): this {
    if (value === undefined || value === null) {
      this.#values.delete(option.key);
      return this;
    }
    this.#values.set(option.key, option.parse(value, option.key));
    return this;
  }

  /** Stores a raw value by key without parsing (flags, environment); it is parsed when read. */
  setRaw(key: string, value: unknown): this {
    if (value === undefined || value === null) this.#values.delete(key);
    else this.#values.set(key, value);
    return this;
  }

  /** The option's value: parsed from its key, else from a fallback key, else the default. */
  get<T>(option: ConfigOption<T>): T {
    for (const key of [option.key, ...option.fallbackKeys]) {
      if (this.#values.has(key)) return option.parse(this.#values.get(key), key);
    }
    return option.defaultValue;
  }

  /** True when the option (or one of its fallback keys) is set. */
  contains(option: ConfigOption<unknown>): boolean {
    return [option.key, ...option.fallbackKeys].some((key) => this.#values.has(key));
  }

  /** Removes the option's key and fallback keys. */
  remove(option: ConfigOption<unknown>): this {
    for (const key of [option.key, ...option.fallbackKeys]) this.#values.delete(key);
    return this;
  }

  keys(): string[] {
    return [...this.#values.keys()].sort();
  }

  /**
   * Keys that none of `known` reads (neither as key nor as fallback key), sorted, so a caller can warn
   * about typos. Pass every option the reading layers define.
   */
  unknownKeys(known: Iterable<ConfigOption<unknown>>): string[] {
    const names = new Set<string>();
    for (const option of known) for (const key of [option.key, ...option.fallbackKeys]) names.add(key);
    return this.keys().filter((key) => !names.has(key));
  }

  /** Returns a new configuration with `other`'s values over this one's. */
  merge(other: Configuration): Configuration {
    const merged = new Configuration(this);
    for (const [key, value] of other.#values) merged.#values.set(key, value);
    return merged;
  }

  /** Every stored value by flat key, sorted by key; plain data. */
  toMap(): Record<string, unknown> {
    return Object.fromEntries(this.keys().map((key) => [key, this.#values.get(key)]));
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function formatRaw(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A number option (Flink's doubleType), with optional bounds. */
export function doubleOption<D extends number | undefined>(
  spec: ConfigOptionSpec<D> & { readonly min?: number; readonly max?: number; readonly greaterThan?: number },
): ConfigOption<number | D> {
  const bounds = [
    spec.greaterThan === undefined ? undefined : `greater than ${spec.greaterThan}`,
    spec.min === undefined ? undefined : `at least ${spec.min}`,
    spec.max === undefined ? undefined : `at most ${spec.max}`,
  ].filter((b) => b !== undefined);
  const accepted = bounds.length === 0 ? 'a number' : `a number ${bounds.join(' and ')}`;
  return {
    key: spec.key,
    fallbackKeys: spec.fallbackKeys ?? [],
    defaultValue: spec.defaultValue,
    description: spec.description,
    accepted,
    parse(raw, key) {
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : raw;
      if (
        typeof value !== 'number' ||
        !Number.isFinite(value) ||
        (spec.greaterThan !== undefined && value <= spec.greaterThan) ||
        (spec.min !== undefined && value < spec.min) ||
        (spec.max !== undefined && value > spec.max)
      ) {
        invalidConfigValue(key, raw, accepted);
      }
      return value;
    },
  };
}
