/**
 * @module Validation of user-supplied options, so a bad value is reported by name with what is accepted.
 */
import { WeirError } from './errors.ts';

/** Throws INVALID_OPTION naming the option, the value given and what is accepted. */
export function invalidOption(option: string, value: unknown, accepted: string, where?: string): never {
  const place = where === undefined ? '' : ` (${where})`;
  throw new WeirError('INVALID_OPTION', `invalid value for option '${option}'${place}: ${formatValue(value)}; accepted: ${accepted}`);
}

/** Checks that `value` is an integer in [min, max] and returns it. */
export function checkInteger(option: string, value: unknown, min: number, max: number, where?: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalidOption(option, value, `an integer from ${min} to ${max}`, where);
  }
  return value;
}

/** Checks that `value` is a finite number in [min, max] and returns it. */
export function checkNumber(option: string, value: unknown, min: number, max: number, where?: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    invalidOption(option, value, `a number from ${min} to ${max}`, where);
  }
  return value;
}

/** Checks that `value` is one of `choices` and returns it. */
export function checkChoice<const C extends readonly string[]>(option: string, value: unknown, choices: C, where?: string): C[number] {
  if (typeof value !== 'string' || !choices.includes(value)) {
    invalidOption(option, value, choices.map((c) => `'${c}'`).join(', '), where);
  }
  return value;
}

/** Checks that `value` is a non-empty string and returns it. */
export function checkNonEmptyString(option: string, value: unknown, where?: string): string {
  if (typeof value !== 'string' || value.length === 0) invalidOption(option, value, 'a non-empty string', where);
  return value;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
