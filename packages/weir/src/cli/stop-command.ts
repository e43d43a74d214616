/**
 * @module `weir stop <jobId> [--savepoint-path dir] [--drain]`: stops a job of the running JobManager
 * with a savepoint (Flink's stop-with-savepoint) and prints the savepoint's path once the job ended.
 */
import { checkPositionals, jobIdArgument, jobManagerClient, parseControlCommand } from './control-args.ts';

const USAGE = `Usage: weir stop <jobId> [--savepoint-path <dir>] [--drain] [--jobmanager host:port]

Stops the job with a savepoint: its sources stop right after the savepoint's barrier, and the job ends
FINISHED. Prints the savepoint's path (resume with weir run -s <path>).

Options:
  -p, --savepoint-path <dir>   where to put the savepoint: inside the cluster's state.savepoints.dir
                               (a relative path is taken relative to it); by default that directory
  -d, --drain                  emit the final watermark first, so every event-time timer and window fires
                               (for ending a job for good rather than for an upgrade)`;

export async function stopCommand(args: readonly string[]): Promise<number> {
  const command = parseControlCommand(args, ['--savepoint-path', '--savepointPath', '-p'], ['--drain', '-d']);
  if (command.options['--help'] === true || command.options['-h'] === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const jobId = jobIdArgument(command, 'weir stop <jobId>');
  checkPositionals(command, 1, USAGE);
  const target = command.options['--savepoint-path'] ?? command.options['--savepointPath'] ?? command.options['-p'];
  const drain = command.options['--drain'] === true || command.options['-d'] === true;
  const client = jobManagerClient(command.options);
  process.stderr.write(`Stopping job ${jobId} with a savepoint${drain ? ' (draining)' : ''}.\n`);
  const location = await client.stopWithSavepoint(jobId, { targetDirectory: typeof target === 'string' ? target : undefined, drain });
  process.stderr.write('Savepoint completed; the job has stopped.\n');
  process.stdout.write(`${location}\n`);
  return 0;
}
