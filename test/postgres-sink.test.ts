/**
 * @module PostgresSink against a real PostgreSQL server: the test cluster of scripts/pg-test-cluster.mjs
 * (its own port, max_prepared_transactions=64), started here if it does not run yet.
 */
import { PostgresSink } from 'weir';
import { postgresQuery, usePostgresTestCluster } from './support/postgres-test-cluster.ts';
import { runSqlSinkContract, type Visit } from './support/sql-sink-contract.ts';

const connection = usePostgresTestCluster();

runSqlSinkContract({
  product: 'PostgreSQL',
  jobProduct: 'postgres',
  connection,
  createSink: (options) => new PostgresSink(options),
  async createTable(name, primaryKey) {
    const key = primaryKey === undefined ? '' : `, PRIMARY KEY (${primaryKey.join(', ')})`;
    await postgresQuery(connection, `CREATE TABLE ${name} (id INTEGER NOT NULL, app VARCHAR(64), n INTEGER${key})`);
  },
  async dropTable(name) {
    // a lock held by a leftover transaction fails the drop instead of hanging the file
    await postgresQuery(connection, `SET lock_timeout = '10s'; DROP TABLE IF EXISTS ${name}`);
  },
  async rows(name) {
    return await postgresQuery<Visit & Record<string, unknown>>(connection, `SELECT id, app, n FROM ${name}`);
  },
  async preparedIds(prefix) {
    const rows = await postgresQuery<{ gid: string }>(connection, 'SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, $1)', [`${prefix}:`]);
    return rows.map((row) => row.gid);
  },
  async rollbackPrepared(prefix) {
    const rows = await postgresQuery<{ gid: string }>(connection, 'SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, $1)', [`${prefix}:`]);
    for (const { gid } of rows) await postgresQuery(connection, `ROLLBACK PREPARED '${gid}'`);
  },
});
