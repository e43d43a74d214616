/**
 * @module `weir list`: the jobs of a running JobManager, running and ended: id, name, status, start.
 */
import { checkPositionals, jobManagerClient, parseControlCommand } from './control-args.ts';
import { formatTable, formatTimestamp } from './format-table.ts';

const USAGE = `Usage: weir list [--json] [--jobmanager host:port]

Lists the jobs of the JobManager (weir cluster start): running, finished, cancelled and failed.`;

export async function listCommand(args: readonly string[]): Promise<number> {
  const command = parseControlCommand(args, [], ['--json']);
  if (command.options['--help'] === true || command.options['-h'] === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  checkPositionals(command, 0, USAGE);
  const jobs = await jobManagerClient(command.options).listJobs();
  if (command.options['--json'] === true) {
    process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
    return 0;
  }
  if (jobs.length === 0) {
    process.stdout.write('No jobs.\n');
    return 0;
  }
  const rows = [...jobs]
    .sort((a, b) => a['start-time'] - b['start-time'])
    .map((job) => [job.jid, job.name, job.state, formatTimestamp(job['start-time'])]);
  process.stdout.write(`${formatTable(['JOB ID', 'NAME', 'STATUS', 'START'], rows)}\n`);
  return 0;
}

