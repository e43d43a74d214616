/**
 * @module The `weir` command: `weir run <job>` runs a job in local mode, `weir plan <job>` prints its
 * job graph. User errors print one clear message (no stack) and exit non-zero.
 */
import { readFileSync } from 'node:fs';
import { WeirError } from '../core/errors.ts';
import { printError } from '../cluster/print-error.ts';
import { describeJobGraph } from '../graph/job-graph.ts';
import { JobParameters } from '../api/job-parameters.ts';
import { loadConfigFile } from '../cluster/config-file.ts';
import { jobModuleUrl, loadJob, type JobSubmission } from '../cluster/job-loader.ts';
import { MiniCluster, type JobClient } from '../cluster/mini-cluster.ts';
import { parseCommand, type ParsedCommand } from './args.ts';
import { formatPlan } from './format-plan.ts';
import { startProgressReporter } from './progress-reporter.ts';
import { isSavepointTool, savepointToolCommand } from './savepoint-tool-command.ts';

const USAGE = `Usage: weir <command> [options] <job-file> [job arguments]

Commands:
  run <job-file>    run a job in local mode (one worker thread per task slot) until it ends
  plan <job-file>   print the job graph: vertices, chained operators, parallelism, uids, partitioners

Job control (a running JobManager; --jobmanager host:port, else $WEIR_JOBMANAGER, else 127.0.0.1:8081):
  cluster start     run a local JobManager with its REST API in the foreground (weir cluster --help)
  run --detached <job-file>
                    submit the job to the JobManager and print its job id
  list              list its jobs: id, name, status, start
  savepoint <jobId> [targetDirectory]
                    take a savepoint of a running job and print its path
  stop <jobId> [--savepoint-path <dir>] [--drain]
                    stop a job with a savepoint and print its path
  cancel <jobId>    cancel a job
  checkpoints <jobId>
                    print a job's checkpoint statistics

Savepoint files (no JobManager needed):
  savepoint inspect <path>
                    list a savepoint's operators, uids, states, kinds, sizes and key groups
  savepoint check <job-file> --from <path> [-p <n>] [-n]
                    predict what restoring the job from the savepoint would do (exit 1: it would fail)
  savepoint dispose <path>
                    delete a savepoint directory

Options:
  -p, --parallelism <n>   default parallelism (default: parallelism.default of weir.yaml, else the number of cores)
  --job <export>          the export to run when the module exports several jobs
  --config <file>         settings with Flink's keys (default: $WEIR_CONF_DIR/weir.yaml, else ./weir.yaml if present)
  --from-checkpoint <path|latest>
                          (run) start from a retained checkpoint; latest: the newest of this job under state.checkpoints.dir
  -s, --fromSavepoint <path>
                          (run) start from a savepoint (its directory or _metadata); state is matched to operators by uid
  -n, --allow-non-restored-state
                          (run) drop checkpointed or savepointed state of operators that are no longer in the job
  -d, --detached          (run) submit to the running JobManager instead of running here
  --json                  (plan) print the plan as JSON
  -h, --help              show this help
  -v, --version           print the version

Job arguments after the job file reach the job as parameters: weir run job.ts --input data/logs`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      case '-v':
      case '--version':
        process.stdout.write(`${version()}\n`);
        return 0;
      case 'run':
        return await run(
          parseCommand(rest, ['-p', '--parallelism', '--job', '--config', '--from-checkpoint', '-s', '--fromSavepoint', '--jobmanager'], ['--help', '-h', '-n', '--allow-non-restored-state', '-d', '--detached']),
        );
      case 'plan':
        return await plan(parseCommand(rest, ['-p', '--parallelism', '--job', '--config'], ['--json', '--help', '-h']));
      // Job-control commands load on demand: `weir run` starts (and takes Ctrl-C) sooner without them.
      case 'cluster':
        return await (await import('./cluster-command.ts')).clusterCommand(rest);
      case 'list':
        return await (await import('./list-command.ts')).listCommand(rest);
      case 'savepoint':
        if (isSavepointTool(rest[0])) return await savepointToolCommand(rest[0], rest.slice(1));
        return await (await import('./trigger-savepoint-command.ts')).triggerSavepointCommand(rest);
      case 'stop':
        return await (await import('./stop-command.ts')).stopCommand(rest);
      case 'cancel':
        return await (await import('./cancel-command.ts')).cancelCommand(rest);
      case 'checkpoints':
        return await (await import('./checkpoints-command.ts')).checkpointsCommand(rest);
      default:
        throw new WeirError('INVALID_OPTION', `unknown command '${command}'`, {
          hint: 'accepted: run, plan, cluster, list, savepoint, stop, cancel, checkpoints, help (weir --help)',
        });
    }
  } catch (error) {
    printError(error);
    return 1;
  }
}

