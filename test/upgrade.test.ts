/**
 * @module Upgrades through savepoints: a keyed count is stopped with a savepoint, then restored (a)
 * unchanged, (b) with a stateless operator added, (c) with a stateful operator removed (through the
 * `weir` command: refused with the operator's uid, accepted with -n), (e) rescaled 2 -> 3 -> 1 over a
 * partitioned log and (g) from a moved savepoint directory. Each case checks the final counts against a plain count of the
 * whole input, and that the source read every record exactly once across the runs.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LogWriter } from 'weir';
import { runJob } from 'weir/testing';
import type { Version } from './jobs/upgrade-count-job.ts';
import { mergeRuns, readSavepointMetadata, referenceCounts, referenceHighest, runUntilStopped, sortedByKey, type StoppedRun } from './support/savepoint-runs.ts';
import { weir } from './support/run-command.ts';

const JOB = new URL('./jobs/upgrade-count-job.ts', import.meta.url);
const COUNT = 20_000;
const RATE = 10_000;
const root = mkdtempSync(join(tmpdir(), 'weir-upgrade-'));
const savepoints = join(root, 'savepoints');
after(() => rmSync(root, { recursive: true, force: true }));

function args(version: Version): Record<string, string> {
  return { version, count: String(COUNT), rate: String(RATE) };
}

type Counted = { key: string; count: number }[];

/** The first version, run at parallelism 2 until it is stopped with a savepoint: every case restores from it. */
let v1: StoppedRun;
before(async () => {
  v1 = await runUntilStopped(JOB, { args: args('v1'), parallelism: 2, directory: savepoints });
});

test('stop-with-savepoint writes a self-contained savepoint-<job>-<random> directory and ends the job after reading part of the input', () => {
  assert.match(v1.savepoint, /[/\\]savepoint-[0-9a-f]{6}-[0-9a-f]{12}$/);
  assert.ok(v1.savepoint.startsWith(savepoints));
  const metadata = readSavepointMetadata(v1.savepoint);
  const withState = metadata.operators.filter((o) => o.subtasks.length > 0).map((o) => o.uid).sort();
  // The CollectSinks ('audit-sink', 'counts') keep what they wrote since the last commit as sink state.
  assert.deepEqual(withState, ['audit', 'audit-sink', 'count', 'counts', 'ticks']);
  const read = v1.result.recordsIn('ticks');
  assert.ok(read > 0 && read < COUNT, `the first run read ${read} of ${COUNT} records before it was stopped`);
});

test('weir savepoint inspect lists each operator, its states with kind, scope and entries, and the key groups of each subtask', async () => {
  const outcome = await weir('savepoint', 'inspect', '--json', v1.savepoint);
  assert.equal(outcome.code, 0, outcome.stderr);
  const inspection = JSON.parse(outcome.stdout) as {
    type: string;
    jobName: string;
    operators: { uid: string; states: { name: string; kind: string; scope: string; entries: number }[]; subtasks: { keyGroups?: [number, number] }[] }[];
  };
  assert.equal(inspection.type, 'savepoint');
  assert.equal(inspection.jobName, 'upgrade-count');
  const count = inspection.operators.find((o) => o.uid === 'count');
  const state = count?.states.find((s) => s.name === 'count');
  assert.deepEqual({ kind: state?.kind, scope: state?.scope }, { kind: 'value', scope: 'keyed' });
  assert.equal(state?.entries, v1.result.getCollected('counts').length, 'one entry per key counted before the stop');
  assert.deepEqual(count?.subtasks.map((s) => s.keyGroups), [[0, 63], [64, 127]]);
  const splits = inspection.operators.find((o) => o.uid === 'ticks')?.states.find((s) => s.name === 'SourceReaderState');
  assert.deepEqual({ kind: splits?.kind, scope: splits?.scope, entries: splits?.entries }, { kind: 'list', scope: 'operator (split)', entries: 2 });

  const text = await weir('savepoint', 'inspect', v1.savepoint);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^operator 'count' \(uid count\): parallelism 2, maxParallelism 128/m);
  assert.match(text.stdout, /^ {2}count\s+value\s+keyed\s+number\s+\d+/m);
  assert.match(text.stdout, /^ {2}subtask 1: key groups 64-127/m);
});

test('(a) restored unchanged, the job resumes every key count and the source position: each record counts once', async () => {
  const result = await runJob(JOB, { parallelism: 2, args: args('v1'), configuration: {}, fromSavepoint: v1.savepoint });
  assert.deepEqual(mergeRuns(v1.result.getCollected<Counted[number]>('counts'), result.getCollected('counts')), sortedByKey(referenceCounts(COUNT)));
  assert.deepEqual(mergeRuns(v1.result.getCollected<Counted[number]>('audit'), result.getCollected('audit')), sortedByKey(referenceHighest(COUNT)));
  assert.equal(v1.result.recordsIn('ticks') + result.recordsIn('ticks'), COUNT);
});

test('(b) with a stateless operator added (uids set), every operator finds its state and the new one starts empty', async () => {
  const result = await runJob(JOB, { parallelism: 2, args: args('with-map'), configuration: {}, fromSavepoint: v1.savepoint });
  assert.deepEqual(mergeRuns(v1.result.getCollected<Counted[number]>('counts'), result.getCollected('counts')), sortedByKey(referenceCounts(COUNT)));
  assert.deepEqual(mergeRuns(v1.result.getCollected<Counted[number]>('audit'), result.getCollected('audit')), sortedByKey(referenceHighest(COUNT)));
  assert.equal(v1.result.recordsIn('ticks') + result.recordsIn('ticks'), COUNT);
});

