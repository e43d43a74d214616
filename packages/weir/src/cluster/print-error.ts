/**
 * @module How a failed command or job is shown to a person: a WeirError as its message and hint
 * (no stack: it is bad input or a failed job, not a bug); anything else as a bug with its stack.
 */
import { isWeirError } from '../core/errors.ts';

export function printError(error: unknown): void {
  if (isWeirError(error) && error.code !== 'INTERNAL') {
    process.stderr.write(`error: ${error.describe()}\n`);
    const cause = error.cause;
    if (process.env['WEIR_DEBUG'] === '1' && cause instanceof Error && cause.stack !== undefined) process.stderr.write(`caused by: ${cause.stack}\n`);
    return;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`internal error (a bug in weir, please report it):\n${stack}\n`);
}
