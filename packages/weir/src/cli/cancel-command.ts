/**
 * @module `weir cancel <jobId>`: cancels a job of the running JobManager and waits until it is CANCELED.
 */
import { WeirError } from '../core/errors.ts';
import { checkPositionals, jobIdArgument, jobManagerClient, parseControlCommand } from './control-args.ts';

const USAGE = `Usage: weir cancel <jobId> [--jobmanager host:port]

Cancels the job without a savepoint (weir stop takes one first) and waits until it is CANCELED.`;
const WAIT_MS = 60_000;

export async function cancelCommand(args: readonly string[]): Promise<number> {
  const command = parseControlCommand(args, [], []);
  if (command.options['--help'] === true || command.options['-h'] === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const jobId = jobIdArgument(command, 'weir cancel <jobId>');
  checkPositionals(command, 1, USAGE);
  const client = jobManagerClient(command.options);
  await client.cancel(jobId);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const { state } = await client.getJob(jobId);
    if (state === 'CANCELED') break;
    if (state === 'FINISHED' || state === 'FAILED') {
      throw new WeirError('REST_REQUEST_FAILED', `job ${jobId} ended ${state} before the cancellation took effect`);
    }
    if (Date.now() > deadline) throw new WeirError('REST_REQUEST_FAILED', `job ${jobId} is still ${state} ${WAIT_MS / 1000} s after it was cancelled`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.stdout.write(`Cancelled job ${jobId}.\n`);
  return 0;
}
