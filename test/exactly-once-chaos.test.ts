/**
 * @module End-to-end exactly-once into real systems: the page-view job (test/jobs/pageview-sinks-job.ts)
 * writes its per-app counts to PostgreSQL, MariaDB and a FileSink at once while `weir run` is killed
 * with SIGKILL at seeded points, each time restarted with `--from-checkpoint latest`.
 *
 * Every target gets one row (line) `(app, pv)` per count update, with no key: for each app the rows must
 * be exactly pv = 1..N (N its number of page views, counted by a plain loop over the input), each once.
 * A lost update is a missing pv, one written twice is a repeated row, and a count restored wrongly is a
 * pv that should not exist, so the row set and the row count catch all three. EXACTLY_ONCE must match
 * exactly; AT_LEAST_ONCE must lose nothing and the test reports how many rows it saw twice.
 *
 * Some kills come from inside the job (`--kill-at-commit`): a sink's committer kills the process when
 * a checkpoint has completed and before it commits that checkpoint's pre-committed transactions, which
 * the test confirms by finding them still prepared in the database (or still hidden in the file
 * system) after the kill, and committed (finished) by the next run's restore. The others come from the
 * test, a seeded number of checkpoints into the run plus a seeded delay.
 * Override the plan with WEIR_FAULT_SEED=<n>.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { randomInt, seededRandom } from 'weir';
import { countLine, pageView, SINK_TARGETS, type SinkTarget } from './jobs/pageview-sinks-job.ts';
import { mariaDbQuery, useMariaDbTestServer } from './support/mariadb-test-server.ts';
import { postgresQuery, usePostgresTestCluster } from './support/postgres-test-cluster.ts';
import { ROOT, WEIR_BIN } from './support/run-command.ts';

const JOB_FILE = fileURLToPath(new URL('./jobs/pageview-sinks-job.ts', import.meta.url));
/** Override to explore other kill plans: WEIR_FAULT_SEED=123 node --import tsx --test test/exactly-once-chaos.test.ts */
const SEED = Number(process.env['WEIR_FAULT_SEED'] ?? 20_261_121);

const postgres = usePostgresTestCluster();
const mariadb = await useMariaDbTestServer();
const root = mkdtempSync(join(tmpdir(), 'weir-exactly-once-chaos-'));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

type Guarantee = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';

/** How run r ends: killed by the test, or by a sink's committer from inside. */
type Kill =
  | { readonly by: 'test'; readonly afterCheckpoints: number; readonly delayMs: number }
  | { readonly by: 'committer'; readonly target: SinkTarget; readonly commit: number };

function describeKill(kill: Kill): string {
  return kill.by === 'test'
    ? `SIGKILL ${kill.delayMs} ms after ${kill.afterCheckpoints} new checkpoint(s)`
    : `SIGKILL in the ${kill.target} committer at its commit #${kill.commit}`;
}

/** `runs` kills; `committerKills` of them (at seeded runs) inside a committer, at a seeded target and commit. */
function killPlan(seed: number, runs: number, committerKills: number): Kill[] {
  const order = Array.from({ length: runs }, (_, r) => r).sort((a, b) => seededRandom(seed, 400 + a) - seededRandom(seed, 400 + b));
  const inCommitter = new Set(order.slice(0, committerKills));
  return Array.from({ length: runs }, (_, r): Kill =>
    inCommitter.has(r)
      ? { by: 'committer', target: SINK_TARGETS[randomInt(seed, 500 + r, SINK_TARGETS.length)] as SinkTarget, commit: 1 + randomInt(seed, 600 + r, 3) }
      : { by: 'test', afterCheckpoints: 1 + randomInt(seed, 700 + r, 3), delayMs: randomInt(seed, 800 + r, 250) },
  );
}

// --- the targets ---

interface Targets {
  readonly table: string;
  /** The job's `--prefix`: each SQL sink's transactional ids start with `<prefix>-<target>`. */
  readonly prefix: string;
  readonly out: string;
}

