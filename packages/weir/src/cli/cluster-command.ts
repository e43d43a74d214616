/**
 * @module `weir cluster start`: a long-lived local JobManager in the foreground: a MiniCluster that runs
 * the jobs submitted to it and a REST endpoint (default 127.0.0.1:8081) that `weir run --detached`,
 * `weir list`, `weir savepoint`, `weir stop`, `weir cancel` and `weir checkpoints` talk to. Ctrl-C or
 * SIGTERM cancels its jobs and stops it.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Configuration } from '../core/configuration.ts';
import { WeirError } from '../core/errors.ts';
import { createConsoleLogger, logLevelFromEnv } from '../core/logger.ts';
import { CHECKPOINTS_DIRECTORY, SAVEPOINT_DIRECTORY } from '../checkpoint/checkpoint-config.ts';
import { loadConfigFile } from '../cluster/config-file.ts';
import { MiniCluster } from '../cluster/mini-cluster.ts';
import { REST_BIND_ADDRESS, REST_MAX_CONTENT_LENGTH, REST_PORT } from '../cluster/rest-options.ts';
import { Dispatcher } from '../rest/dispatcher.ts';
import { RestServer } from '../rest/rest-server.ts';
import { REST_TOKEN_ENV, checkRestSecurity } from '../rest/rest-security.ts';
import { checkPositionals, parseControlCommand } from './control-args.ts';

const USAGE = `Usage: weir cluster start [--rest-port <n>] [--rest-bind <address>] [--jobs-dir <dir>] [--config <file>]

Runs a local JobManager in the foreground until Ctrl-C or SIGTERM (which cancel its jobs): jobs are
submitted with weir run --detached and controlled with weir list, savepoint, stop, cancel, checkpoints.

Options:
  --rest-port <n>          the REST port (default: rest.port of weir.yaml, else 8081; 0: any free port)
  --rest-bind <address>    the address to bind (default: rest.bind-address, else 127.0.0.1); beyond
                           loopback ${REST_TOKEN_ENV} must hold a token every request then sends
  --jobs-dir <dir>         job modules submitted must lie in this directory (default: the working directory)
  --config <file>          settings with Flink's keys for the cluster and every job (default: weir.yaml)`;

export async function clusterCommand(args: readonly string[]): Promise<number> {
  const command = parseControlCommand(args, ['--rest-port', '--rest-bind', '--jobs-dir', '--config'], []);
  const [action] = command.positionals;
  if (command.options['--help'] === true || command.options['-h'] === true || action === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return action === undefined && command.options['--help'] === undefined && command.options['-h'] === undefined ? 2 : 0;
  }
  if (action !== 'start') throw new WeirError('INVALID_OPTION', `unknown cluster action '${action}'`, { hint: 'accepted: weir cluster start' });
  checkPositionals(command, 1, USAGE);
  const { options } = command;
  if (options['--jobmanager'] !== undefined) throw new WeirError('INVALID_OPTION', 'unknown option \'--jobmanager\' for weir cluster start', { hint: 'use --rest-port and --rest-bind' });

  const config = loadConfigFile(typeof options['--config'] === 'string' ? options['--config'] : undefined);
  for (const key of config.unknownKeys) process.stderr.write(`warning: ${config.path ?? 'weir.yaml'}: unknown setting '${key}' is ignored\n`);
  const configuration = Configuration.fromEntries(config.entries);
  if (typeof options['--rest-port'] === 'string') configuration.setRaw(REST_PORT.key, asPort(options['--rest-port']));
  if (typeof options['--rest-bind'] === 'string') configuration.setRaw(REST_BIND_ADDRESS.key, options['--rest-bind']);
  const port = configuration.get(REST_PORT);
  const bindAddress = configuration.get(REST_BIND_ADDRESS);
  const rawToken = process.env[REST_TOKEN_ENV];
  const token = rawToken === undefined || rawToken === '' ? undefined : rawToken;
  checkRestSecurity(bindAddress, token);

  const jobsDirectory = resolve(typeof options['--jobs-dir'] === 'string' ? options['--jobs-dir'] : '.');
  if (statSync(jobsDirectory, { throwIfNoEntry: false })?.isDirectory() !== true) {
    throw new WeirError('INVALID_OPTION', `invalid value for option '--jobs-dir': ${jobsDirectory} is not a directory`);
  }
  const savepoints = configuration.get(SAVEPOINT_DIRECTORY);
  const checkpoints = configuration.get(CHECKPOINTS_DIRECTORY);
  const logger = createConsoleLogger(logLevelFromEnv('info'));
  const cluster = new MiniCluster({ logger });
  const dispatcher = new Dispatcher({
    submit: (submission) => cluster.submit(submission),
    configuration: config.entries,
    jobsDirectory,
    savepointsDirectory: savepoints === undefined ? undefined : resolve(savepoints),
    checkpointsDirectory: checkpoints === undefined ? undefined : resolve(checkpoints),
    logger,
  });
  const server = new RestServer({
    dispatcher,
    bindAddress,
    port,
    token,
    maxContentLength: configuration.get(REST_MAX_CONTENT_LENGTH),
    version: version(),
    logger,
  });
  let bound: { address: string; port: number };
  try {
    bound = await server.listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new WeirError('CONFIG_INVALID', `the REST endpoint cannot listen on ${bindAddress}:${port}: ${code === 'EADDRINUSE' ? 'the port is in use (another JobManager?)' : String(error)}`, {
      cause: error,
      hint: 'choose another port with --rest-port (or rest.port in weir.yaml)',
    });
  }
  const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  process.stdout.write(`JobManager REST endpoint listening on http://${host}:${bound.port}\n`);
  process.stderr.write(
    `jobs directory: ${jobsDirectory}\n` +
      `savepoints: ${savepoints === undefined ? '(state.savepoints.dir not set: REST savepoints are refused)' : resolve(savepoints)}\n` +
      `${token === undefined ? 'no token: answering loopback clients only' : `every request must send the token of ${REST_TOKEN_ENV}`}\n` +
      'Press Ctrl-C to stop (running jobs are cancelled).\n',
  );

  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  const running = dispatcher.jobs().filter((job) => ['CANCELED', 'FAILED', 'FINISHED'].includes(job.getJobStatus()) === false).length;
  process.stderr.write(`\n${signal}: stopping the JobManager${running === 0 ? '' : `, cancelling ${running} running job${running === 1 ? '' : 's'}`}\n`);
  await dispatcher.shutdown();
  await server.close();
  return signal === 'SIGINT' ? 130 : 0;
}

function asPort(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
