/**
 * @module `weir savepoint check <job> --from <path> [-p N] [-n]`: predicts, without running the job,
 * what a restore from a savepoint would do: which operators get their state back, which start empty,
 * whose state would be dropped and which would fail, with the restore's own messages. Exit 0 when the
 * restore would succeed, 1 when it would not.
 */
import { WeirError } from '../core/errors.ts';
import { JobParameters } from '../api/job-parameters.ts';
import { loadConfigFile } from '../cluster/config-file.ts';
import { jobModuleUrl, loadJob } from '../cluster/job-loader.ts';
import { checkRestore, type RestoreCheckReport } from '../cluster/restore-check.ts';
import { formatTable } from './format-table.ts';
import { parseSavepointToolArgs, usageLine, wantsHelp } from './savepoint-args.ts';

const USAGE = `Usage: weir savepoint check <job-file> --from <path> [-p <n>] [-n] [--json] [job arguments]

Predicts, without running the job, what weir run -s <path> <job-file> would do with the savepoint's
state: which operators restore it (matched by uid), which start empty, whose state would be dropped
(-n) and which restore would fail, with the messages the restore would give. It reads and verifies
every state file the job would read and opens the job's stateful operators (not its sources and sinks)
on their restored state, which checks changed state types. Exit status 0 when the restore would
succeed, 1 when it would fail.

Options:
  --from <path>           the savepoint (or retained checkpoint) directory, or its _metadata
  -p, --parallelism <n>   the parallelism to restore at (default: as weir run)
  -n, --allow-non-restored-state
                          drop state of operators that are no longer in the job, as weir run -n
  --job <export>          the export to check when the module exports several jobs
  --config <file>         settings with Flink's keys (default: as weir run)
  --json                  print the prediction as JSON`;

const VALUED = ['--from', '-p', '--parallelism', '--job', '--config'];
const FLAGS = ['-n', '--allow-non-restored-state', '--json'];

export async function savepointCheckCommand(args: readonly string[]): Promise<number> {
  const parsed = parseSavepointToolArgs(args, VALUED, FLAGS, USAGE, true);
  if (wantsHelp(parsed)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [jobFile] = parsed.positionals;
  if (jobFile === undefined) throw new WeirError('INVALID_OPTION', 'no job file given', { hint: usageLine(USAGE) });
  const from = parsed.options['--from'];
  if (typeof from !== 'string') throw new WeirError('INVALID_OPTION', 'no savepoint given: pass --from <path>', { hint: usageLine(USAGE) });
  const rawParallelism = parsed.options['-p'] ?? parsed.options['--parallelism'];
  let parallelism: number | undefined;
  if (typeof rawParallelism === 'string') {
    parallelism = Number(rawParallelism);
    if (!Number.isInteger(parallelism) || parallelism < 1) {
      throw new WeirError('INVALID_OPTION', `invalid value for option '--parallelism': '${rawParallelism}'; accepted: an integer from 1 to 32768`);
    }
  }
  const configPath = parsed.options['--config'];
  const config = loadConfigFile(typeof configPath === 'string' ? configPath : undefined);
  const job = parsed.options['--job'];
  const loaded = await loadJob({
    module: jobModuleUrl(jobFile),
    exportName: typeof job === 'string' ? job : undefined,
    args: JobParameters.fromArgs(parsed.rest).toObject(),
    parallelism,
    configuration: config.entries,
  });
  const report = await checkRestore({
    from,
    graph: loaded.jobGraph,
    allowNonRestoredState: parsed.options['-n'] === true || parsed.options['--allow-non-restored-state'] === true,
    jobParameters: loaded.parameters.toObject(),
  });
  if (parsed.options['--json'] === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatRestoreCheck(report)}\n`);
  return report.ok ? 0 : 1;
}

const OUTCOME_LABELS = { restored: 'restores', new: 'starts empty', dropped: 'dropped', failed: 'FAILS' } as const;

function noteOf(check: RestoreCheckReport['operators'][number]): string {
  if (check.outcome === 'new') return 'no state in the snapshot';
  if (check.outcome === 'restored') return check.opened === true ? 'opened on its restored state' : '';
  return check.message ?? '';
}

/** The human form: one line per operator, then the verdict and the restore's error. */
export function formatRestoreCheck(report: RestoreCheckReport): string {
  const { snapshot } = report;
  const lines: string[] = [];
  const what = snapshot.type === 'savepoint' ? `savepoint ${snapshot.directory}` : `checkpoint ${snapshot.checkpointId} (${snapshot.directory})`;
  lines.push(`Restoring job '${report.jobName}' at parallelism ${report.parallelism} from ${what} of job '${snapshot.jobName}'${report.allowNonRestoredState ? ', with --allow-non-restored-state' : ''}:`);
  const rows = report.operators.map((o) => [OUTCOME_LABELS[o.outcome], `'${o.name}'`, o.uid, noteOf(o)]);
  for (const line of formatTable(['outcome', 'operator', 'uid', 'note'], rows).split('\n')) lines.push(`  ${line}`);
  lines.push('');
  if (report.ok) {
    lines.push('The restore would succeed.');
  } else {
    lines.push('The restore would fail:');
    lines.push(`error: ${report.error?.message ?? 'unknown'}`);
    if (report.error?.hint !== undefined) lines.push(`  ${report.error.hint}`);
  }
  return lines.join('\n');
}