async function createTargets(name: string): Promise<Targets> {
  const suffix = `${name}_${process.pid}_${Date.now() % 1_000_000}`;
  const targets: Targets = { table: `chaos_${suffix}`, prefix: `chaos-${suffix.replaceAll('_', '-')}`, out: join(root, `${name}-out`) };
  const columns = '(app VARCHAR(32) NOT NULL, pv INTEGER NOT NULL)';
  await postgresQuery(postgres, `CREATE TABLE ${targets.table} ${columns}`);
  await mariaDbQuery(mariadb, `CREATE TABLE ${targets.table} ${columns} ENGINE=InnoDB`);
  cleanups.push(async () => {
    // a prepared transaction left by a failed run holds locks: roll it back before dropping the table
    for (const gid of await preparedPostgres(targets)) await postgresQuery(postgres, `ROLLBACK PREPARED '${gid}'`);
    await postgresQuery(postgres, `SET lock_timeout = '10s'; DROP TABLE IF EXISTS ${targets.table}`);
    for (const xid of await preparedMariaDb(targets)) await mariaDbQuery(mariadb, `XA ROLLBACK '${xid.global}','${xid.branch}'`);
    await mariaDbQuery(mariadb, `DROP TABLE IF EXISTS ${targets.table}`);
  });
  return targets;
}

/** PostgreSQL's prepared transactions of the job's PostgresSink: `<prefix>:<subtask>:<checkpoint>:<attempt>`. */
async function preparedPostgres(targets: Targets): Promise<string[]> {
  const rows = await postgresQuery<{ gid: string }>(postgres, 'SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, $1)', [`${targets.prefix}-postgres:`]);
  return rows.map((row) => row.gid);
}

/** MariaDB's prepared XA transactions of the job's MariaDbSink: global part the prefix, branch `<subtask>:<checkpoint>:<attempt>`. */
async function preparedMariaDb(targets: Targets): Promise<{ global: string; branch: string }[]> {
  const rows = await mariaDbQuery<{ gtrid_length: number; bqual_length: number; data: Buffer | string }>(mariadb, 'XA RECOVER');
  return rows
    .map((row) => {
      const data = Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data, 'utf8');
      return { global: data.subarray(0, row.gtrid_length).toString('utf8'), branch: data.subarray(row.gtrid_length, row.gtrid_length + row.bqual_length).toString('utf8') };
    })
    .filter((xid) => xid.global === `${targets.prefix}-mariadb`);
}

/** Files under `dir`, recursively, relative to it; hidden ones (in-progress parts) only when asked. */
function files(dir: string, hidden: boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return files(join(dir, entry.name), hidden).map((f) => join(entry.name, f));
    return entry.name.startsWith('.') === hidden ? [entry.name] : [];
  });
}

/**
 * Transactions (parts) of subtask 0 that are pre-committed and not committed, for a checkpoint that has
 * completed: what a kill between pre-commit and commit leaves behind.
 */
async function preparedOfCompletedCheckpoint(target: SinkTarget, targets: Targets, completedId: number): Promise<string[]> {
  const ofSubtask0 = (suffix: string): boolean => {
    const [subtask, checkpoint] = suffix.split(':').map(Number);
    return subtask === 0 && checkpoint !== undefined && checkpoint <= completedId;
  };
  switch (target) {
    case 'postgres':
      return (await preparedPostgres(targets)).filter((gid) => ofSubtask0(gid.slice(gid.indexOf(':') + 1)));
    case 'mariadb':
      return (await preparedMariaDb(targets)).filter((xid) => ofSubtask0(xid.branch)).map((xid) => `${xid.global}:${xid.branch}`);
    case 'file':
      // `.part-<uuid>-<subtask>-<counter>.inprogress.<uuid>`: part files carry no checkpoint id
      return files(targets.out, true).filter((name) => /^\.part-[0-9a-f-]{36}-0-\d+\.inprogress\./.test(name));
  }
}

