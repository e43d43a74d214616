/**
 * @module `weir savepoint <jobId> [targetDirectory]`: triggers a savepoint of a job of the running
 * JobManager, waits for it and prints its path; the job runs on.
 */
import { checkPositionals, jobIdArgument, jobManagerClient, parseControlCommand } from './control-args.ts';

const USAGE = `Usage: weir savepoint <jobId> [targetDirectory] [--jobmanager host:port]

Takes a savepoint of a running job of the JobManager (weir cluster start) and prints its path; the job
runs on. targetDirectory must lie inside the cluster's state.savepoints.dir (a relative path is taken
relative to it); by default the savepoint goes to that directory.`;

export async function triggerSavepointCommand(args: readonly string[]): Promise<number> {
  const command = parseControlCommand(args, [], []);
  if (command.options['--help'] === true || command.options['-h'] === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const jobId = jobIdArgument(command, 'weir savepoint <jobId> [targetDirectory]');
  checkPositionals(command, 2, USAGE);
  const client = jobManagerClient(command.options);
  process.stderr.write(`Triggering a savepoint of job ${jobId}.\n`);
  const location = await client.triggerSavepoint(jobId, command.positionals[1]);
  process.stderr.write('Savepoint completed.\n');
  process.stdout.write(`${location}\n`);
  return 0;
}