function submissionOf(parsed: ParsedCommand): JobSubmission {
  if (parsed.jobFile === undefined) throw new WeirError('INVALID_OPTION', 'no job file given', { hint: 'weir run <job-file> (see weir --help)' });
  const rawParallelism = parsed.options['-p'] ?? parsed.options['--parallelism'];
  let parallelism: number | undefined;
  if (typeof rawParallelism === 'string') {
    parallelism = Number(rawParallelism);
    if (!Number.isInteger(parallelism) || parallelism < 1) {
      throw new WeirError('INVALID_OPTION', `invalid value for option '--parallelism': '${rawParallelism}'; accepted: an integer from 1 to 32768`);
    }
  }
  const job = parsed.options['--job'];
  const configPath = parsed.options['--config'];
  const config = loadConfigFile(typeof configPath === 'string' ? configPath : undefined);
  for (const key of config.unknownKeys) process.stderr.write(`warning: ${config.path ?? 'weir.yaml'}: unknown setting '${key}' is ignored\n`);
  return {
    module: jobModuleUrl(parsed.jobFile),
    exportName: typeof job === 'string' ? job : undefined,
    args: JobParameters.fromArgs(parsed.jobArgs).toObject(),
    parallelism,
    configuration: config.entries,
    fromCheckpoint: typeof parsed.options['--from-checkpoint'] === 'string' ? parsed.options['--from-checkpoint'] : undefined,
    fromSavepoint: savepointOption(parsed),
    allowNonRestoredState: parsed.options['-n'] === true || parsed.options['--allow-non-restored-state'] === true,
  };
}

async function run(parsed: ParsedCommand): Promise<number> {
  if (parsed.options['--help'] === true || parsed.options['-h'] === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.options['-d'] === true || parsed.options['--detached'] === true) return (await import('./submit-command.ts')).submitDetached(parsed);
  if (parsed.options['--jobmanager'] !== undefined) {
    throw new WeirError('INVALID_OPTION', '--jobmanager needs --detached: without it, weir run runs the job in this process', { hint: 'weir run --detached --jobmanager host:port <job-file>' });
  }
  // One handler for the whole run: Ctrl-C while the job starts cancels it as soon as it exists.
  let client: JobClient | undefined;
  let cancelled = false;
  const stop = (): void => {
    if (cancelled || client === undefined) return;
    cancelled = true;
    process.stderr.write(`\ncancelling job '${client.jobName}' (${client.jobId})\n`);
    void client.cancel();
  };
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    client = await new MiniCluster().submit(submissionOf(parsed));
  } catch (error) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw error;
  }
  const progress = startProgressReporter(client);
  if (interrupted) stop();
  try {
    // The status line is cleared before the job's last words.
    const result = await client.getJobExecutionResult().finally(() => progress.stop());
    process.stderr.write(`Job '${result.jobName}' (${result.jobId}) finished in ${(result.netRuntimeMs / 1000).toFixed(2)} s\n`);
    return 0;
  } catch (error) {
    if (!cancelled) throw error;
    process.stderr.write(`Job '${client.jobName}' (${client.jobId}) cancelled\n`);
    return 130;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function plan(parsed: ParsedCommand): Promise<number> {
  if (parsed.options['--help'] === true || parsed.options['-h'] === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { jobGraph } = await loadJob(submissionOf(parsed));
  const description = describeJobGraph(jobGraph);
  if (parsed.options['--json'] === true) {
    process.stdout.write(`${JSON.stringify(description, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatPlan(description)}\n`);
    for (const warning of description.warnings) process.stderr.write(`warning: ${warning}\n`);
  }
  return 0;
}

/** `-s` / `--fromSavepoint <path>` (Flink's names), the savepoint a run starts from. */
function savepointOption(parsed: ParsedCommand): string | undefined {
  const value = parsed.options['-s'] ?? parsed.options['--fromSavepoint'];
  return typeof value === 'string' ? value : undefined;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