test('(c) with a stateful operator removed, weir run -s fails naming its uid, savepoint check predicts it, and -n drops its state', async () => {
  const jobFile = fileURLToPath(JOB);
  const jobArgs = ['--version', 'without-audit', '--count', String(COUNT), '--rate', String(RATE), '--print', 'true'];

  const predicted = await weir('savepoint', 'check', jobFile, '--from', v1.savepoint, '-p', '2', ...jobArgs);
  assert.equal(predicted.code, 1, predicted.stderr);
  assert.match(predicted.stdout, /FAILS\s+'audit'\s+audit\s+not in the job/);
  assert.match(predicted.stdout, /restores\s+'count'\s+count/);
  assert.match(predicted.stdout, /holds state of operators that are not in job 'upgrade-count': 'audit' \(uid audit\)/);

  const refused = await weir('run', '-s', v1.savepoint, '-p', '2', jobFile, ...jobArgs);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /error: savepoint .*savepoint-[0-9a-f]{6}-[0-9a-f]{12} holds state of operators that are not in job 'upgrade-count': 'audit' \(uid audit\)/);
  assert.match(refused.stderr, /--allow-non-restored-state \(-n\)/);
  assert.doesNotMatch(refused.stdout, /count:/, 'nothing ran');

  const predictedWithN = await weir('savepoint', 'check', jobFile, '--from', v1.savepoint, '-p', '2', '-n', ...jobArgs);
  assert.equal(predictedWithN.code, 0, predictedWithN.stdout);
  assert.match(predictedWithN.stdout, /dropped\s+'audit'\s+audit/);

  const accepted = await weir('run', '-s', v1.savepoint, '-n', '-p', '2', jobFile, ...jobArgs);
  assert.equal(accepted.code, 0, accepted.stderr);
  const printed: Counted = [];
  for (const match of accepted.stdout.matchAll(/^count:\d+> (k\d+)=(\d+)$/gm)) printed.push({ key: match[1] ?? '', count: Number(match[2]) });
  // Each key's printed counts rise; the highest is its final count.
  const finals = new Map<string, number>();
  for (const { key, count } of printed) finals.set(key, Math.max(finals.get(key) ?? 0, count));
  const run2 = [...finals].map(([key, count]) => ({ key, count }));
  assert.deepEqual(mergeRuns(v1.result.getCollected<Counted[number]>('counts'), run2), sortedByKey(referenceCounts(COUNT)));
});

test('(e) rescaled 2 -> 3 -> 1 through two savepoints over a log: keyed state follows its key groups, log partitions spread and resume', async () => {
  // A log of record numbers in 6 partitions, written in three parts: each run is stopped (or ends)
  // after the part written before it, and must resume where the savepoint left every partition.
  const log = join(root, 'rescale-log');
  const parts = [0, 6_000, 12_000, 18_000];
  const writer = new LogWriter(log, 6);
  const append = (from: number, to: number): void => {
    for (let i = from; i < to; i++) writer.append(i % 6, String(i));
    writer.flush();
  };
  const logArgs = (bounded: boolean): Record<string, string> => ({ version: 'v1', input: log, bounded: String(bounded) });
  append(parts[0]!, parts[1]!);
  const first = await runUntilStopped(JOB, { args: logArgs(false), parallelism: 2, directory: savepoints });
  append(parts[1]!, parts[2]!);
  const second = await runUntilStopped(JOB, { args: logArgs(false), parallelism: 3, directory: savepoints, fromSavepoint: first.savepoint });
  assert.equal(readSavepointMetadata(second.savepoint).operators.find((o) => o.uid === 'count')?.subtasks.length, 3, 'the second savepoint holds the count at parallelism 3');
  append(parts[2]!, parts[3]!);
  writer.close();
  const last = await runJob(JOB, { parallelism: 1, args: logArgs(true), configuration: {}, fromSavepoint: second.savepoint });
  const runs = [first.result, second.result, last];
  const total = parts[3]!;
  assert.deepEqual(mergeRuns(...runs.map((r) => r.getCollected<Counted[number]>('counts'))), sortedByKey(referenceCounts(total)));
  assert.deepEqual(mergeRuns(...runs.map((r) => r.getCollected<Counted[number]>('audit'))), sortedByKey(referenceHighest(total)));
  assert.equal(runs.reduce((sum, r) => sum + r.recordsIn('ticks'), 0), total, 'every line was read once across the three runs');
});

test('(g) a savepoint directory moved elsewhere restores: its files are found relative to its _metadata', async () => {
  const moved = join(root, 'elsewhere', 'renamed');
  mkdirSync(join(root, 'elsewhere'));
  renameSync(v1.savepoint, moved);
  assert.ok(!existsSync(v1.savepoint));
  const result = await runJob(JOB, { parallelism: 2, args: args('v1'), configuration: {}, fromSavepoint: join(moved, '_metadata') });
  assert.deepEqual(mergeRuns(v1.result.getCollected<Counted[number]>('counts'), result.getCollected('counts')), sortedByKey(referenceCounts(COUNT)));
  assert.equal(v1.result.recordsIn('ticks') + result.recordsIn('ticks'), COUNT);

  // weir never deletes a savepoint; weir savepoint dispose does, and only a directory with a valid _metadata.
  assert.ok(existsSync(moved));
  const notASavepoint = join(root, 'elsewhere');
  const refused = await weir('savepoint', 'dispose', notASavepoint);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is not a savepoint: it has no _metadata; nothing was deleted/);
  const disposed = await weir('savepoint', 'dispose', moved);
  assert.equal(disposed.code, 0, disposed.stderr);
  assert.match(disposed.stdout, /Disposed savepoint .*renamed of job 'upgrade-count'/);
  assert.ok(!existsSync(moved) && existsSync(notASavepoint));
});
