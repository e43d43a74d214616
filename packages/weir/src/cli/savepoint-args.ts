/**
 * @module Command lines of `weir savepoint inspect | check | dispose`: weir's options may come before
 * or after the positional arguments; for `check`, other `--key value` pairs after the job file are the
 * job's parameters.
 */
import { WeirError } from '../core/errors.ts';

export interface SavepointToolArgs {
  readonly options: Readonly<Record<string, string | true>>;
  readonly positionals: readonly string[];
  /** Arguments after the first positional that are not weir's options (the job's parameters). */
  readonly rest: readonly string[];
}

/**
 * Splits `args`: `valued` options take a value, `flags` do not, anywhere; the first `maxPositionals`
 * other words are positionals; with `restAfterFirst`, everything else after the first positional is
 * collected in `rest` instead of being an error.
 */
export function parseSavepointToolArgs(
  args: readonly string[],
  valued: readonly string[],
  flags: readonly string[],
  usage: string,
  restAfterFirst = false,
): SavepointToolArgs {
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  const rest: string[] = [];
  const allFlags = [...flags, '-h', '--help'];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('-') && eq > 0 ? arg.slice(0, eq) : arg;
    if (valued.includes(name)) {
      const value = eq > 0 && name !== arg ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new WeirError('INVALID_OPTION', `option ${name} needs a value`, { hint: usageLine(usage) });
      options[name] = value;
    } else if (allFlags.includes(name)) {
      options[name] = true;
    } else if (restAfterFirst && positionals.length > 0) {
      rest.push(arg);
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new WeirError('INVALID_OPTION', `unknown option '${arg}'`, { hint: `accepted: ${[...valued, ...allFlags].join(', ')}` });
    } else {
      positionals.push(arg);
    }
  }
  return { options, positionals, rest };
}

/** True when `-h` or `--help` was given. */
export function wantsHelp(args: SavepointToolArgs): boolean {
  return args.options['-h'] === true || args.options['--help'] === true;
}

/** The one positional argument a command needs (a path), or INVALID_OPTION with the usage. */
export function onePath(args: SavepointToolArgs, what: string, usage: string): string {
  const [path, ...extra] = args.positionals;
  const hint = usageLine(usage);
  if (path === undefined) throw new WeirError('INVALID_OPTION', `no ${what} given`, { hint });
  if (extra.length > 0) throw new WeirError('INVALID_OPTION', `unexpected argument '${extra[0] ?? ''}'`, { hint });
  return path;
}

/** The first line of a usage text, with a pointer to the rest. */
export function usageLine(usage: string): string {
  return `${usage.split('\n')[0] ?? usage} (--help for more)`;
}
