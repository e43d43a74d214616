/**
 * @module `weir savepoint inspect <path>`: what a savepoint (or retained checkpoint) holds, operator by
 * operator: uids, states with their kind, scope, type, entries and size, and key-group ranges.
 */
import path from 'node:path';
import { FileCheckpointStorage } from '../checkpoint/file-checkpoint-storage.ts';
import { inspectSnapshot, type SnapshotInspection } from '../checkpoint/snapshot-inspection.ts';
import { formatBytes, formatTable, formatTimestamp } from './format-table.ts';
import { onePath, parseSavepointToolArgs, wantsHelp } from './savepoint-args.ts';

const USAGE = `Usage: weir savepoint inspect <path> [--json]

Lists what a savepoint (or a retained checkpoint) holds: its operators with their uids, parallelism and
size, and per state its name, kind (value, list, map, reducing, aggregating, timers), scope (keyed, or
operator state split, union or broadcast), stored type, entries and bytes, and the key groups of each
subtask. <path> is the savepoint directory or its _metadata file. Every state file is read and verified.`;

export async function savepointInspectCommand(args: readonly string[]): Promise<number> {
  const parsed = parseSavepointToolArgs(args, [], ['--json'], USAGE);
  if (wantsHelp(parsed)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const target = onePath(parsed, 'savepoint path', USAGE);
  const resolved = path.resolve(target);
  const directory = path.basename(resolved) === '_metadata' ? path.dirname(resolved) : resolved;
  const storage = new FileCheckpointStorage({ directory: path.dirname(directory) });
  const inspection = await inspectSnapshot(await storage.loadCheckpoint(target), storage);
  if (parsed.options['--json'] === true) process.stdout.write(`${JSON.stringify(inspection, null, 2)}\n`);
  else process.stdout.write(`${formatInspection(inspection)}\n`);
  return 0;
}

/** The human form: a header, then per operator a table of its states and its subtasks' key groups. */
export function formatInspection(inspection: SnapshotInspection): string {
  const lines: string[] = [];
  const what = inspection.type === 'savepoint' ? 'Savepoint' : `Checkpoint ${inspection.checkpointId}`;
  lines.push(`${what} ${inspection.directory}`);
  lines.push(
    `  job '${inspection.jobName}' (${inspection.jobId}), ${inspection.type} ${inspection.checkpointId}, taken ${formatTimestamp(inspection.timestamp)}, ` +
      `${inspection.files} state files, ${formatBytes(inspection.bytes)}`,
  );
  for (const operator of inspection.operators) {
    lines.push('');
    const head = `operator '${operator.name}' (uid ${operator.uid}): parallelism ${operator.parallelism}, maxParallelism ${operator.maxParallelism}`;
    if (operator.states.length === 0 && operator.bytes === 0) {
      lines.push(`${head}, no state`);
      continue;
    }
    lines.push(`${head}, ${formatBytes(operator.bytes)}`);
    const rows = operator.states.map((state) => [
      state.name,
      state.kind,
      state.scope,
      state.type,
      state.entries === undefined ? '-' : String(state.entries),
      state.bytes === undefined ? '-' : formatBytes(state.bytes),
    ]);
    if (rows.length > 0) {
      for (const line of formatTable(['state', 'kind', 'scope', 'type', 'entries', 'size'], rows).split('\n')) lines.push(`  ${line}`);
    }
    for (const subtask of operator.subtasks) {
      const parts: string[] = [];
      if (subtask.keyGroups !== undefined) parts.push(`key groups ${subtask.keyGroups[0]}-${subtask.keyGroups[1]}, keyed ${formatBytes(subtask.keyedBytes)}`);
      if (subtask.operatorBytes > 0) parts.push(`operator state ${formatBytes(subtask.operatorBytes)}`);
      if (subtask.channelBytes > 0) parts.push(`in-flight records ${formatBytes(subtask.channelBytes)}`);
      lines.push(`  subtask ${subtask.subtask}: ${parts.join(', ')}`);
    }
  }
  return lines.join('\n');
}
