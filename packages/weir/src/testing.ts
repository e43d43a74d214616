/**
 * @module weir/testing: what job tests need, used by weir's own tests too. Run a job module in local
 * mode at several parallelisms and compare what it collected with a plain reference computation.
 */
export { runJob, type RunJobOptions } from './cluster/run-job.ts';
export { JobExecutionResult } from './cluster/job-execution-result.ts';
export { CollectSink } from './connectors/collect-sink.ts';
export { FaultInjectingFileSystem, type FileSystemFault } from './checkpoint/fault-injecting-file-system.ts';

/** The parallelisms every operator is tested at. */
export const TEST_PARALLELISMS: readonly number[] = [1, 2, 4];

/** Counts of each distinct value (by JSON form), to compare outputs whose order is not defined. */
export function multiset(values: Iterable<unknown>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) {
    const key = JSON.stringify(value);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return new Map([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Groups values by a key, keeping their order within each group. */
export function groupBy<T, K>(values: Iterable<T>, key: (value: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const value of values) {
    const k = key(value);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [value]);
    else group.push(value);
  }
  return groups;
}
