/**
 * @module The seeds' counter-example, scaled down, against MariaDB (MySQL's protocol): a page-view count
 * whose sink commits to the database every 0.5 s ("commit every 5 s") while checkpoints come every 6 s
 * ("every 60 s"). A failure after a few commits and before the next checkpoint restarts the job from the
 * last checkpoint, whose source position and counts are older than what the table holds: the replay
 * writes those rows again. The same job with the EXACTLY_ONCE MariaDbSink (one XA transaction per
 * checkpoint, committed when the checkpoint completes) writes each row once.
 *
 * The table `<prefix>_<guarantee>` gets one row `(app, pv)` per page view counted, pv being the app's
 * running count: counting an app's rows gives its page views, and a row written twice shows up as a
 * repeated `(app, pv)`.
 *
 * Run it: `node --import tsx examples/mysql-duplicates.ts` (`npm run example:mysql-duplicates`). It needs
 * MariaDB (or MySQL) at 127.0.0.1:3306, user root without a password, database `test`; WEIR_MARIADB_HOST,
 * _PORT, _USER, _PASSWORD and _DATABASE point it elsewhere. The tables stay for a look afterwards.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createConnection, type Connection, type ConnectionOptions } from 'mysql2/promise';
import {
  DataGeneratorSource,
  JobParameters,
  MariaDbSink,
  MiniCluster,
  RichMapFunction,
  Types,
  defineJob,
  jobModuleUrl,
  randomInt,
  runIfMain,
  type CheckpointListener,
  type SqlConnectionOptions,
} from 'weir';
import { CountPageViews, type PageView } from './pageviews.ts';

export const APPS = 8;
/** The scaled-down timings: the sink commits every 0.5 s, checkpoints come every 6 s. */
export const COMMIT_EVERY_MS = 500;
export const CHECKPOINT_EVERY_MS = 6000;
/** The failure comes this long after the first checkpoint completed: a few commits later, well before the next checkpoint. */
export const FAIL_AFTER_MS = 2500;

export type ExampleGuarantee = 'AT_LEAST_ONCE' | 'EXACTLY_ONCE';
export const GUARANTEES: readonly ExampleGuarantee[] = ['AT_LEAST_ONCE', 'EXACTLY_ONCE'];

/** Page view i (a skewed mix of apps: low numbers are busier). */
export function pageView(i: number): PageView {
  return { appId: `app${Math.min(randomInt(11, i, APPS), randomInt(12, i, APPS))}` };
}

/** The table a mode writes to. */
export function tableName(prefix: string, guarantee: ExampleGuarantee): string {
  return `${prefix}_${guarantee.toLowerCase()}`;
}

/** Where the example's MariaDB is: the test server's defaults, or WEIR_MARIADB_* from the environment. */
export function exampleConnection(): Required<SqlConnectionOptions> {
  const env = process.env;
  return {
    host: env['WEIR_MARIADB_HOST'] ?? '127.0.0.1',
    port: Number(env['WEIR_MARIADB_PORT'] ?? 3306),
    user: env['WEIR_MARIADB_USER'] ?? 'root',
    password: env['WEIR_MARIADB_PASSWORD'] ?? '',
    database: env['WEIR_MARIADB_DATABASE'] ?? 'test',
  };
}

/**
 * Fails every subtask of the first attempt at its first record `failAfterMs` after a checkpoint
 * completed, and notes in `marker` which checkpoint that was.
 */
class FailAfterCheckpoint extends RichMapFunction<PageView, PageView> implements CheckpointListener {
  readonly #failAfterMs: number;
  readonly #marker: string;
  #completed: { readonly id: number; readonly at: number } | undefined;

  constructor(failAfterMs: number, marker: string) {
    super();
    this.#failAfterMs = failAfterMs;
    this.#marker = marker;
  }

