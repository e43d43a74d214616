/**
 * @module Backpressure from a slow database: a PostgresSink writing into a table whose every INSERT
 * statement sleeps (a statement trigger with pg_sleep) holds the source back, so the rows read ahead of
 * the rows inserted stay within the writers' bound (maxBufferedBatches + 1 batches and one poll of the
 * source per subtask), checkpoints complete while the input is still being read, and every row arrives
 * exactly once. Rows are counted as the database takes them by a row trigger drawing from a sequence
 * (not transactional, so EXACTLY_ONCE's uncommitted rows count too).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MiniCluster, jobModuleUrl } from 'weir';
import { reading, type Reading } from './jobs/sql-sink-job.ts';
import { postgresQuery, usePostgresTestCluster } from './support/postgres-test-cluster.ts';

const JOB = new URL('./jobs/sql-sink-job.ts', import.meta.url);
const connection = usePostgresTestCluster();
const root = mkdtempSync(join(tmpdir(), 'weir-sql-sink-backpressure-'));
after(() => rmSync(root, { recursive: true, force: true }));

const PARALLELISM = 2;
const COUNT = 16_000;
const BATCH_SIZE = 100;
const MAX_BUFFERED_BATCHES = 2;
/** Records a DataGeneratorSource emits in one poll: the task checks the sink's availability between polls. */
const RECORDS_PER_POLL = 1024;
const STATEMENT_SLEEP_MS = 50;

let tableCounter = 0;

/** A table whose INSERT statements each sleep, with a sequence counting the rows inserted (committed or not). */
async function createSlowTable(): Promise<string> {
  const table = `slow_${process.pid}_${tableCounter++}`;
  await postgresQuery(
    connection,
    `CREATE TABLE ${table} (id INTEGER NOT NULL, app VARCHAR(64), n INTEGER);
     CREATE SEQUENCE ${table}_rows;
     CREATE FUNCTION ${table}_sleep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(${STATEMENT_SLEEP_MS / 1000}); RETURN NULL; END $$;
     CREATE FUNCTION ${table}_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('${table}_rows'); RETURN NEW; END $$;
     CREATE TRIGGER sleep BEFORE INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${table}_sleep();
     CREATE TRIGGER count BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_count();`,
  );
  return table;
}

async function dropSlowTable(table: string): Promise<void> {
  const prepared = await postgresQuery<{ gid: string }>(connection, 'SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, $1)', [`t_${table}:`]);
  for (const { gid } of prepared) await postgresQuery(connection, `ROLLBACK PREPARED '${gid}'`);
  await postgresQuery(
    connection,
    `SET lock_timeout = '10s'; DROP TABLE IF EXISTS ${table}; DROP SEQUENCE IF EXISTS ${table}_rows; DROP FUNCTION IF EXISTS ${table}_sleep(); DROP FUNCTION IF EXISTS ${table}_count();`,
  );
}

async function rowsInserted(table: string): Promise<number> {
  const [row] = await postgresQuery<{ last_value: string; is_called: boolean }>(connection, `SELECT last_value, is_called FROM ${table}_rows`);
  return row?.is_called === true ? Number(row.last_value) : 0;
}

function byId(rows: readonly Reading[]): Reading[] {
  return rows.map((r) => ({ id: Number(r.id), app: r.app, n: Number(r.n) })).sort((a, b) => a.id - b.id);
}

interface Observation {
  /** The largest lead of the rows read by the sources over the rows the database took. */
  readonly maxLead: number;
  /** Checkpoints completed while the sources had not read all their input yet. */
  readonly completedWhileReading: number;
  readonly samples: number;
  readonly peakRssMiB: number;
}

/** Runs the job into a slow table and watches it: sources' records (from the task metrics) against rows inserted. */
async function runIntoSlowTable(table: string, guarantee: 'EXACTLY_ONCE' | 'AT_LEAST_ONCE'): Promise<Observation> {
  const client = await new MiniCluster().submit({
    module: jobModuleUrl(JOB),
    parallelism: PARALLELISM,
    args: {
      product: 'postgres',
      connection: JSON.stringify(connection),
      table,
      guarantee,
      prefix: `t_${table}`,
      checkpoints: join(root, table),
      count: String(COUNT),
      interval: '200',
      'batch-size': String(BATCH_SIZE),
      'max-buffered-batches': String(MAX_BUFFERED_BATCHES),
    },
    configuration: {},
  });
  let ended = false;
  const result = client.getJobExecutionResult().finally(() => (ended = true));
  let maxLead = 0;
  let completedWhileReading = 0;
  let samples = 0;
  let peakRss = 0;
  while (!ended) {
    const metrics = await client.requestTaskMetrics();
    const inserted = await rowsInserted(table);
    const read = metrics.filter((m) => m.vertexId === 'readings').reduce((sum, m) => sum + m.recordsIn, 0);
    if (read > 0) {
      samples++;
      maxLead = Math.max(maxLead, read - inserted);
      if (read < COUNT) completedWhileReading = Math.max(completedWhileReading, client.getCheckpointStats()?.counts.completed ?? 0);
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await result;
  return { maxLead, completedWhileReading, samples, peakRssMiB: peakRss / 2 ** 20 };
}

const expected = byId(Array.from({ length: COUNT }, (_, i) => reading(i)));
/** Per subtask: the batches waiting for the database, the one filling, and one poll of the source. */
const LEAD_BOUND = PARALLELISM * ((MAX_BUFFERED_BATCHES + 1) * BATCH_SIZE + RECORDS_PER_POLL);

for (const guarantee of ['EXACTLY_ONCE', 'AT_LEAST_ONCE'] as const) {
  test(`PostgreSQL ${guarantee}: a slow database holds the source back, checkpoints complete while it reads, every row arrives once`, async (t) => {
    const table = await createSlowTable();
    try {
      const observed = await runIntoSlowTable(table, guarantee);
      t.diagnostic(
        `lead at most ${observed.maxLead} rows (bound ${LEAD_BOUND}) over ${observed.samples} samples; ${observed.completedWhileReading} checkpoints completed while reading; peak RSS ${observed.peakRssMiB.toFixed(0)} MiB`,
      );
      assert.ok(observed.samples >= 3, `the job was watched while it read (${observed.samples} samples)`);
      assert.ok(observed.maxLead <= LEAD_BOUND, `the sources read ${observed.maxLead} rows ahead of the database`);
      assert.ok(observed.completedWhileReading >= 2, `${observed.completedWhileReading} checkpoints completed before the input was read`);
      assert.deepEqual(byId(await postgresQuery<Reading & Record<string, unknown>>(connection, `SELECT id, app, n FROM ${table}`)), expected);
      assert.equal(await rowsInserted(table), COUNT, 'no row was inserted twice');
      const prepared = await postgresQuery(connection, 'SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, $1)', [`t_${table}:`]);
      assert.deepEqual(prepared, []);
    } finally {
      await dropSlowTable(table);
    }
  });
}
