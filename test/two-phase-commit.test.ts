/**
 * @module Two-phase commit riding on checkpoints, in running jobs: a transactional sink whose "database"
 * is a directory commits every record exactly once across a failure and a restore, also when the commit
 * of the restored transactions fails once; and a plain sink's flush at a checkpoint holds back the
 * checkpoint's acknowledgement (AT_LEAST_ONCE).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MiniCluster, jobModuleUrl } from 'weir';
import { runJob } from 'weir/testing';
import { txnSubtask, type FlushReport, type LogEntry } from './jobs/two-phase-commit-job.ts';

const JOB = new URL('./jobs/two-phase-commit-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-two-phase-commit-'));
after(() => rmSync(root, { recursive: true, force: true }));

const RESTART = { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 3, 'restart-strategy.fixed-delay.delay': '10 ms' };

function readLog(store: string): LogEntry[] {
  const file = join(store, 'log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogEntry);
}

/** Every record in a committed transaction, sorted. */
function committedRecords(store: string): number[] {
  const dir = join(store, 'committed');
  return readdirSync(dir)
    .flatMap((txn) => JSON.parse(readFileSync(join(dir, txn), 'utf8')) as number[])
    .sort((a, b) => a - b);
}

function reference(count: number): number[] {
  const records: number[] = [];
  for (let i = 0; i < count; i++) records.push(i);
  return records;
}

test('a failure after a checkpoint: the committed transactions hold every record exactly once', async () => {
  const parallelism = 2;
  const store = join(root, `exactly-once-p${parallelism}`);
  const count = 30_000;
  const result = await runJob(JOB, {
    exportName: 'job',
    parallelism,
    args: { store, checkpoints: join(root, `chk-p${parallelism}`), count, rate: 30_000, 'fail-at': 10_000 },
    configuration: RESTART,
  });
  assert.ok(result.recordsIn('numbers') < count, 'the restarted attempt started from a checkpoint');
  assert.deepEqual(committedRecords(store), reference(count));
  const log = readLog(store);
  const commits = log.filter((e) => e.event === 'commit').map((e) => (e.event === 'commit' ? e.txn : ''));
  assert.equal(new Set(commits).size, commits.length, 'no transaction was committed twice');
  assert.ok(log.some((e) => e.event === 'restore'), 'the second attempt restored committables');
  // Each subtask committed and aborted only transactions of the old subtasks it inherits.
  for (const e of log) if (e.event === 'commit' || e.event === 'abort' || e.event === 'already') assert.equal(txnSubtask(e.txn) % parallelism, e.subtask);
  assert.deepEqual(readdirSync(join(store, 'prepared')), [], 'every prepared transaction was committed or aborted');
});

test('a commit that throws during recovery fails the task; the next attempt restores the same checkpoint and commits, nothing twice', async () => {
  const store = join(root, 'restore-commit-fails');
  const count = 30_000;
  await runJob(JOB, {
    exportName: 'job',
    parallelism: 2,
    args: { store, checkpoints: join(root, 'chk-restore-commit-fails'), count, rate: 30_000, 'fail-at': 10_000, 'fail-restore-commit': true },
    configuration: RESTART,
  });
  const log = readLog(store);
  const injected = log.filter((e) => e.event === 'injected');
  assert.ok(injected.length >= 1 && injected.every((e) => e.attempt === 1), 'the restore commits of attempt 1 failed');
  const restores = log.filter((e) => e.event === 'restore');
  const byAttempt = new Map<number, Set<number>>();
  for (const e of restores) if (e.event === 'restore') byAttempt.set(e.attempt, (byAttempt.get(e.attempt) ?? new Set()).add(e.checkpointId));
  assert.deepEqual([...(byAttempt.get(1) ?? [])], [...(byAttempt.get(2) ?? [])], 'attempts 1 and 2 restored the same checkpoint');
  assert.equal(byAttempt.get(1)?.size, 1);
  const commits = log.filter((e) => e.event === 'commit').map((e) => (e.event === 'commit' ? e.txn : ''));
  assert.equal(new Set(commits).size, commits.length, 'no transaction was committed twice');
  assert.deepEqual(committedRecords(store), reference(count));
});

test("a plain sink's flush at a checkpoint holds back the checkpoint's acknowledgement, and the final flush writes everything", async () => {
  const out = join(root, 'flush');
  const parallelism = 2;
  const delay = 300;
  const client = await new MiniCluster().submit({
    module: jobModuleUrl(JOB),
    exportName: 'flushJob',
    parallelism,
    args: { out, count: '20000', rate: '20000', delay: String(delay) },
    configuration: {},
  });
  await client.getJobExecutionResult();
  const completed = (client.getCheckpointStats()?.history ?? []).filter((c) => c.status === 'COMPLETED');
  assert.ok(completed.length >= 1, 'a checkpoint completed');
  for (const checkpoint of completed) {
    // The sink's subtasks acknowledged only once their flush, started after the trigger, was done.
    const waited = checkpoint.subtasks.filter((s) => s.acknowledgedAt - checkpoint.triggeredAt >= delay - 5);
    assert.ok(waited.length >= parallelism, `checkpoint ${checkpoint.checkpointId}: ${waited.length} subtasks waited for a flush`);
  }
  const reports = readdirSync(out).map((file) => JSON.parse(readFileSync(join(out, file), 'utf8')) as FlushReport);
  assert.equal(reports.length, parallelism);
  assert.equal(reports.reduce((sum, r) => sum + r.written, 0), 20_000);
  for (const report of reports) {
    assert.equal(report.flushed, report.written);
    assert.ok(report.checkpointFlushes >= 1);
  }
});