  map(view: PageView): PageView {
    const completed = this.#completed;
    if (completed !== undefined && this.getRuntimeContext().getTaskInfo().attemptNumber === 0 && Date.now() - completed.at >= this.#failAfterMs) {
      writeFileSync(this.#marker, JSON.stringify({ checkpointId: completed.id, afterMs: Date.now() - completed.at }));
      throw new Error(`injected failure ${this.#failAfterMs} ms after checkpoint ${completed.id} completed`);
    }
    return view;
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.#completed ??= { id: checkpointId, at: Date.now() };
  }
}

export const job = defineJob('mysql-duplicates', (env, params) => {
  env.setParallelism(2);
  env.enableCheckpointing(params.getInt('interval', CHECKPOINT_EVERY_MS));
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  const guarantee = params.getRequired('guarantee') as ExampleGuarantee;
  env
    .fromSource(
      new DataGeneratorSource(pageView, { count: params.getInt('count'), recordsPerSecond: params.getNumber('rate'), outputType: Types.object({ appId: Types.string }) }),
      'page-views',
    )
    .uid('page-views')
    .map(new FailAfterCheckpoint(params.getInt('fail-after-ms', FAIL_AFTER_MS), params.getRequired('marker')), Types.object({ appId: Types.string }))
    .name('fail-once')
    .uid('fail-once')
    .keyBy((view) => view.appId)
    .process(new CountPageViews(), Types.tuple(Types.string, Types.number))
    .name('count')
    .uid('count')
    .sinkTo(
      new MariaDbSink<[string, number]>({
        connection: JSON.parse(params.getRequired('connection')) as SqlConnectionOptions,
        table: params.getRequired('table'),
        columns: ['app', 'pv'],
        toRow: ([app, pv]) => [app, pv],
        deliveryGuarantee: guarantee,
        // AT_LEAST_ONCE: whatever arrived is written and committed every 0.5 s, checkpoint or not
        batchIntervalMs: guarantee === 'AT_LEAST_ONCE' ? params.getInt('commit-every', COMMIT_EVERY_MS) : 0,
      }),
    )
    .name('pv-table')
    .uid('pv-table');
});

/** What one mode left in its table, next to the plain count of the input. */
export interface ModeOutcome {
  readonly guarantee: ExampleGuarantee;
  readonly table: string;
  /** The injected failure: how long after which checkpoint completed, and the checkpoint the restart restored. */
  readonly failure: { readonly checkpointId: number; readonly afterMs: number; readonly restoredCheckpointId: number | undefined } | undefined;
  /** Per app: page views in the input, and rows found in the table. */
  readonly apps: readonly { readonly app: string; readonly expected: number; readonly found: number }[];
  readonly rows: number;
  /** Rows repeating an `(app, pv)` written before. */
  readonly duplicatedRows: number;
  /** `(app, pv)` of the input missing from the table. */
  readonly missingRows: number;
}

/** The plain reference: page views per app among views 0..count-1. */
export function expectedCounts(count: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const app = pageView(i).appId;
    counts.set(app, (counts.get(app) ?? 0) + 1);
  }
  return counts;
}

/** Reads a mode's table and compares it with the input: rows per app, repeated and missing `(app, pv)`. */
export async function inspectTable(client: Connection, table: string, expected: ReadonlyMap<string, number>): Promise<Omit<ModeOutcome, 'guarantee' | 'failure'>> {
  const [rows] = await client.query(`SELECT app, pv, COUNT(*) AS copies FROM \`${table}\` GROUP BY app, pv`);
  const found = new Map<string, number>();
  let total = 0;
  let duplicatedRows = 0;
  let present = 0;
  for (const row of rows as { app: string; pv: number; copies: number | string }[]) {
    const copies = Number(row.copies);
    found.set(row.app, (found.get(row.app) ?? 0) + copies);
    total += copies;
    duplicatedRows += copies - 1;
    if (Number(row.pv) >= 1 && Number(row.pv) <= (expected.get(row.app) ?? 0)) present++;
  }
  const apps = [...new Set([...expected.keys(), ...found.keys()])].sort().map((app) => ({ app, expected: expected.get(app) ?? 0, found: found.get(app) ?? 0 }));
  const inputRows = [...expected.values()].reduce((a, b) => a + b, 0);
  return { table, apps, rows: total, duplicatedRows, missingRows: inputRows - present };
}

async function connectOrExplain(connection: Required<SqlConnectionOptions>): Promise<Connection> {
  const { database, ...server } = connection;
  try {
    const client = await createConnection({ ...server, connectTimeout: 5000 } satisfies ConnectionOptions);
    await client.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
    await client.changeUser({ database });
    return client;
  } catch (error) {
    throw new Error(
      `MariaDB is not reachable at ${connection.host}:${connection.port} (user ${connection.user}, database ${connection.database}): ${error instanceof Error ? error.message : String(error)}\n` +
        '  Start it (Debian, as root: apt-get install mariadb-server; start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd),\n' +
        '  or point the example at another server with WEIR_MARIADB_HOST, WEIR_MARIADB_PORT, WEIR_MARIADB_USER, WEIR_MARIADB_PASSWORD and WEIR_MARIADB_DATABASE.',
    );
  }
}

/** Runs one mode: a fresh table, the job with its failure and restart, then the table read back. */
async function runMode(client: Connection, guarantee: ExampleGuarantee, options: { prefix: string; count: number; rate: number; work: string }): Promise<ModeOutcome> {
  const table = tableName(options.prefix, guarantee);
  await client.query(`DROP TABLE IF EXISTS \`${table}\``);
  await client.query(`CREATE TABLE \`${table}\` (app VARCHAR(32) NOT NULL, pv INTEGER NOT NULL) ENGINE=InnoDB`);
  const checkpoints = join(options.work, `checkpoints-${guarantee.toLowerCase()}`);
  const marker = join(options.work, `failure-${guarantee.toLowerCase()}.json`);
  rmSync(checkpoints, { recursive: true, force: true });
  rmSync(marker, { force: true });
  const job = await new MiniCluster().submit({
    module: jobModuleUrl(import.meta.url),
    args: { guarantee, table, connection: JSON.stringify(exampleConnection()), checkpoints, marker, count: String(options.count), rate: String(options.rate) },
    configuration: { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 1, 'restart-strategy.fixed-delay.delay': '100 ms' },
  });
  await job.getJobExecutionResult();
  const restoredCheckpointId = job.getCheckpointStats()?.latest.restored?.checkpointId;
  const injected = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { checkpointId: number; afterMs: number }) : undefined;
  const failure = injected === undefined ? undefined : { ...injected, restoredCheckpointId };
  return { guarantee, failure, ...(await inspectTable(client, table, expectedCounts(options.count))) };
}

