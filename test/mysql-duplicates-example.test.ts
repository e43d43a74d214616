/**
 * @module The seeds' MySQL counter-example (examples/mysql-duplicates.ts) run as a user would, its
 * claims checked against MariaDB: the AT_LEAST_ONCE table holds every page view's row and some twice,
 * the EXACTLY_ONCE table holds each exactly once, and the figures it prints are the tables' own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pageView, tableName, type ExampleGuarantee } from '../examples/mysql-duplicates.ts';
import { mariaDbQuery, useMariaDbTestServer } from './support/mariadb-test-server.ts';
import { runNode } from './support/run-command.ts';

const connection = await useMariaDbTestServer();
const work = mkdtempSync(join(tmpdir(), 'weir-mysql-duplicates-'));
const prefix = `weir_dup_${process.pid}`;
const COUNT = 30_000;
after(async () => {
  for (const guarantee of ['AT_LEAST_ONCE', 'EXACTLY_ONCE'] as const) await mariaDbQuery(connection, `DROP TABLE IF EXISTS ${tableName(prefix, guarantee)}`);
  rmSync(work, { recursive: true, force: true });
});

/** The plain reference: the rows `app,pv` the input makes, pv = 1..N for each app with N views. */
function expectedRows(): Map<string, number> {
  const views = new Map<string, number>();
  for (let i = 0; i < COUNT; i++) {
    const app = pageView(i).appId;
    views.set(app, (views.get(app) ?? 0) + 1);
  }
  return views;
}

interface TableFacts {
  /** Rows per app. */
  readonly perApp: Map<string, number>;
  readonly rows: number;
  readonly duplicated: number;
  /** `app,pv` of the input not in the table, and `app,pv` in the table not of the input. */
  readonly missing: string[];
  readonly unexpected: string[];
}

async function tableFacts(guarantee: ExampleGuarantee, views: ReadonlyMap<string, number>): Promise<TableFacts> {
  const rows = await mariaDbQuery<{ app: string; pv: number }>(connection, `SELECT app, pv FROM ${tableName(prefix, guarantee)}`);
  const perApp = new Map<string, number>();
  const seen = new Set<string>();
  let duplicated = 0;
  const unexpected: string[] = [];
  for (const { app, pv } of rows) {
    perApp.set(app, (perApp.get(app) ?? 0) + 1);
    const row = `${app},${pv}`;
    if (seen.has(row)) duplicated++;
    else if (!(Number(pv) >= 1 && Number(pv) <= (views.get(app) ?? 0))) unexpected.push(row);
    seen.add(row);
  }
  const missing: string[] = [];
  for (const [app, n] of views) for (let pv = 1; pv <= n; pv++) if (!seen.has(`${app},${pv}`)) missing.push(`${app},${pv}`);
  return { perApp, rows: rows.length, duplicated, missing, unexpected };
}

/** The example's section for one mode: its per-app lines and its summary line. */
function printed(stdout: string, index: number): { perApp: Map<string, { expected: number; found: number }>; rows: number; duplicated: number; missing: number } {
  const sections = stdout.split(/^(?=\d+\. MariaDbSink )/m).filter((s) => /^\d+\. /.test(s));
  const section = sections[index];
  assert.ok(section !== undefined, `no section ${index + 1} in the output:\n${stdout}`);
  const perApp = new Map<string, { expected: number; found: number }>();
  for (const match of section.matchAll(/^ {3}(app\d+)\s+(\d+)\s+(\d+)/gm)) perApp.set(match[1] as string, { expected: Number(match[2]), found: Number(match[3]) });
  const summary = /^ {3}(\d+) rows, (\d+) duplicated, (\d+) missing$/m.exec(section);
  assert.ok(summary !== null, `no summary line in:\n${section}`);
  return { perApp, rows: Number(summary[1]), duplicated: Number(summary[2]), missing: Number(summary[3]) };
}

test('the MySQL counter-example duplicates rows with commits between checkpoints and none with EXACTLY_ONCE, as the tables confirm', async () => {
  const outcome = await runNode(['--import', 'tsx', 'examples/mysql-duplicates.ts', '--table-prefix', prefix, '--work', work, '--count', String(COUNT)], {
    timeoutMs: 150_000,
    env: {
      WEIR_MARIADB_HOST: connection.host,
      WEIR_MARIADB_PORT: String(connection.port),
      WEIR_MARIADB_USER: connection.user,
      WEIR_MARIADB_PASSWORD: connection.password,
      WEIR_MARIADB_DATABASE: connection.database,
    },
  });
  assert.equal(outcome.code, 0, `${outcome.stdout}\n${outcome.stderr}`);
  assert.match(outcome.stdout, /^check: OK/m);

  const views = expectedRows();
  const atLeastOnce = await tableFacts('AT_LEAST_ONCE', views);
  const exactlyOnce = await tableFacts('EXACTLY_ONCE', views);
  // AT_LEAST_ONCE: nothing lost, some rows twice (the restart replayed rows committed after its checkpoint).
  assert.deepEqual(atLeastOnce.missing, []);
  assert.deepEqual(atLeastOnce.unexpected, []);
  assert.ok(atLeastOnce.duplicated > 0, 'the AT_LEAST_ONCE table has no duplicated row');
  assert.equal(atLeastOnce.rows, COUNT + atLeastOnce.duplicated);
  // EXACTLY_ONCE: every row once.
  assert.deepEqual({ rows: exactlyOnce.rows, duplicated: exactlyOnce.duplicated, missing: exactlyOnce.missing, unexpected: exactlyOnce.unexpected }, { rows: COUNT, duplicated: 0, missing: [], unexpected: [] });

  // What the example printed is what the tables hold.
  for (const [index, facts] of [atLeastOnce, exactlyOnce].entries()) {
    const shown = printed(outcome.stdout, index);
    assert.deepEqual({ rows: shown.rows, duplicated: shown.duplicated, missing: shown.missing }, { rows: facts.rows, duplicated: facts.duplicated, missing: facts.missing.length });
    assert.deepEqual(
      new Map([...shown.perApp].sort()),
      new Map([...views.keys()].sort().map((app) => [app, { expected: views.get(app) as number, found: facts.perApp.get(app) ?? 0 }])),
    );
  }
});