/** Every `(app, pv)` a target holds, as `app,pv`. */
async function rowsOf(target: SinkTarget, targets: Targets): Promise<string[]> {
  switch (target) {
    case 'postgres':
      return (await postgresQuery<{ app: string; pv: number }>(postgres, `SELECT app, pv FROM ${targets.table}`)).map((row) => countLine([row.app, Number(row.pv)]));
    case 'mariadb':
      return (await mariaDbQuery<{ app: string; pv: number }>(mariadb, `SELECT app, pv FROM ${targets.table}`)).map((row) => countLine([row.app, Number(row.pv)]));
    case 'file':
      return files(targets.out, false).flatMap((file) => readFileSync(join(targets.out, file), 'utf8').split('\n').filter((line) => line !== ''));
  }
}

/** The plain reference: every count update the input makes, `app,pv` for pv = 1..N of each app. */
function expectedRows(count: number): Set<string> {
  const views = new Map<string, number>();
  const rows = new Set<string>();
  for (let i = 0; i < count; i++) {
    const app = pageView(i).appId;
    const pv = (views.get(app) ?? 0) + 1;
    views.set(app, pv);
    rows.add(countLine([app, pv]));
  }
  return rows;
}

interface RowCheck {
  readonly rows: number;
  /** Rows beyond the first of their `(app, pv)`. */
  readonly duplicates: number;
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
}

function checkRows(rows: readonly string[], expected: ReadonlySet<string>): RowCheck {
  const seen = new Set<string>();
  let duplicates = 0;
  const unexpected: string[] = [];
  for (const row of rows) {
    if (seen.has(row)) duplicates++;
    else if (!expected.has(row)) unexpected.push(row);
    seen.add(row);
  }
  return { rows: rows.length, duplicates, missing: [...expected].filter((row) => !seen.has(row)), unexpected };
}

function summary(check: RowCheck): string {
  const some = (list: readonly string[]): string => (list.length === 0 ? '' : ` (${list.slice(0, 5).join(' ')}${list.length > 5 ? ' ...' : ''})`);
  return `${check.rows} rows, ${check.duplicates} duplicated, ${check.missing.length} missing${some(check.missing)}, ${check.unexpected.length} unexpected${some(check.unexpected)}`;
}

// --- running and killing `weir run` ---

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

function startWeir(args: readonly string[]): { child: ChildProcess; exited: Promise<Exit>; hasExited: () => boolean } {
  const child = spawn(process.execPath, [WEIR_BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WEIR_LOG_LEVEL: 'info' } });
  let stderr = '';
  let done = false;
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => {
      done = true;
      resolve({ code, signal, stderr });
    }),
  );
  return { child, exited, hasExited: () => done };
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string, child: ChildProcess): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not end within ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface RetainedCheckpoint {
  readonly id: number;
  readonly directory: string;
}

/** Checkpoints with a `_metadata` in the given job directories (all when absent), oldest id first. */
function completedCheckpoints(checkpoints: string, only?: ReadonlySet<string>): RetainedCheckpoint[] {
  if (!existsSync(checkpoints)) return [];
  const found: RetainedCheckpoint[] = [];
  for (const job of readdirSync(checkpoints)) {
    const jobDirectory = join(checkpoints, job);
    if (only !== undefined && !only.has(jobDirectory)) continue;
    for (const name of readdirSync(jobDirectory)) {
      const match = /^chk-(\d+)$/.exec(name);
      if (match?.[1] !== undefined && existsSync(join(jobDirectory, name, '_metadata'))) found.push({ id: Number(match[1]), directory: join(jobDirectory, name) });
    }
  }
  return found.sort((a, b) => a.id - b.id);
}

function jobDirectories(checkpoints: string): Set<string> {
  return new Set(existsSync(checkpoints) ? readdirSync(checkpoints).map((job) => join(checkpoints, job)) : []);
}

/** The checkpoint a run's log says it restored from. */
function restoredFrom(stderr: string): { checkpointId: number; directory: string } {
  const match = /restoring from checkpoint (\{.*\})$/m.exec(stderr);
  assert.ok(match?.[1] !== undefined, `the run does not say which checkpoint it restored:\n${stderr}`);
  return JSON.parse(match[1]) as { checkpointId: number; directory: string };
}

interface ChaosOptions {
  readonly name: string;
  readonly guarantee: Guarantee;
  readonly count: number;
  /** Page views per second while runs get killed; the final run goes at `finalRate` (the rate is no state). */
  readonly rate: number;
  readonly finalRate: number;
  readonly kills: readonly Kill[];
}

