/**
 * @module Two-phase commit across a rescale: a job with a transactional sink is cancelled after its
 * checkpoints completed and restored from the latest one at another parallelism; every restored
 * committable is committed by exactly one new subtask, each new subtask rolls back only what the old
 * subtasks it inherits left prepared, and the committed records hold every record exactly once.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MiniCluster, jobModuleUrl } from 'weir';
import { runJob } from 'weir/testing';
import { txnSubtask, type LogEntry } from './jobs/two-phase-commit-job.ts';

const JOB = new URL('./jobs/two-phase-commit-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-two-phase-commit-rescale-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Completed checkpoints (directories with _metadata) under a checkpoint root. */
function completed(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((job) =>
    readdirSync(join(dir, job))
      .filter((d) => d.startsWith('chk-') && existsSync(join(dir, job, d, '_metadata')))
      .map((d) => join(dir, job, d)),
  );
}

function readLog(store: string): LogEntry[] {
  return readFileSync(join(store, 'log'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogEntry);
}

for (const [from, to] of [
  [2, 3],
  [3, 1],
] as const) {
  test(`restoring at parallelism ${to} a checkpoint taken at ${from} commits every restored committable in exactly one subtask`, async () => {
    const store = join(root, `store-${from}-${to}`);
    const checkpoints = join(root, `chk-${from}-${to}`);
    const count = 45_000;
    const args = { store, checkpoints, count: String(count), rate: '20000' };
    const client = await new MiniCluster().submit({ module: jobModuleUrl(JOB), exportName: 'job', parallelism: from, args, configuration: {} });
    const deadline = Date.now() + 30_000;
    while (completed(checkpoints).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await client.cancel();
    assert.ok(completed(checkpoints).length >= 1, 'no checkpoint completed before the cancel');
    const before = readLog(store).length;
    const oldTxns = new Set([...readdirSync(join(store, 'prepared')), ...readdirSync(join(store, 'committed'))]);

    await runJob(JOB, { exportName: 'job', parallelism: to, args, configuration: {}, fromCheckpoint: 'latest' });
    const log = readLog(store).slice(before);
    const restoredBy = new Map<string, number[]>();
    for (const e of log) {
      if ((e.event === 'commit' || e.event === 'already') && oldTxns.has(e.txn)) {
        restoredBy.set(e.txn, [...(restoredBy.get(e.txn) ?? []), e.subtask]);
      }
      if (e.event === 'commit' || e.event === 'already' || e.event === 'abort') {
        assert.equal(txnSubtask(e.txn) % to, e.subtask, `${e.event} of ${e.txn} by subtask ${e.subtask} of ${to}`);
      }
    }
    assert.ok(restoredBy.size > 0, 'the restored run committed the committables of the checkpoint');
    for (const [txn, subtasks] of restoredBy) assert.equal(subtasks.length, 1, `${txn} was committed on restore by subtasks ${subtasks.join(', ')}`);

    const committed = readdirSync(join(store, 'committed'))
      .flatMap((txn) => JSON.parse(readFileSync(join(store, 'committed', txn), 'utf8')) as number[])
      .sort((a, b) => a - b);
    const expected = Array.from({ length: count }, (_, i) => i);
    assert.deepEqual(committed, expected);
    assert.deepEqual(readdirSync(join(store, 'prepared')), [], 'every prepared transaction was committed or rolled back');
  });
}
