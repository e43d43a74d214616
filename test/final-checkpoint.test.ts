/**
 * @module The final checkpoint of a bounded job: a subtask whose input ended waits, with its last
 * transaction uncommitted, until every task's input ended and one last checkpoint completed. So a failure
 * of another subtask after that end (or the process killed there) does not duplicate the ended
 * subtask's output; a failure after the final checkpoint restores it and finishes without reading again;
 * the final checkpoint is a checkpoint like any other; and without checkpointing nothing changes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { END_OF_INPUT_CHECKPOINT_ID, MiniCluster, jobModuleUrl } from 'weir';
import { runJob } from 'weir/testing';
import { endedMarker, numbersOf, txnCheckpointId, type LogEntry } from './jobs/final-checkpoint-job.ts';
import { runNode, WEIR_BIN } from './support/run-command.ts';

const JOB = new URL('./jobs/final-checkpoint-job.ts', import.meta.url);
const JOB_FILE = fileURLToPath(JOB);
const root = mkdtempSync(join(tmpdir(), 'weir-final-checkpoint-'));
after(() => rmSync(root, { recursive: true, force: true }));

const RESTART = { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 3, 'restart-strategy.fixed-delay.delay': '10 ms' };
/** Subtask 0 ends after about a second; subtask 1 reads for about four. */
const SHORT = 2000;
const LONG = 8000;
const RATE = 2000;