/**
 * Runs the job through `kills` (one run each, restarted from the latest retained checkpoint), then once
 * more to its end; returns each target's rows checked against the reference.
 */
async function runThroughKills(t: TestContext, options: ChaosOptions): Promise<Map<SinkTarget, RowCheck>> {
  const targets = await createTargets(options.name);
  const checkpoints = join(root, `${options.name}-checkpoints`);
  const jobArgs = [
    JOB_FILE,
    ...['--checkpoints', checkpoints, '--out', targets.out, '--table', targets.table, '--prefix', targets.prefix],
    ...['--guarantee', options.guarantee, '--count', String(options.count), '--interval', '150'],
    ...['--postgres', JSON.stringify(postgres), '--mariadb', JSON.stringify(mariadb)],
  ];
  const rate = ['--rate', String(options.rate)];
  const plan = `seed ${SEED}: ${options.kills.map((kill, r) => `run ${r}: ${describeKill(kill)}`).join('; ')}`;
  t.diagnostic(plan);
  let latest: RetainedCheckpoint | undefined;
  /** What the last committer kill left pre-committed, to be finished by the next run's restore. */
  let leftPrepared: { readonly target: SinkTarget; readonly ids: readonly string[] } | undefined;
  const checkLeftPrepared = async (run: string): Promise<void> => {
    if (leftPrepared === undefined) return;
    const { target, ids } = leftPrepared;
    leftPrepared = undefined;
    if (target === 'file') {
      // `.part-<uuid>-0-<n>.inprogress.<id>` becomes `part-<uuid>-0-<n>`; the part that was still open is deleted instead
      const finished = new Set(files(targets.out, false));
      const committed = ids.filter((name) => finished.has(name.slice(1, name.indexOf('.inprogress.'))));
      assert.ok(committed.length > 0, `${run} did not finish any of the parts the kill left pending: ${ids.join(', ')}`);
    } else {
      const still = await preparedOfCompletedCheckpoint(target, targets, Number.MAX_SAFE_INTEGER);
      assert.deepEqual(ids.filter((id) => still.includes(id)), [], `${run} left transactions prepared that its restore should have committed`);
    }
  };

  for (const [run, kill] of options.kills.entries()) {
    const earlier = jobDirectories(checkpoints);
    const mine = (): Set<string> => new Set([...jobDirectories(checkpoints)].filter((d) => !earlier.has(d)));
    const extra = kill.by === 'committer' ? ['--kill-at-commit', `${kill.target}:${kill.commit}`] : [];
    const { child, exited, hasExited } = startWeir(['run', '-p', '2', ...(latest === undefined ? [] : ['--from-checkpoint', 'latest']), ...jobArgs, ...rate, ...extra]);
    const started = performance.now();
    if (kill.by === 'test') {
      // Ids go on from the restored checkpoint; count this run's new ones by id.
      const killAfterId = (latest?.id ?? 0) + kill.afterCheckpoints;
      try {
        await waitFor(() => hasExited() || completedCheckpoints(checkpoints, mine()).some((c) => c.id >= killAfterId), 90_000, `checkpoint ${killAfterId} of run ${run}`);
      } catch (error) {
        child.kill('SIGKILL');
        throw new Error(`${(error as Error).message} (${plan})\n${(await exited).stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, kill.delayMs));
      child.kill('SIGKILL');
    }
    const exit = await withDeadline(exited, 90_000, `run ${run} (${describeKill(kill)})`, child);
    assert.equal(exit.signal, 'SIGKILL', `run ${run} ended before it was killed (${describeKill(kill)}); if its input ran out, raise the count. ${plan}\n${exit.stderr}`);

    await checkLeftPrepared(`run ${run}`);
    const own = completedCheckpoints(checkpoints, mine());
    if (latest !== undefined) {
      const restored = restoredFrom(exit.stderr);
      assert.equal(restored.directory, latest.directory, `run ${run} restored the newest complete checkpoint of the run before (${plan})`);
      assert.ok(own.every((c) => c.id > restored.checkpointId), `run ${run} completed checkpoints ${own.map((c) => c.id).join(', ')} after restoring ${restored.checkpointId}`);
    }
    latest = own.at(-1) ?? latest;
    const [visible] = await postgresQuery<{ n: string }>(postgres, `SELECT count(*) AS n FROM ${targets.table}`);
    t.diagnostic(`run ${run}: ${describeKill(kill)} after ${((performance.now() - started) / 1000).toFixed(1)} s; newest complete checkpoint ${latest?.id ?? 'none'}, ${visible?.n ?? '?'} rows in PostgreSQL`);
    if (kill.by === 'committer') {
      // The kill came after checkpoint n completed and before the target committed it: n's transactions are still prepared.
      assert.ok(latest !== undefined, `run ${run} was killed in a commit, so a checkpoint had completed`);
      const prepared = await preparedOfCompletedCheckpoint(kill.target, targets, latest.id);
      assert.ok(prepared.length > 0, `run ${run} was killed in the ${kill.target} committer, yet nothing of subtask 0 is left pre-committed (${plan})`);
      leftPrepared = { target: kill.target, ids: prepared };
      t.diagnostic(`run ${run}: killed in the ${kill.target} committer after checkpoint ${latest.id} completed; pre-committed, not committed: ${prepared.join(', ')}`);
    }
  }

  const { child, exited } = startWeir(['run', '-p', '2', '--from-checkpoint', 'latest', ...jobArgs, '--rate', String(options.finalRate)]);
  const final = await withDeadline(exited, 120_000, 'the final run', child);
  assert.equal(final.code, 0, `the final run failed (${plan})\n${final.stderr}`);
  if (latest !== undefined) assert.equal(restoredFrom(final.stderr).directory, latest.directory, 'the final run restored the newest complete checkpoint');
  await checkLeftPrepared('the final run');

  const expected = expectedRows(options.count);
  const checks = new Map<SinkTarget, RowCheck>();
  for (const target of SINK_TARGETS) checks.set(target, checkRows(await rowsOf(target, targets), expected));
  // Everything pre-committed was committed or rolled back: nothing is left prepared or half written.
  assert.deepEqual(await preparedPostgres(targets), [], 'prepared PostgreSQL transactions left behind');
  assert.deepEqual(await preparedMariaDb(targets), [], 'prepared MariaDB XA transactions left behind');
  assert.deepEqual(files(targets.out, true), [], 'in-progress part files left behind');
  return checks;
}

test(`EXACTLY_ONCE into PostgreSQL, MariaDB and files through 10 SIGKILLs of weir run (seed ${SEED}): each holds every count update exactly once`, async (t) => {
  const count = 80_000;
  const kills = killPlan(SEED, 10, 2 + randomInt(SEED, 1, 2));
  const checks = await runThroughKills(t, { name: 'eo', guarantee: 'EXACTLY_ONCE', count, rate: 3000, finalRate: 12_000, kills });
  for (const [target, check] of checks) {
    t.diagnostic(`${target}: ${summary(check)}`);
    assert.ok(check.duplicates === 0 && check.missing.length === 0 && check.unexpected.length === 0 && check.rows === count, `${target}: ${summary(check)} (seed ${SEED})`);
  }
});

test(`AT_LEAST_ONCE into PostgreSQL, MariaDB and files through 4 SIGKILLs of weir run (seed ${SEED}): nothing is lost, and the duplicates are counted`, async (t) => {
  const count = 40_000;
  const kills = killPlan(SEED + 1, 4, 0);
  const checks = await runThroughKills(t, { name: 'alo', guarantee: 'AT_LEAST_ONCE', count, rate: 3000, finalRate: 12_000, kills });
  for (const [target, check] of checks) {
    t.diagnostic(`${target} (AT_LEAST_ONCE): ${check.duplicates} duplicated rows of ${check.rows} (${summary(check)})`);
    assert.ok(check.missing.length === 0 && check.unexpected.length === 0 && check.rows === count + check.duplicates, `${target}: ${summary(check)} (seed ${SEED})`);
  }
});
