/**
 * @module Bench "sink": how fast rows reach a real target through weir's sinks. The job
 * (bench/jobs/sink-job.ts) writes `events` DataGen rows at parallelism 2, with EXACTLY_ONCE checkpoints
 * every second, into PostgreSQL (PostgresSink), MariaDB (MariaDbSink) or files (FileSink), with the
 * sink's delivery guarantee exactly-once, at-least-once or none: variant `<target>-<mode>`, e.g.
 * `postgres-exactly-once`. Timed from the job's submit to its result; afterwards (unmeasured) the rows
 * visible in the target are read back and must be every row once (count, distinct ids, sums against a
 * plain loop). `rowsPerSec` is those visible rows per wall second.
 *
 * PostgreSQL is the tests' own cluster (scripts/pg-test-cluster.mjs, port 55432, started for the run and
 * released after); MariaDB the tests' server (127.0.0.1:3306, root, database `test`; WEIR_MARIADB_*
 * override). Each run creates and drops its own table. `npm run bench sink` (or `sink:file-none,...`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'pg';
import { MiniCluster, jobModuleUrl, type DeliveryGuarantee } from 'weir';
import { mariaDbQuery, useMariaDbTestServer } from '../test/support/mariadb-test-server.ts';
import { BenchVerificationError, unknownVariant, type Bench, type BenchContext, type RunOutcome } from './bench.ts';
import { sinkBenchRow } from './jobs/sink-job.ts';

const NAME = 'sink';
const JOB = new URL('./jobs/sink-job.ts', import.meta.url);
const PG_CLUSTER = fileURLToPath(new URL('../scripts/pg-test-cluster.mjs', import.meta.url));
const TARGETS = ['postgres', 'mariadb', 'file'] as const;
const MODES = { 'exactly-once': 'EXACTLY_ONCE', 'at-least-once': 'AT_LEAST_ONCE', none: 'NONE' } as const satisfies Record<string, DeliveryGuarantee>;
type Target = (typeof TARGETS)[number];

/** What the rows must add up to. */
interface Expected {
  readonly rows: number;
  readonly idSum: number;
  readonly vSum: number;
}

/** What a target holds. */
interface Visible {
  readonly rows: number;
  readonly distinctIds: number;
  readonly idSum: number;
  readonly vSum: number;
}

function expectedFile(context: BenchContext): string {
  return join(context.dir, 'expected.json');
}

function parseVariant(variant: string): { target: Target; guarantee: DeliveryGuarantee } | undefined {
  const split = variant.indexOf('-');
  const target = TARGETS.find((t) => t === variant.slice(0, split));
  const guarantee = (MODES as Record<string, DeliveryGuarantee>)[variant.slice(split + 1)];
  return target === undefined || guarantee === undefined ? undefined : { target, guarantee };
}

