/**
 * @module JobParameters: the job's arguments (`weir run job.ts --input data --rate 1000`), typed
 * accessors with clear errors, like Flink's ParameterTool.
 */
import { WeirError } from '../core/errors.ts';

export class JobParameters {
  readonly #values: Readonly<Record<string, string>>;

  constructor(values: Readonly<Record<string, string>> = {}) {
    // no prototype: a parameter named 'constructor' or '__proto__' is just a name
    this.#values = Object.assign(Object.create(null) as Record<string, string>, values);
  }

  /** Parses `--key value`, `--key=value` and bare `--flag` (= "true"). */
  static fromArgs(args: readonly string[]): JobParameters {
    const values = Object.create(null) as Record<string, string>;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] as string;
      if (!arg.startsWith('-')) {
        throw new WeirError('INVALID_OPTION', `unexpected job argument '${arg}'`, { hint: 'pass job arguments as --name value or --name=value' });
      }
      const name = arg.replace(/^--?/, '');
      const eq = name.indexOf('=');
      if (eq >= 0) {
        values[name.slice(0, eq)] = name.slice(eq + 1);
      } else if (i + 1 < args.length && !(args[i + 1] as string).startsWith('--')) {
        values[name] = args[++i] as string;
      } else {
        values[name] = 'true';
      }
    }
    return new JobParameters(values);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.#values, name);
  }

  get(name: string): string | undefined;
  get(name: string, fallback: string): string;
  get(name: string, fallback?: string): string | undefined {
    return this.#values[name] ?? fallback;
  }

  /** The value of a required parameter; a clear error when it is missing. */
  getRequired(name: string): string {
    const value = this.#values[name];
    if (value === undefined) throw new WeirError('INVALID_OPTION', `missing job parameter '--${name}'`, { hint: `pass --${name} <value> after the job file` });
    return value;
  }

  getNumber(name: string, fallback?: number): number {
    const raw = this.#values[name];
    if (raw === undefined) {
      if (fallback === undefined) return Number(this.getRequired(name));
      return fallback;
    }
    const value = Number(raw);
    if (raw.trim() === '' || Number.isNaN(value)) {
      throw new WeirError('INVALID_OPTION', `invalid value for job parameter '--${name}': '${raw}'; accepted: a number`);
    }
    return value;
  }

  getInt(name: string, fallback?: number): number {
    const value = this.getNumber(name, fallback);
    if (!Number.isInteger(value)) throw new WeirError('INVALID_OPTION', `invalid value for job parameter '--${name}': ${value}; accepted: an integer`);
    return value;
  }

  getBoolean(name: string, fallback = false): boolean {
    const raw = this.#values[name];
    if (raw === undefined) return fallback;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new WeirError('INVALID_OPTION', `invalid value for job parameter '--${name}': '${raw}'; accepted: true, false`);
  }

  /** The parameters as a plain object (with a prototype), e.g. to pass on to another job. */
  toObject(): Readonly<Record<string, string>> {
    return { ...this.#values };
  }
}
