/**
 * @module Upgrades that change what state means: (d) generated uids after a topology change (the
 * restore fails listing the unmatched operators), (f) a compatible state-type change (fields added
 * and removed: the state migrates) and an incompatible one (a field's type changed: the restore fails
 * naming the operator, the state and the change, as `weir savepoint check` predicts), and stopping
 * with and without draining (event-time timers fire only with --drain).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WeirError } from 'weir';
import { runJob } from 'weir/testing';
import { keyOf } from './jobs/timer-recovery-job.ts';
import { mergeRuns, readSavepointMetadata, referenceCounts, runUntilStopped, sortedByKey } from './support/savepoint-runs.ts';
import { weir } from './support/run-command.ts';

const COUNT_JOB = new URL('./jobs/upgrade-count-job.ts', import.meta.url);
const SCHEMA_JOB = new URL('./jobs/upgrade-schema-job.ts', import.meta.url);
const TIMER_JOB = new URL('./jobs/timer-recovery-job.ts', import.meta.url);
const COUNT = 20_000;
const RATE = 10_000;
const root = mkdtempSync(join(tmpdir(), 'weir-upgrade-schema-'));
const savepoints = join(root, 'savepoints');
after(() => rmSync(root, { recursive: true, force: true }));

type Counted = { key: string; count: number };

test('(d) with generated uids the unchanged job restores, but after a topology change the restore fails listing every unmatched operator', async () => {
  const args = (version: string): Record<string, string> => ({ version, count: String(COUNT), rate: String(RATE) });
  const v1 = await runUntilStopped(COUNT_JOB, { args: args('no-uids'), parallelism: 2, directory: savepoints });

  const plan = await weir('plan', '--json', '-p', '2', fileURLToPath(COUNT_JOB), '--version', 'no-uids-with-map', '--count', '1', '--rate', '1');
  assert.equal(plan.code, 0, plan.stderr);
  const changedUids = new Set((JSON.parse(plan.stdout) as { vertices: { operators: { uid: string }[] }[] }).vertices.flatMap((v) => v.operators.map((o) => o.uid)));
  const withState = readSavepointMetadata(v1.savepoint).operators.filter((o) => o.subtasks.length > 0);
  const expected = withState.filter((o) => !changedUids.has(o.uid)).map((o) => o.uid).sort();
  assert.ok(withState.some((o) => o.name === 'count' && expected.includes(o.uid)), "the count's generated uid changed with the topology");

  await assert.rejects(runJob(COUNT_JOB, { parallelism: 2, args: args('no-uids-with-map'), configuration: {}, fromSavepoint: v1.savepoint }), (error: unknown) => {
    assert.ok(error instanceof WeirError && error.code === 'RESTORE_FAILED', String(error));
    assert.match(error.message, /holds state of operators that are not in job 'upgrade-count'/);
    const listed = [...error.message.matchAll(/\(uid ([^)]+)\)/g)].map((m) => m[1]).sort();
    assert.deepEqual(listed, expected);
    assert.match(error.hint ?? '', /\.uid\(/);
    return true;
  });

  const unchanged = await runJob(COUNT_JOB, { parallelism: 2, args: args('no-uids'), configuration: {}, fromSavepoint: v1.savepoint });
  assert.deepEqual(mergeRuns(v1.result.getCollected<Counted>('counts'), unchanged.getCollected('counts')), sortedByKey(referenceCounts(COUNT)));
});

test('(f) adding and removing fields of a Types.object state migrates it; changing a field type fails naming operator, state and change', async () => {
  const args = (version: string): Record<string, string> => ({ version, count: String(COUNT), rate: String(RATE) });
  const v1 = await runUntilStopped(SCHEMA_JOB, { args: args('v1'), parallelism: 2, directory: savepoints });

  const migrated = await runJob(SCHEMA_JOB, { parallelism: 2, args: args('fields-changed'), configuration: {}, fromSavepoint: v1.savepoint });
  assert.deepEqual(mergeRuns(v1.result.getCollected<Counted>('counts'), migrated.getCollected('counts')), sortedByKey(referenceCounts(COUNT)));

  const change = /cannot restore state 'stats' of operator 'count-with-stats' \(uid count-with-stats\) subtask \d\/2: its value type changed incompatibly: field 'count' changed from number to string/;
  const predicted = await weir('savepoint', 'check', fileURLToPath(SCHEMA_JOB), '--from', v1.savepoint, '-p', '2', ...Object.entries(args('type-changed')).flatMap(([k, v]) => [`--${k}`, v]));
  assert.equal(predicted.code, 1, predicted.stdout + predicted.stderr);
  assert.match(predicted.stdout, /FAILS\s+'count-with-stats'\s+count-with-stats/);
  assert.match(predicted.stdout, change);
  const compatible = await weir('savepoint', 'check', fileURLToPath(SCHEMA_JOB), '--from', v1.savepoint, '-p', '2', ...Object.entries(args('fields-changed')).flatMap(([k, v]) => [`--${k}`, v]));
  assert.equal(compatible.code, 0, compatible.stdout + compatible.stderr);

  await assert.rejects(runJob(SCHEMA_JOB, { parallelism: 2, args: args('type-changed'), configuration: {}, fromSavepoint: v1.savepoint }), (error: unknown) => {
    assert.ok(error instanceof WeirError && error.code === 'RESTORE_FAILED', String(error));
    assert.match(error.message, change);
    assert.match(error.hint ?? '', /keep the stored type .* give the state a new name/);
    return true;
  });
});

test('a stop without drain fires no event-time timer and they fire after the restore; with drain they fire before the savepoint', async () => {
  const count = 20_000;
  const args = { checkpoints: join(root, 'timer-checkpoints'), count: String(count), rate: String(RATE) };
  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) expected.set(keyOf(i), (expected.get(keyOf(i)) ?? 0) + 1);

  const stopped = await runUntilStopped(TIMER_JOB, { args, parallelism: 2, directory: savepoints });
  assert.deepEqual(stopped.result.getCollected('reports'), [], 'without drain the watermark stays where it was: no timer fired');
  const resumed = await runJob(TIMER_JOB, { parallelism: 2, args, configuration: {}, fromSavepoint: stopped.savepoint });
  assert.deepEqual(new Map(resumed.getCollected<[string, number]>('reports')), expected, "every key's timer was in the savepoint and fired once at the end");

  const drained = await runUntilStopped(TIMER_JOB, { args, parallelism: 2, directory: savepoints, stop: { drain: true } });
  const reports = drained.result.getCollected<[string, number]>('reports');
  assert.ok(reports.length > 0, 'with drain the final watermark fired the timers');
  assert.equal(new Set(reports.map(([key]) => key)).size, reports.length, 'one report per key');
  assert.equal(
    reports.reduce((sum, [, n]) => sum + n, 0),
    drained.result.recordsIn('numbers'),
    'the reports count exactly the records read before the savepoint',
  );
});