/** Runs scripts/pg-test-cluster.mjs (`start` prints the connection) with this process as the lease holder. */
function pgCluster(command: 'start' | 'release'): string {
  const result = spawnSync(process.execPath, [PG_CLUSTER, command, '--holder', String(process.pid)], { encoding: 'utf8', timeout: 180_000 });
  if (result.status !== 0) throw new Error(`node scripts/pg-test-cluster.mjs ${command} failed (status ${String(result.status)}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

async function postgresQuery<R extends Record<string, unknown>>(connection: object, sql: string): Promise<R[]> {
  const client = new Client(connection);
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

const AGGREGATE = 'SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids, SUM(id) AS id_sum, SUM(v) AS v_sum FROM';

function visibleFromAggregate(row: Record<string, unknown> | undefined): Visible {
  return { rows: Number(row?.['n'] ?? 0), distinctIds: Number(row?.['ids'] ?? 0), idSum: Number(row?.['id_sum'] ?? 0), vSum: Number(row?.['v_sum'] ?? 0) };
}

/** The rows of every finished (visible) part file under `out`. */
function visibleInFiles(out: string): Visible {
  const ids = new Set<number>();
  let rows = 0;
  let idSum = 0;
  let vSum = 0;
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else {
        for (const line of readFileSync(join(dir, entry.name), 'utf8').split('\n')) {
          if (line === '') continue;
          const [id, , v] = line.split(',');
          rows++;
          ids.add(Number(id));
          idSum += Number(id);
          vSum += Number(v);
        }
      }
    }
  };
  walk(out);
  return { rows, distinctIds: ids.size, idSum, vSum };
}

/** A target for one run: the job's arguments, how to read it back, and how to clean up. */
interface PreparedTarget {
  readonly args: Record<string, string>;
  visible(): Promise<Visible>;
  dispose(): Promise<void>;
}

async function prepareTarget(target: Target, work: string): Promise<PreparedTarget> {
  const table = `bench_sink_${process.pid}`;
  const columns = '(id BIGINT NOT NULL, app VARCHAR(32) NOT NULL, v INTEGER NOT NULL)';
  switch (target) {
    case 'postgres': {
      const connection = JSON.parse(pgCluster('start')) as object;
      try {
        await postgresQuery(connection, `DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} ${columns}`);
      } catch (error) {
        pgCluster('release');
        throw error;
      }
      return {
        args: { table, connection: JSON.stringify(connection) },
        visible: async () => visibleFromAggregate((await postgresQuery(connection, `${AGGREGATE} ${table}`))[0]),
        dispose: async () => {
          try {
            await postgresQuery(connection, `DROP TABLE IF EXISTS ${table}`);
          } finally {
            pgCluster('release');
          }
        },
      };
    }
    case 'mariadb': {
      const connection = await useMariaDbTestServer();
      await mariaDbQuery(connection, `DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} ${columns} ENGINE=InnoDB`);
      return {
        args: { table, connection: JSON.stringify(connection) },
        visible: async () => visibleFromAggregate((await mariaDbQuery<Record<string, unknown>>(connection, `${AGGREGATE} ${table}`))[0]),
        dispose: async () => {
          await mariaDbQuery(connection, `DROP TABLE IF EXISTS ${table}`);
        },
      };
    }
    case 'file': {
      const out = join(work, 'out');
      return { args: { out }, visible: () => Promise.resolve(visibleInFiles(out)), dispose: () => Promise.resolve() };
    }
  }
}

function verify(variant: string, visible: Visible, expected: Expected): void {
  const problems: string[] = [];
  if (visible.rows !== expected.rows) problems.push(`${visible.rows} rows instead of ${expected.rows}`);
  if (visible.distinctIds !== expected.rows) problems.push(`${visible.distinctIds} distinct ids instead of ${expected.rows}`);
  if (visible.idSum !== expected.idSum) problems.push(`ids sum to ${visible.idSum} instead of ${expected.idSum}`);
  if (visible.vSum !== expected.vSum) problems.push(`values sum to ${visible.vSum} instead of ${expected.vSum}`);
  if (problems.length > 0) throw new BenchVerificationError(NAME, variant, problems.join('; '));
}

const rate = (value: number | string | boolean | null): string => (typeof value === 'number' ? Math.round(value).toLocaleString('en-US') : '-');

export const sinkBench: Bench = {
  name: NAME,
  description: 'DataGen rows -> PostgresSink / MariaDbSink / FileSink, parallelism 2, checkpoints every 1 s; variant <target>-<delivery guarantee>',
  variants: TARGETS.flatMap((target) => Object.keys(MODES).map((mode) => `${target}-${mode}`)),
  // enough for several checkpoints into the databases (the FileSink is through in about a second)
  defaultEvents: 1_000_000,
  columns: [
    { field: 'rowsPerSec', header: 'rows/s visible', format: rate },
    { field: 'checkpoints', header: 'checkpoints', format: (value) => (typeof value === 'number' ? String(value) : '-') },
    { field: 'checkpointsFailed', header: 'failed', format: (value) => (typeof value === 'number' ? String(value) : '-') },
    { field: 'startupMs', header: 'start-up ms', format: (value) => (typeof value === 'number' ? value.toFixed(0) : '-') },
    { field: 'steadyRowsPerSec', header: 'rows/s once running', format: rate },
  ],

  prepare(context) {
    let idSum = 0;
    let vSum = 0;
    for (let i = 0; i < context.events; i++) {
      const row = sinkBenchRow(i);
      idSum += row.id;
      vSum += row.v;
    }
    writeFileSync(expectedFile(context), JSON.stringify({ rows: context.events, idSum, vSum } satisfies Expected));
  },

  async run(variant, context, timed): Promise<RunOutcome> {
    const parsed = parseVariant(variant);
    if (parsed === undefined) return unknownVariant(sinkBench, variant);
    const expected = JSON.parse(readFileSync(expectedFile(context), 'utf8')) as Expected;
    const work = mkdtempSync(join(tmpdir(), 'weir-bench-sink-'));
    const target = await prepareTarget(parsed.target, work);
    try {
      const args = { ...target.args, target: parsed.target, guarantee: parsed.guarantee, events: String(context.events), checkpoints: join(work, 'checkpoints') };
      let wallMs = 0;
      const { result, stats } = await timed(async () => {
        const started = performance.now();
        const client = await new MiniCluster().submit({ module: jobModuleUrl(JOB), parallelism: 2, args, configuration: {} });
        const jobResult = await client.getJobExecutionResult();
        wallMs = performance.now() - started;
        return { result: jobResult, stats: client.getCheckpointStats() };
      });
      const visible = await target.visible();
      verify(variant, visible, expected);
      const steadySeconds = (result.netRuntimeMs - result.startupMs) / 1000;
      return {
        events: context.events,
        fields: {
          rowsPerSec: visible.rows / (wallMs / 1000),
          visibleRows: visible.rows,
          checkpoints: stats?.counts.completed ?? 0,
          checkpointsFailed: stats?.counts.failed ?? 0,
          startupMs: result.startupMs,
          steadyRowsPerSec: steadySeconds > 0 ? visible.rows / steadySeconds : null,
        },
      };
    } finally {
      await target.dispose();
      rmSync(work, { recursive: true, force: true });
    }
  },
};
