/**
 * @module Parsing of the `weir` command line: options before the job file belong to weir, everything
 * after it to the job.
 */
import { WeirError } from '../core/errors.ts';

export interface ParsedCommand {
  readonly options: Readonly<Record<string, string | true>>;
  readonly jobFile: string | undefined;
  /** `--key value` pairs after the job file. */
  readonly jobArgs: readonly string[];
}

/**
 * Splits `args` (after the command name): options before the job file are weir's (`valued` take a
 * value, `flags` do not), everything after it belongs to the job.
 */
export function parseCommand(args: readonly string[], valued: readonly string[], flags: readonly string[]): ParsedCommand {
  const options: Record<string, string | true> = {};
  const jobArgs: string[] = [];
  let jobFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (jobFile !== undefined) {
      jobArgs.push(arg);
      continue;
    }
    if (arg.startsWith('-')) {
      const [name, inline] = splitOption(arg);
      if (valued.includes(name)) {
        const value = inline ?? args[++i];
        if (value === undefined) throw new WeirError('INVALID_OPTION', `option ${name} needs a value`);
        options[name] = value;
      } else if (flags.includes(name)) {
        options[name] = true;
      } else {
        throw new WeirError('INVALID_OPTION', `unknown option '${arg}'`, { hint: `accepted: ${[...valued, ...flags].join(', ')}` });
      }
    } else {
      jobFile = arg;
    }
  }
  return { options, jobFile, jobArgs };
}

function splitOption(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}
