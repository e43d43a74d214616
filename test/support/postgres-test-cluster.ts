/**
 * @module The PostgreSQL cluster the sink tests use (scripts/pg-test-cluster.mjs: its own port, with
 * prepared transactions enabled): `usePostgresTestCluster()` starts it if needed, takes a lease for this
 * test process and gives it back after the file's tests; the last holder stops the server.
 */
import { spawnSync } from 'node:child_process';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from 'pg';

export interface PostgresConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

const SCRIPT = fileURLToPath(new URL('../../scripts/pg-test-cluster.mjs', import.meta.url));

function runScript(command: 'start' | 'release'): string {
  const result = spawnSync(process.execPath, [SCRIPT, command, '--holder', String(process.pid)], { encoding: 'utf8', timeout: 180_000 });
  if (result.status !== 0) {
    throw new Error(
      `the PostgreSQL test cluster did not ${command === 'start' ? 'start' : 'stop'} (node scripts/pg-test-cluster.mjs ${command}, status ${String(result.status)}):\n` +
        `${result.stderr}${result.stdout}\n` +
        'It needs the PostgreSQL server programs (Debian: apt-get install postgresql; or set WEIR_PG_BIN) and, as root, the postgres OS user. ' +
        'Try `node scripts/pg-test-cluster.mjs start` by hand to see why.',
    );
  }
  return result.stdout;
}

/** Starts (or joins) the test cluster for this file and releases it after the file's tests. */
export function usePostgresTestCluster(): PostgresConnection {
  const connection = JSON.parse(runScript('start')) as PostgresConnection;
  after(() => {
    runScript('release');
  });
  return connection;
}

/** Runs one statement on a fresh connection and returns its rows. */
export async function postgresQuery<R extends Record<string, unknown>>(connection: PostgresConnection, sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new Client(connection);
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}