function printOutcome(outcome: ModeOutcome, index: number): void {
  const title =
    outcome.guarantee === 'AT_LEAST_ONCE'
      ? `MariaDbSink AT_LEAST_ONCE: rows written and committed every ${COMMIT_EVERY_MS / 1000} s, checkpoint or not`
      : 'MariaDbSink EXACTLY_ONCE: one XA transaction per checkpoint, committed when the checkpoint completes';
  const out: string[] = [`${index}. ${title} (table ${outcome.table})`];
  out.push(
    outcome.failure === undefined
      ? '   no failure was injected: the input ended first'
      : `   failure ${(outcome.failure.afterMs / 1000).toFixed(1)} s after checkpoint ${outcome.failure.checkpointId} completed; restarted from checkpoint ${outcome.failure.restoredCheckpointId ?? '(none)'}`,
  );
  out.push('   app       expected      found   difference');
  for (const { app, expected, found } of outcome.apps) {
    out.push(`   ${app.padEnd(8)} ${String(expected).padStart(9)} ${String(found).padStart(10)} ${(found === expected ? '' : `${found > expected ? '+' : ''}${found - expected}`).padStart(12)}`);
  }
  out.push(`   ${outcome.rows} rows, ${outcome.duplicatedRows} duplicated, ${outcome.missingRows} missing`);
  if (outcome.duplicatedRows > 0) out.push('   the rows committed after the checkpoint and before the failure were written again by the replay');
  else if (outcome.missingRows === 0) out.push("   each row once: the replay rewrote only rows of transactions that had never been committed");
  process.stdout.write(`${out.join('\n')}\n\n`);
}

/** The demonstration came out as the seeds say: duplicates without two-phase commit, none with it, nothing lost in either. */
export function demonstrationHolds(outcomes: readonly ModeOutcome[]): boolean {
  const atLeastOnce = outcomes.find((o) => o.guarantee === 'AT_LEAST_ONCE');
  const exactlyOnce = outcomes.find((o) => o.guarantee === 'EXACTLY_ONCE');
  return (
    atLeastOnce !== undefined &&
    exactlyOnce !== undefined &&
    outcomes.every((o) => o.failure?.restoredCheckpointId !== undefined && o.missingRows === 0) &&
    atLeastOnce.duplicatedRows > 0 &&
    exactlyOnce.duplicatedRows === 0 &&
    exactlyOnce.apps.every((a) => a.found === a.expected)
  );
}

runIfMain(import.meta.url, async () => {
  const params = JobParameters.fromArgs(process.argv.slice(2));
  const count = params.getInt('count', 30_000);
  const rate = params.getInt('rate', 2000);
  const prefix = params.get('table-prefix', 'weir_pv');
  const work = resolve(params.get('work', '.weir/mysql-duplicates'));
  const connection = exampleConnection();
  let client: Connection;
  try {
    client = await connectOrExplain(connection);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    mkdirSync(work, { recursive: true });
    process.stdout.write(
      `${count.toLocaleString('en-US')} page views over ${APPS} apps at ${rate.toLocaleString('en-US')}/s -> keyBy app -> count -> MariaDB ${connection.host}:${connection.port}/${connection.database}, ` +
        `one row (app, pv) per view counted.\nCheckpoints every ${CHECKPOINT_EVERY_MS / 1000} s; ${FAIL_AFTER_MS / 1000} s after the first one completed, a failure; the job restarts from that checkpoint.\n\n`,
    );
    const outcomes: ModeOutcome[] = [];
    for (const [index, guarantee] of GUARANTEES.entries()) {
      const outcome = await runMode(client, guarantee, { prefix, count, rate, work });
      printOutcome(outcome, index + 1);
      outcomes.push(outcome);
    }
    const atLeastOnce = outcomes.find((o) => o.guarantee === 'AT_LEAST_ONCE');
    const ok = demonstrationHolds(outcomes);
    process.stdout.write(
      ok
        ? `check: OK, AT_LEAST_ONCE duplicated ${atLeastOnce?.duplicatedRows ?? 0} rows after the restore; EXACTLY_ONCE wrote every row once\n`
        : 'check: FAILED, the demonstration did not come out as expected (see the tables above)\n',
    );
    return ok ? 0 : 1;
  } finally {
    await client.end();
  }
});