function readLog(store: string): LogEntry[] {
  const file = join(store, 'log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogEntry);
}

function committedTxns(store: string): string[] {
  return readdirSync(join(store, 'committed'));
}

/** Every number in a committed transaction, sorted. */
function committedNumbers(store: string): number[] {
  return committedTxns(store)
    .flatMap((txn) => JSON.parse(readFileSync(join(store, 'committed', txn), 'utf8')) as number[])
    .sort((a, b) => a - b);
}

/** Every number in the FileSink's finished part files, sorted; in-progress (hidden) parts are not output. */
function fileNumbers(out: string): number[] {
  return readdirSync(out)
    .filter((file) => !file.startsWith('.'))
    .flatMap((file) => readFileSync(join(out, file), 'utf8').split('\n').filter((l) => l !== ''))
    .map(Number)
    .sort((a, b) => a - b);
}

/** The plain reference: what every source subtask reads, once, sorted. */
function expectedNumbers(counts: readonly number[]): number[] {
  return counts.flatMap((_, subtask) => numbersOf(counts, subtask)).sort((a, b) => a - b);
}

type Commit = Extract<LogEntry, { txn: string }>;

function commits(log: readonly LogEntry[]): Commit[] {
  return log.filter((e): e is Commit => e.event === 'commit');
}

test('a subtask failing after another subtask reached its end of input: the two-phase-commit store holds every number exactly once', async () => {
  const dir = join(root, 'store-fail');
  const store = join(dir, 'store');
  const result = await runJob(JOB, {
    exportName: 'job',
    parallelism: 2,
    args: { out: store, markers: join(dir, 'markers'), checkpoints: join(dir, 'checkpoints'), short: SHORT, long: LONG, rate: RATE, 'after-end': 'fail' },
    configuration: RESTART,
  });
  const log = readLog(store);
  const committed = commits(log);
  assert.ok(committed.some((e) => e.attempt === 1), 'the job restarted after the failure');
  assert.ok(result.recordsIn('numbers') < SHORT + LONG, 'the restarted attempt started from a checkpoint');
  assert.deepEqual(committedNumbers(store), expectedNumbers([SHORT, LONG]));
  assert.equal(new Set(committed.map((e) => e.txn)).size, committed.length, 'no transaction was committed twice');
  // Subtask 0 had reached the end of its input when subtask 1 failed: nothing it wrote on attempt 0 after
  // the restored checkpoint is visible, so its last numbers came back with attempt 1.
  const last = numbersOf([SHORT, LONG], 0).at(-1);
  const holder = committedTxns(store).find((txn) => (JSON.parse(readFileSync(join(store, 'committed', txn), 'utf8')) as number[]).includes(last ?? -1));
  assert.equal(holder?.split('-')[1], '1', `subtask 0's last number was committed by attempt 0 (${String(holder)})`);
});

test('a subtask failing after another subtask reached its end of input: the FileSink holds every number exactly once', async () => {
  const dir = join(root, 'file-fail');
  const out = join(dir, 'out');
  const result = await runJob(JOB, {
    exportName: 'job',
    parallelism: 2,
    args: { out, sink: 'file', markers: join(dir, 'markers'), checkpoints: join(dir, 'checkpoints'), short: SHORT, long: LONG, rate: RATE, 'after-end': 'fail' },
    configuration: RESTART,
  });
  assert.ok(result.recordsIn('numbers') < SHORT + LONG, 'the restarted attempt started from a checkpoint');
  assert.deepEqual(fileNumbers(out), expectedNumbers([SHORT, LONG]));
  assert.deepEqual(readdirSync(out).filter((file) => file.startsWith('.')), [], 'no in-progress part is left');
});

test('region failover: a pipeline that reached its end of input keeps waiting while the failed one restarts, and both commit exactly once', async () => {
  const dir = join(root, 'regions');
  const out = join(dir, 'out');
  const short = 1000;
  const long = 4000;
  await runJob(JOB, {
    exportName: 'regionsJob',
    parallelism: 2,
    args: { out, markers: join(dir, 'markers'), checkpoints: join(dir, 'checkpoints'), short, long, rate: RATE },
    configuration: { ...RESTART, 'jobmanager.execution.failover-strategy': 'region' },
  });
  assert.deepEqual(committedNumbers(join(out, 'a')), expectedNumbers([short, short]));
  assert.deepEqual(committedNumbers(join(out, 'b')), expectedNumbers([long, long]));
  const a = readLog(join(out, 'a'));
  const b = readLog(join(out, 'b'));
  assert.ok(commits(b).some((e) => e.attempt === 1), 'pipeline b restarted');
  assert.deepEqual(new Set(a.map((e) => e.attempt)), new Set([0]), 'pipeline a restarted although it was waiting at its end of input');
  // Pipeline a's last transactions wait for the final checkpoint, taken once b ended too.
  const finalId = Math.max(...commits(b).map((e) => txnCheckpointId(e.txn)));
  assert.ok(commits(a).some((e) => txnCheckpointId(e.txn) === finalId), "pipeline a's last transactions were committed with the final checkpoint");
});

test('a failure after the final checkpoint completed restores it: nothing is read again and every number is committed once', async () => {
  const dir = join(root, 'fail-final-commit');
  const store = join(dir, 'store');
  const markers = join(dir, 'markers');
  const result = await runJob(JOB, {
    exportName: 'job',
    parallelism: 2,
    args: { out: store, markers, checkpoints: join(dir, 'checkpoints'), short: 500, long: 1500, rate: RATE, 'fail-final-commit': true },
    configuration: RESTART,
  });
  const log = readLog(store);
  assert.ok(log.some((e) => e.event === 'injected'), 'a commit of the final checkpoint failed');
  const restores = log.filter((e): e is Extract<LogEntry, { event: 'restore' }> => e.event === 'restore');
  assert.ok(restores.length > 0, 'the job restarted from a checkpoint');
  const finalId = Math.max(...committedTxns(store).map(txnCheckpointId));
  assert.ok(restores.every((e) => e.checkpointId === finalId), `the restart restored the final checkpoint ${finalId}: ${JSON.stringify(restores)}`);
  assert.equal(result.recordsIn('numbers'), 0, 'the restored sources were at their end');
  assert.deepEqual(committedNumbers(store), expectedNumbers([500, 1500]));
  const committed = commits(log);
  assert.equal(new Set(committed.map((e) => e.txn)).size, committed.length, 'no transaction was committed twice');
  assert.ok(existsSync(endedMarker(markers, 1)));
});

test('the process killed after a subtask reached its end of input, restarted with --from-checkpoint latest, writes every number exactly once', async () => {
  const dir = join(root, 'killed');
  const out = join(dir, 'out');
  const markers = join(dir, 'markers');
  const jobArgs = ['--out', out, '--sink', 'file', '--markers', markers, '--checkpoints', join(dir, 'checkpoints'), '--short', String(SHORT), '--long', String(LONG), '--rate', String(RATE)];

  const killed = await runNode([WEIR_BIN, 'run', '-p', '2', '--job', 'job', JOB_FILE, ...jobArgs, '--after-end', 'kill'], { timeoutMs: 60_000 });
  assert.equal(killed.code, null, `the first run was not killed:\n${killed.stderr}`);
  assert.ok(existsSync(join(markers, 'killed')), 'the process was killed by the job');
  assert.ok(existsSync(endedMarker(markers, 0)) && !existsSync(endedMarker(markers, 1)), 'killed after subtask 0 ended and before subtask 1 did');

  const restarted = await runNode([WEIR_BIN, 'run', '-p', '2', '--job', 'job', '--from-checkpoint', 'latest', JOB_FILE, ...jobArgs], { timeoutMs: 60_000 });
  assert.equal(restarted.code, 0, restarted.stderr);
  assert.deepEqual(fileNumbers(out), expectedNumbers([SHORT, LONG]));
  assert.deepEqual(readdirSync(out).filter((file) => file.startsWith('.')), [], 'no in-progress part is left');
});

test('the final checkpoint is counted in the statistics, its _metadata is retained, and it commits the last transactions', async () => {
  const dir = join(root, 'stats');
  const store = join(dir, 'store');
  const client = await new MiniCluster().submit({
    module: jobModuleUrl(JOB),
    exportName: 'job',
    parallelism: 2,
    // No periodic checkpoint within the run: the only one is the final checkpoint.
    args: { out: store, markers: join(dir, 'markers'), checkpoints: join(dir, 'checkpoints'), short: '300', long: '600', rate: '2000', interval: '3600000' },
    configuration: {},
  });
  await client.getJobExecutionResult();
  const stats = client.getCheckpointStats();
  assert.ok(stats !== undefined);
  assert.equal(stats.counts.completed, 1);
  assert.equal(stats.counts.failed, 0);
  const final = stats.latest.completed;
  assert.ok(final !== null && final.type === 'checkpoint');
  assert.equal(final.numberOfAcknowledgedSubtasks, final.numberOfSubtasks);
  assert.ok(final.directory !== null && existsSync(join(final.directory, '_metadata')), `no _metadata in ${String(final.directory)}`);
  assert.deepEqual(new Set(committedTxns(store).map(txnCheckpointId)), new Set([final.checkpointId]));
  assert.deepEqual(committedNumbers(store), expectedNumbers([300, 600]));
});

test('a stop with a savepoint ends the job without a final checkpoint; the run resumed from the savepoint completes the output exactly once', async () => {
  const dir = join(root, 'stop');
  const store = join(dir, 'store');
  const args = { out: store, markers: join(dir, 'markers'), checkpoints: join(dir, 'checkpoints'), short: '6000', long: '6000', rate: '2000', interval: '100' };
  const client = await new MiniCluster().submit({ module: jobModuleUrl(JOB), exportName: 'job', parallelism: 2, args, configuration: {} });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const savepoint = await client.stopWithSavepoint({ targetDirectory: join(dir, 'savepoints') });
  const stopped = await client.getJobExecutionResult();
  const stats = client.getCheckpointStats();
  assert.ok(stats !== undefined && stats.latest.savepoint !== null);
  const savepointId = stats.latest.savepoint.checkpointId;
  assert.ok(stats.history.every((c) => c.checkpointId <= savepointId), 'a checkpoint was taken after the savepoint that stopped the job');
  // What the stopped run read is committed, once; the savepoint's transactions were committed on its completion.
  const read = stopped.recordsIn('numbers');
  assert.ok(read > 0 && read < 12_000, `the stopped run read ${read} numbers`);
  assert.equal(committedNumbers(store).length, read);
  assert.ok(committedTxns(store).some((txn) => txnCheckpointId(txn) === savepointId));

  await runJob(JOB, { exportName: 'job', parallelism: 2, args, fromSavepoint: savepoint, configuration: {} });
  assert.deepEqual(committedNumbers(store), expectedNumbers([6000, 6000]));
});

test('without checkpointing a bounded job commits its last transactions at the end of input, as before', async () => {
  const dir = join(root, 'no-checkpointing');
  const store = join(dir, 'store');
  const client = await new MiniCluster().submit({
    module: jobModuleUrl(JOB),
    exportName: 'job',
    parallelism: 2,
    args: { out: store, markers: join(dir, 'markers'), short: '300', long: '600', rate: '2000', interval: '0' },
    configuration: {},
  });
  const result = await client.getJobExecutionResult();
  assert.equal(client.getCheckpointStats(), undefined);
  assert.equal(result.recordsIn('numbers'), 900);
  assert.deepEqual(new Set(committedTxns(store).map(txnCheckpointId)), new Set([END_OF_INPUT_CHECKPOINT_ID]));
  assert.deepEqual(committedNumbers(store), expectedNumbers([300, 600]));
});
