/**
 * @module Command lines of the commands that control a running JobManager (`weir list`, `weir stop`,
 * ...): options may come before or after the positional arguments, and every such command takes
 * `--jobmanager host:port` (else WEIR_JOBMANAGER, else `rest.address`/`rest.port` of weir.yaml, else
 * 127.0.0.1:8081) and sends WEIR_REST_TOKEN.
 */
import { Configuration } from '../core/configuration.ts';
import { WeirError } from '../core/errors.ts';
import { loadConfigFile } from '../cluster/config-file.ts';
import { REST_ADDRESS, REST_PORT } from '../cluster/rest-options.ts';
import { DEFAULT_JOBMANAGER, JOBMANAGER_ENV, RestClusterClient, parseJobManagerAddress, type JobManagerAddress } from '../rest/rest-cluster-client.ts';
import { REST_TOKEN_ENV } from '../rest/rest-security.ts';

export interface ControlCommand {
  readonly options: Readonly<Record<string, string | true>>;
  readonly positionals: readonly string[];
}

/** Splits `args` into options (`valued` take a value, `flags` do not) and positional arguments. */
export function parseControlCommand(args: readonly string[], valued: readonly string[], flags: readonly string[]): ControlCommand {
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  const allValued = [...valued, '--jobmanager'];
  const allFlags = [...flags, '-h', '--help'];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (allValued.includes(name)) {
      const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new WeirError('INVALID_OPTION', `option ${name} needs a value`);
      options[name] = value;
    } else if (allFlags.includes(name)) {
      options[name] = true;
    } else {
      throw new WeirError('INVALID_OPTION', `unknown option '${arg}'`, { hint: `accepted: ${[...allValued, ...allFlags].join(', ')}` });
    }
  }
  return { options, positionals };
}

/**
 * The client for the JobManager named by `--jobmanager`, WEIR_JOBMANAGER, weir.yaml's `rest.address`
 * and `rest.port`, or the default, with WEIR_REST_TOKEN.
 */
export function jobManagerClient(options: Readonly<Record<string, string | true>>): RestClusterClient {
  const flag = options['--jobmanager'];
  const env = process.env[JOBMANAGER_ENV];
  const address =
    typeof flag === 'string'
      ? parseJobManagerAddress(flag)
      : env !== undefined && env !== ''
        ? parseJobManagerAddress(env, JOBMANAGER_ENV)
        : configuredAddress();
  const token = process.env[REST_TOKEN_ENV];
  return new RestClusterClient({ address, token: token === undefined || token === '' ? undefined : token });
}

/** The job id argument: 32 hexadecimal digits. */
export function jobIdArgument(command: ControlCommand, usage: string): string {
  const jobId = command.positionals[0];
  if (jobId === undefined) throw new WeirError('INVALID_OPTION', 'no job id given', { hint: `${usage} (weir list shows the job ids)` });
  if (!/^[0-9a-f]{32}$/.test(jobId)) {
    throw new WeirError('INVALID_OPTION', `'${jobId}' is not a job id: a job id is 32 hexadecimal digits`, { hint: 'weir list shows the job ids' });
  }
  return jobId;
}

/** Throws when more positional arguments were given than the command takes. */
export function checkPositionals(command: ControlCommand, max: number, usage: string): void {
  if (command.positionals.length > max) {
    throw new WeirError('INVALID_OPTION', `unexpected argument '${command.positionals[max] ?? ''}'`, { hint: usage });
  }
}

/** weir.yaml's `rest.address` and `rest.port` when it sets either, else 127.0.0.1:8081. */
function configuredAddress(): JobManagerAddress {
  const configuration = Configuration.fromEntries(loadConfigFile().entries);
  if (!configuration.contains(REST_ADDRESS) && !configuration.contains(REST_PORT)) return parseJobManagerAddress(DEFAULT_JOBMANAGER);
  const port = configuration.get(REST_PORT);
  return { host: configuration.get(REST_ADDRESS), port: port === 0 ? REST_PORT.defaultValue : port };
}
