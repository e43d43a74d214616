/**
 * @module `weir run --detached <job>`: submits the job to the running JobManager (POST /jobs) instead of
 * running it in this process, prints its job id and returns. The cluster's weir.yaml applies to it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { WeirError } from '../core/errors.ts';
import { JobParameters } from '../api/job-parameters.ts';
import type { ParsedCommand } from './args.ts';
import { jobManagerClient } from './control-args.ts';

export async function submitDetached(parsed: ParsedCommand): Promise<number> {
  const { options } = parsed;
  if (parsed.jobFile === undefined) throw new WeirError('INVALID_OPTION', 'no job file given', { hint: 'weir run --detached <job-file> (see weir --help)' });
  if (options['--config'] !== undefined) {
    throw new WeirError('INVALID_OPTION', '--config cannot be combined with --detached: a detached job runs with the cluster\'s configuration', {
      hint: 'give the settings to weir cluster start --config <file>',
    });
  }
  const rawParallelism = options['-p'] ?? options['--parallelism'];
  let parallelism: number | undefined;
  if (typeof rawParallelism === 'string') {
    parallelism = Number(rawParallelism);
    if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 32768) {
      throw new WeirError('INVALID_OPTION', `invalid value for option '--parallelism': '${rawParallelism}'; accepted: an integer from 1 to 32768`);
    }
  }
  const restoreFrom = options['-s'] ?? options['--fromSavepoint'] ?? options['--from-savepoint'] ?? options['--from-checkpoint'];
  if (restoreFrom === 'latest') {
    throw new WeirError('INVALID_OPTION', "--from-checkpoint latest is not available with --detached", { hint: 'give the path of the checkpoint or savepoint to start from' });
  }
  // A file that exists here is sent by its absolute path; the cluster checks that it lies in its jobs directory.
  const local = resolve(parsed.jobFile);
  const module = existsSync(local) ? local : parsed.jobFile;
  const job = options['--job'];
  const client = jobManagerClient(options);
  const jobId = await client.submitJob({
    module,
    ...(typeof job === 'string' ? { job } : {}),
    ...(parallelism === undefined ? {} : { parallelism }),
    args: JobParameters.fromArgs(parsed.jobArgs).toObject(),
    ...(typeof restoreFrom === 'string' ? { savepointPath: restoreFrom } : {}),
    ...(options['-n'] === true || options['--allow-non-restored-state'] === true ? { allowNonRestoredState: true } : {}),
  });
  process.stdout.write(`Job has been submitted with JobID ${jobId}\n`);
  return 0;
}
