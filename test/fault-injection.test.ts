/**
 * @module Fault injection: worker threads dying at seeded points, the whole process killed with
 * SIGKILL, close() throwing, damaged checkpoints. In every case no record is lost or counted twice,
 * the final counts equal a count of the input, only complete checkpoints are restored, and the ids
 * of completed checkpoints only increase.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MiniCluster, WeirError, jobModuleUrl, seededRandom } from 'weir';
import type { CheckpointStatsSnapshot, JobExecutionResult, Logger } from 'weir';
import { finalCountsFile, reading, type Count, type TraceEvent } from './jobs/fault-injection-job.ts';
import { ROOT, WEIR_BIN, runNode, type Outcome } from './support/run-command.ts';

const JOB = new URL('./jobs/fault-injection-job.ts', import.meta.url);
const JOB_FILE = fileURLToPath(JOB);
const CLOSE_JOBS = fileURLToPath(new URL('./jobs/close-failure-jobs.ts', import.meta.url));
/** Override to explore other crash plans: WEIR_FAULT_SEED=123 node --import tsx --test test/fault-injection.test.ts */
const SEED = Number(process.env['WEIR_FAULT_SEED'] ?? 20_261_121);

const root = mkdtempSync(join(tmpdir(), 'weir-fault-injection-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The plain reference: how often each key occurs among records 0..count-1. */
function referenceCounts(count: number): Map<string, number> {
  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const { key } = reading(i);
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  return expected;
}

function sorted<V>(map: ReadonlyMap<string, V>): Map<string, V> {
  return new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function countsOf(result: JobExecutionResult): Map<string, number> {
  return sorted(new Map(result.getCollected<Count>('counts').map((c) => [c.key, c.n])));
}

interface RetainedCheckpoint {
  readonly id: number;
  readonly jobDirectory: string;
  readonly directory: string;
}

/** Checkpoints with a `_metadata` under a checkpoint root (every job directory), oldest id first. */
function completedCheckpoints(checkpoints: string, jobDirectories?: ReadonlySet<string>): RetainedCheckpoint[] {
  if (!existsSync(checkpoints)) return [];
  const found: RetainedCheckpoint[] = [];
  for (const job of readdirSync(checkpoints)) {
    const jobDirectory = join(checkpoints, job);
    if (jobDirectories !== undefined && !jobDirectories.has(jobDirectory)) continue;
    for (const name of readdirSync(jobDirectory)) {
      const match = /^chk-(\d+)$/.exec(name);
      if (match?.[1] !== undefined && existsSync(join(jobDirectory, name, '_metadata'))) {
        found.push({ id: Number(match[1]), jobDirectory, directory: join(jobDirectory, name) });
      }
    }
  }
  return found.sort((a, b) => a.id - b.id);
}

function jobDirectories(checkpoints: string): Set<string> {
  return new Set(existsSync(checkpoints) ? readdirSync(checkpoints).map((job) => join(checkpoints, job)) : []);
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A logger that keeps every line, so a test can read the JobManager's checkpoint events and restarts. */
function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, fields: Record<string, unknown> = {}): void => {
      lines.push({ level, message, fields });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** Ids of the checkpoint-completed events in the order the coordinator emitted them. */
function completedIds(lines: readonly LogLine[]): number[] {
  return lines.filter((l) => l.message === 'checkpoint event' && l.fields['type'] === 'checkpoint-completed').map((l) => Number(l.fields['checkpointId']));
}

function assertStrictlyIncreasing(ids: readonly number[], what: string): void {
  for (let k = 1; k < ids.length; k++) assert.ok((ids[k] as number) > (ids[k - 1] as number), `${what} do not only increase: ${ids.join(', ')}`);
}

// 1. Worker threads dying at seeded random points.

const CRASH_COUNT = 30_000;
/** K, between 5 and 10, and attempt a's crash index in the a-th of K equal slices of the first 70% of the input. */
const CRASHES = 5 + Math.floor(seededRandom(SEED, 0) * 6);
const CRASH_AT = Array.from({ length: CRASHES }, (_, a) => Math.floor(((a + seededRandom(SEED, a + 1)) / CRASHES) * 0.7 * CRASH_COUNT));

test(`worker threads that die at seeded points (seed ${SEED}, ${CRASHES} crashes) restart from complete checkpoints and every record counts once at parallelism 2`, async () => {
  const diagnostic = `seed ${SEED}: attempts 0..${CRASHES - 1} crash at the first record from ${CRASH_AT.join(', ')} after a checkpoint completed`;
  const trace = join(root, 'crash-trace.jsonl');
  const { logger, lines } = recordingLogger();
  const client = await new MiniCluster({ logger }).submit({
    module: jobModuleUrl(JOB),
    parallelism: 2,
    args: { checkpoints: join(root, 'crash-checkpoints'), count: String(CRASH_COUNT), rate: '15000', interval: '50', 'crash-at': CRASH_AT.join(','), trace },
    configuration: { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 10, 'restart-strategy.fixed-delay.delay': '10 ms' },
  });
  const result = await client.getJobExecutionResult();

  assert.deepEqual(countsOf(result), sorted(referenceCounts(CRASH_COUNT)), diagnostic);

  const events = readFileSync(trace, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as TraceEvent);
  const restarts = lines.filter((l) => l.message === 'job failed, restarting');
  assert.equal(restarts.length, CRASHES, `${diagnostic}; restarts: ${restarts.map((r) => String(r.fields['cause'])).join(' | ')}`);
  assert.ok(
    restarts.every((r) => /exited unexpectedly with code 1/.test(String(r.fields['cause']))),
    `every restart was caused by a dying worker: ${restarts.map((r) => String(r.fields['cause'])).join(' | ')}`,
  );
  for (let attempt = 0; attempt <= CRASHES; attempt++) {
    const crashes = events.flatMap((e) => (e.event === 'crash' && e.attempt === attempt ? [e] : []));
    if (attempt === CRASHES) {
      assert.equal(crashes.length, 0, `the last attempt ran to the end (${diagnostic})`);
      continue;
    }
    assert.ok(crashes.length >= 1, `attempt ${attempt} crashed (${diagnostic})`);
    for (const crash of crashes) {
      assert.ok(crash.i >= (CRASH_AT[attempt] as number));
      // The crash came after a checkpoint of its own attempt completed, so the restart has one to go back to.
      const before = events.slice(0, events.indexOf(crash));
      assert.ok(before.some((e) => e.event === 'checkpoint-complete' && e.attempt === attempt && e.subtask === crash.subtask));
    }
  }

  for (const subtask of [0, 1]) {
    const mine = events.filter((e) => e.subtask === subtask);
    // What a subtask is told completed only moves forward, across restarts too.
    assertStrictlyIncreasing(
      mine.flatMap((e) => (e.event === 'checkpoint-complete' ? [e.checkpointId] : [])),
      `checkpoint ids notified to subtask ${subtask}`,
    );
    // Where each attempt resumed: never before where the previous attempt resumed (a restore never goes
    // back to an older checkpoint) and never after where the previous attempt crashed (nor past what it read).
    const resumedAt = mine.flatMap((e) => (e.event === 'first-record' ? [e] : [])).sort((a, b) => a.attempt - b.attempt);
    assert.deepEqual(
      resumedAt.map((e) => e.attempt),
      Array.from({ length: CRASHES + 1 }, (_, a) => a),
      `subtask ${subtask} ran every attempt once`,
    );
    assert.equal(resumedAt[0]?.i, subtask, 'the first attempt starts at the beginning of the split');
    for (let a = 1; a < resumedAt.length; a++) {
      const previous = resumedAt[a - 1];
      const current = resumedAt[a];
      assert.ok(previous !== undefined && current !== undefined);
      assert.ok(current.i >= previous.i, `subtask ${subtask} resumed attempt ${a} at ${current.i}, before attempt ${a - 1} (${previous.i})`);
      const crash = mine.find((e) => e.event === 'crash' && e.attempt === a - 1);
      if (crash?.event === 'crash') assert.ok(current.i <= crash.i, `subtask ${subtask} resumed attempt ${a} at ${current.i}, past its crash at ${crash.i}`);
    }
  }

  assertStrictlyIncreasing(completedIds(lines), 'completed checkpoint ids');
  const reread = result.recordsIn('readings');
  assert.ok(reread > 0 && reread < CRASH_COUNT, `the last attempt read ${reread} of ${CRASH_COUNT}: it did not start from a checkpoint`);
});

// 2. The whole process killed with SIGKILL, restarted from the latest retained checkpoint.

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Starts `weir ...args` with INFO logs (they name the checkpoint a run restores from). */
function startWeir(args: readonly string[]): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [WEIR_BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WEIR_LOG_LEVEL: 'info' } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exited };
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string, child: ChildProcess): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not end within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The checkpoint a run's log says it restored from. */
function restoredFrom(stderr: string): { checkpointId: number; directory: string } {
  const match = /restoring from checkpoint (\{.*\})$/m.exec(stderr);
  assert.ok(match?.[1] !== undefined, `the run does not say which checkpoint it restored:\n${stderr}`);
  return JSON.parse(match[1]) as { checkpointId: number; directory: string };
}

test(`weir run killed with SIGKILL at two points (seed ${SEED}) and restarted from its latest retained checkpoint writes per-key counts equal to a count of the whole input`, async () => {
  const count = 24_000;
  const checkpoints = join(root, 'sigkill-checkpoints');
  const out = join(root, 'sigkill-counts');
  const jobArgs = [JOB_FILE, '--checkpoints', checkpoints, '--out', out, '--count', String(count), '--rate', '8000', '--interval', '100'];
  let expectedRestore: RetainedCheckpoint | undefined;
  // Kill the first run once 2 of its checkpoints completed, the second once 3 did, each after a seeded
  // delay of up to 90 ms, so the kill lands anywhere in a checkpoint's life (perhaps mid-write).
  for (const [run, checkpointsBeforeKill] of [
    [1, 2],
    [2, 3],
  ] as const) {
    const earlier = jobDirectories(checkpoints);
    const { child, exited } = startWeir(['run', '-p', '2', ...(expectedRestore === undefined ? [] : ['--from-checkpoint', 'latest']), ...jobArgs]);
    const mine = (): Set<string> => new Set([...jobDirectories(checkpoints)].filter((d) => !earlier.has(d)));
    // Ids go on after the restored one; only 2 stay retained, so count by id, not by directory.
    const killAfterId = (expectedRestore?.id ?? 0) + checkpointsBeforeKill;
    try {
      await waitFor(() => completedCheckpoints(checkpoints, mine()).some((c) => c.id >= killAfterId), 20_000, `checkpoint ${killAfterId} of run ${run}`);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${(await exited).stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.floor(seededRandom(SEED, 100 + run) * 90)));
    child.kill('SIGKILL');
    const exit = await withDeadline(exited, 10_000, `run ${run} after SIGKILL`, child);
    assert.equal(exit.signal, 'SIGKILL', `run ${run} was still running when killed:\n${exit.stderr}`);
    for (const subtask of [0, 1]) assert.ok(!existsSync(finalCountsFile(out, subtask)), `run ${run} was killed before its input ended`);

    const ownCheckpoints = completedCheckpoints(checkpoints, mine());
    if (expectedRestore !== undefined) {
      const restored = restoredFrom(exit.stderr);
      assert.equal(restored.directory, expectedRestore.directory, `run ${run} restored the newest complete checkpoint of the run before`);
      // Ids go on from the restored checkpoint: every checkpoint of this run is newer than it.
      assert.ok(
        ownCheckpoints.every((c) => c.id > restored.checkpointId),
        `run ${run} completed checkpoints ${ownCheckpoints.map((c) => c.id).join(', ')} after restoring ${restored.checkpointId}`,
      );
    }
    expectedRestore = ownCheckpoints.at(-1);
    assert.ok(expectedRestore !== undefined);
  }

  const { child, exited } = startWeir(['run', '-p', '2', '--from-checkpoint', 'latest', ...jobArgs]);
  const final = await withDeadline(exited, 30_000, 'the final run', child);
  assert.equal(final.code, 0, final.stderr);
  assert.equal(restoredFrom(final.stderr).directory, expectedRestore?.directory, 'the final run restored the newest complete checkpoint of the killed run');

  const merged = new Map<string, number>();
  for (const subtask of [0, 1]) {
    const counts = JSON.parse(readFileSync(finalCountsFile(out, subtask), 'utf8')) as Record<string, number>;
    for (const [key, n] of Object.entries(counts)) {
      assert.ok(!merged.has(key), `key ${key} is in the files of both subtasks`);
      merged.set(key, n);
    }
  }
  assert.deepEqual(sorted(merged), sorted(referenceCounts(count)));
});

// 3. Exceptions in close().

function assertOneClearError(outcome: Outcome, expected: RegExp): void {
  assert.equal(outcome.code, 1, outcome.stderr);
  assert.doesNotMatch(outcome.stderr, /internal error/, 'a user function failing is not a bug in weir');
  assert.match(outcome.stderr, expected);
  assert.equal(outcome.stderr.match(/^error:/gm)?.length, 1, outcome.stderr);
  assert.doesNotMatch(outcome.stderr, /^\s+at /m, `stack trace printed:\n${outcome.stderr}`);
}

test('a map function that throws in close() after its last record fails the job with one error naming the operator, its uid and close()', async () => {
  const outcome = await runNode([WEIR_BIN, 'run', '-p', '2', '--job', 'throwingMapClose', CLOSE_JOBS], { timeoutMs: 20_000 });
  assertOneClearError(outcome, /^error: operator 'doubler' \(uid doubler-uid\) subtask [12]\/2 failed in close\(\): Error: cannot release the connection$/m);
});

test('a map function whose async close() rejects fails the job with one error naming the operator, its uid and close()', async () => {
  const outcome = await runNode([WEIR_BIN, 'run', '-p', '2', '--job', 'rejectingMapClose', CLOSE_JOBS], { timeoutMs: 20_000 });
  assertOneClearError(outcome, /^error: operator 'incrementer' \(uid incrementer-uid\) subtask [12]\/2 failed in close\(\): Error: cannot flush the buffer$/m);
});

test('a sink writer that throws in close() fails the job with one error naming the sink, its uid and close()', async () => {
  const outcome = await runNode([WEIR_BIN, 'run', '-p', '2', '--job', 'throwingSinkClose', CLOSE_JOBS], { timeoutMs: 20_000 });
  assertOneClearError(outcome, /^error: sink 'file-out' \(uid file-out-uid\) subtask [12]\/2 failed in close\(\): Error: cannot close the output file$/m);
});

// 4. Damaged checkpoints are skipped.

const DAMAGE_COUNT = 30_000;
const DAMAGE_ARGS = { count: String(DAMAGE_COUNT), rate: '15000', interval: '100', retained: '2' };
interface Pristine {
  readonly checkpoints: string;
  readonly older: RetainedCheckpoint;
  readonly newest: RetainedCheckpoint;
}

let pristineRun: Promise<Pristine> | undefined;

/** A run cancelled once 2 checkpoints were retained (made once); every damage test corrupts its own copy. */
function pristine(): Promise<Pristine> {
  pristineRun ??= cancelledWithTwoCheckpoints();
  return pristineRun;
}

async function cancelledWithTwoCheckpoints(): Promise<Pristine> {
  const checkpoints = join(root, 'damage-pristine');
  const client = await new MiniCluster({ logger: recordingLogger().logger }).submit({
    module: jobModuleUrl(JOB),
    parallelism: 2,
    args: { ...DAMAGE_ARGS, checkpoints },
    configuration: {},
  });
  await waitFor(() => completedCheckpoints(checkpoints).length >= 2, 20_000, 'two retained checkpoints');
  await client.cancel();
  await assert.rejects(client.getJobExecutionResult(), (error: unknown) => error instanceof WeirError && error.code === 'JOB_CANCELLED');
  const retained = completedCheckpoints(checkpoints);
  const [older, newest] = retained.slice(-2);
  assert.ok(older !== undefined && newest !== undefined && older.id < newest.id, `retained: ${retained.map((c) => c.id).join(', ')}`);
  return { checkpoints, older, newest };
}

/** A copy of the pristine checkpoints, its newest damaged by `damage`, and the paths of both retained ones in it. */
interface DamagedCopy {
  readonly checkpoints: string;
  readonly older: string;
  readonly newest: string;
  readonly source: Pristine;
}

async function damagedCopy(name: string, damage: (newest: string) => void): Promise<DamagedCopy> {
  const source = await pristine();
  const checkpoints = join(root, `damage-${name}`);
  mkdirSync(checkpoints);
  cpSync(source.checkpoints, checkpoints, { recursive: true });
  const relocate = (c: RetainedCheckpoint): string => join(checkpoints, basename(c.jobDirectory), basename(c.directory));
  const copy = { checkpoints, older: relocate(source.older), newest: relocate(source.newest), source };
  damage(copy.newest);
  return copy;
}

/** The newest checkpoint's first keyed state file (of the count). */
function keyedStateFile(checkpoint: string): string {
  const file = readdirSync(checkpoint)
    .filter((f) => f.endsWith('-keyed'))
    .sort()[0];
  assert.ok(file !== undefined, `no keyed state file in ${checkpoint}: ${readdirSync(checkpoint).join(', ')}`);
  return join(checkpoint, file);
}

function flipByte(file: string, at: (size: number) => number): void {
  const bytes = readFileSync(file);
  const index = at(bytes.length);
  bytes[index] = (bytes[index] as number) ^ 0x5a;
  writeFileSync(file, bytes);
}

/** Runs the count from `latest` under `checkpoints`; its result, restore statistics and log. */
async function restoreLatest(checkpoints: string): Promise<{ result: JobExecutionResult; stats: CheckpointStatsSnapshot; lines: LogLine[] }> {
  const { logger, lines } = recordingLogger();
  const client = await new MiniCluster({ logger }).submit({
    module: jobModuleUrl(JOB),
    parallelism: 2,
    args: { ...DAMAGE_ARGS, checkpoints },
    configuration: {},
    fromCheckpoint: 'latest',
  });
  const result = await client.getJobExecutionResult();
  const stats = client.getCheckpointStats();
  assert.ok(stats !== undefined);
  return { result, stats, lines };
}

/** The run restored the older retained checkpoint, counted exactly, and went on with newer checkpoint ids. */
function assertRestoredOlder(run: { result: JobExecutionResult; stats: CheckpointStatsSnapshot; lines: LogLine[] }, copy: DamagedCopy): void {
  const restored = run.stats.latest.restored;
  assert.ok(restored !== null, 'the run restored no checkpoint');
  assert.equal(restored.directory, copy.older, `restored ${restored.directory}, not the older retained checkpoint`);
  assert.equal(restored.checkpointId, copy.source.older.id);
  assert.ok(restored.checkpointId < copy.source.newest.id, 'the older checkpoint has the lower id');
  assert.deepEqual(countsOf(run.result), sorted(referenceCounts(DAMAGE_COUNT)));
  const ids = completedIds(run.lines);
  assertStrictlyIncreasing(ids, 'completed checkpoint ids');
  assert.ok(ids.every((id) => id > restored.checkpointId), `checkpoints ${ids.join(', ')} completed after restoring ${restored.checkpointId}`);
}

test('a flipped byte in the newest checkpoint _metadata makes the restore skip it and count exactly from the older retained one', async () => {
  const copy = await damagedCopy('metadata-flip', (newest) => flipByte(join(newest, '_metadata'), (size) => Math.floor(size * 0.6)));
  assertRestoredOlder(await restoreLatest(copy.checkpoints), copy);
});

test('a truncated state file in the newest checkpoint makes the restore fall back to the older retained one and count exactly', async () => {
  const copy = await damagedCopy('state-truncated', (newest) => {
    const file = keyedStateFile(newest);
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
  });
  assertRestoredOlder(await restoreLatest(copy.checkpoints), copy);
});

test('a flipped byte in a state file of the newest checkpoint is reported by file name and the restore falls back to the older retained one', async () => {
  let damaged = '';
  const copy = await damagedCopy('state-flip', (newest) => {
    damaged = keyedStateFile(newest);
    flipByte(damaged, (size) => size - 1);
  });
  const run = await restoreLatest(copy.checkpoints);
  assertRestoredOlder(run, copy);
  const warning = run.lines.find((l) => l.level === 'warn' && String(l.fields['reason']).includes(basename(damaged)));
  assert.ok(warning !== undefined, `no warning names ${basename(damaged)}: ${JSON.stringify(run.lines.filter((l) => l.level === 'warn'))}`);
});

test('a newest checkpoint whose _metadata commit never finished (a crash mid-commit) is not restored', async () => {
  const copy = await damagedCopy('uncommitted', (newest) => {
    cpSync(join(newest, '_metadata'), join(newest, '_metadata.inprogress'));
    rmSync(join(newest, '_metadata'));
  });
  assertRestoredOlder(await restoreLatest(copy.checkpoints), copy);
});
