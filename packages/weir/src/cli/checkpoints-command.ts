/**
 * @module `weir checkpoints <jobId>`: the checkpoint statistics of a job of the running JobManager:
 * counts, the latest completed, savepoint and failed checkpoint, and the recent history.
 */
import { checkPositionals, jobIdArgument, jobManagerClient, parseControlCommand } from './control-args.ts';
import { formatBytes, formatDurationMs, formatTable, formatTimestamp } from './format-table.ts';

const USAGE = `Usage: weir checkpoints <jobId> [--json] [--jobmanager host:port]

Prints the job's checkpoint statistics (GET /jobs/:jobid/checkpoints).`;

interface CheckpointRow {
  readonly id: number;
  readonly status: string;
  readonly checkpoint_type: string;
  readonly trigger_timestamp: number;
  readonly end_to_end_duration: number;
  readonly state_size: number;
  readonly external_path: string | null;
  readonly failure_message?: string | null;
}

interface CheckpointsAnswer {
  readonly counts: { readonly total: number; readonly in_progress: number; readonly completed: number; readonly failed: number; readonly restored: number };
  readonly latest: {
    readonly completed: CheckpointRow | null;
    readonly savepoint: CheckpointRow | null;
    readonly failed: CheckpointRow | null;
    readonly restored: { readonly id: number; readonly external_path: string } | null;
  };
  readonly history: readonly CheckpointRow[];
}

export async function checkpointsCommand(args: readonly string[]): Promise<number> {
  const command = parseControlCommand(args, [], ['--json']);
  if (command.options['--help'] === true || command.options['-h'] === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const jobId = jobIdArgument(command, 'weir checkpoints <jobId>');
  checkPositionals(command, 1, USAGE);
  const answer = await jobManagerClient(command.options).getCheckpoints(jobId);
  if (command.options['--json'] === true) {
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${formatCheckpoints(jobId, answer as unknown as CheckpointsAnswer)}\n`);
  return 0;
}

export function formatCheckpoints(jobId: string, answer: CheckpointsAnswer): string {
  const { counts, latest } = answer;
  const lines = [
    `Checkpoints of job ${jobId}: ${counts.completed} completed, ${counts.failed} failed, ${counts.in_progress} in progress (${counts.total} triggered), ${counts.restored} restored`,
  ];
  const describe = (c: CheckpointRow): string =>
    `#${c.id} at ${formatTimestamp(c.trigger_timestamp)}, ${c.end_to_end_duration < 0 ? '-' : formatDurationMs(c.end_to_end_duration)}, ${formatBytes(c.state_size)}${c.external_path === null ? '' : `, ${c.external_path}`}`;
  if (latest.completed !== null) lines.push(`Latest completed:  ${describe(latest.completed)}`);
  if (latest.savepoint !== null) lines.push(`Latest savepoint:  ${describe(latest.savepoint)}`);
  if (latest.failed !== null) lines.push(`Latest failed:     #${latest.failed.id} at ${formatTimestamp(latest.failed.trigger_timestamp)}: ${latest.failed.failure_message ?? 'unknown reason'}`);
  if (latest.restored !== null) lines.push(`Restored from:     #${latest.restored.id}, ${latest.restored.external_path}`);
  if (answer.history.length > 0) {
    lines.push('', 'History (newest first):');
    const rows = answer.history.map((c) => [
      String(c.id),
      c.status,
      c.checkpoint_type,
      formatTimestamp(c.trigger_timestamp),
      c.end_to_end_duration < 0 ? '-' : formatDurationMs(c.end_to_end_duration),
      formatBytes(c.state_size),
      c.external_path ?? '-',
    ]);
    lines.push(formatTable(['ID', 'STATUS', 'TYPE', 'TRIGGERED', 'DURATION', 'SIZE', 'PATH'], rows));
  }
  return lines.join('\n');
}
