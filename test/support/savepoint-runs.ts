/**
 * @module What the upgrade suites share: running a job until it is stopped with a savepoint, the
 * reference counts of the upgrade jobs' input (a plain loop), and merging the upsert results of the
 * runs a job's life was split into.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MiniCluster, jobModuleUrl } from 'weir';
import type { JobExecutionResult, StopWithSavepointOptions } from 'weir';
import { tick } from '../jobs/upgrade-count-job.ts';

export interface StoppedRun {
  readonly savepoint: string;
  readonly result: JobExecutionResult;
}

/**
 * Starts `job`, takes a savepoint once every task runs (the job goes on), lets it run `runMs` more,
 * then stops it with a savepoint into `directory` and waits for it to finish.
 */
export async function runUntilStopped(
  job: URL,
  options: {
    readonly args: Record<string, string>;
    readonly parallelism: number;
    readonly directory: string;
    readonly fromSavepoint?: string;
    readonly allowNonRestoredState?: boolean;
    readonly runMs?: number;
    readonly stop?: Omit<StopWithSavepointOptions, 'targetDirectory'>;
  },
): Promise<StoppedRun> {
  const client = await new MiniCluster().submit({
    module: jobModuleUrl(job),
    parallelism: options.parallelism,
    args: options.args,
    configuration: {},
    fromSavepoint: options.fromSavepoint,
    allowNonRestoredState: options.allowNonRestoredState,
  });
  // Resolves once every task runs and a savepoint completed: the job is reading.
  await client.triggerSavepoint({ targetDirectory: options.directory });
  assert.equal(client.getJobStatus(), 'RUNNING', 'a savepoint leaves the job running');
  await new Promise((resolve) => setTimeout(resolve, options.runMs ?? 300));
  const savepoint = await client.stopWithSavepoint({ ...options.stop, targetDirectory: options.directory });
  assert.equal(client.getJobStatus(), 'FINISHED', 'a stop with a savepoint ends the job FINISHED');
  return { savepoint, result: await client.getJobExecutionResult() };
}

/** The count of each key over records 0..count-1: what the upgrade jobs' counts must end at. */
export function referenceCounts(count: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const { key } = tick(i);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The highest record number of each key over records 0..count-1 (the audit operator's final value). */
export function referenceHighest(count: number): Map<string, number> {
  const highest = new Map<string, number>();
  for (let i = 0; i < count; i++) highest.set(tick(i).key, i);
  return highest;
}

/** A key's latest value across runs: each run reports only the keys it saw, later runs win. */
export function mergeRuns(...runs: readonly (readonly { key: string; count: number }[])[]): Map<string, number> {
  const merged = new Map<string, number>();
  for (const run of runs) for (const { key, count } of run) merged.set(key, count);
  return new Map([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Sorted by key, to compare with `mergeRuns`. */
export function sortedByKey(map: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The `_metadata` body of a savepoint: its operators and which of their subtasks hold state. */
export function readSavepointMetadata(directory: string): { operators: { uid: string; name: string; subtasks: Record<string, unknown>[] }[] } {
  const envelope = JSON.parse(readFileSync(join(directory, '_metadata'), 'utf8')) as { body: { operators: { uid: string; name: string; subtasks: Record<string, unknown>[] }[] } };
  return envelope.body;
}
