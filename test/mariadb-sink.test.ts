/**
 * @module MariaDbSink against the MariaDB server of the machine (127.0.0.1:3306, database test; see
 * test/support/mariadb-test-server.ts to point it elsewhere).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { MariaDbSink } from 'weir';
import { mariaDbQuery, useMariaDbTestServer } from './support/mariadb-test-server.ts';
import { contextFor, runSqlSinkContract, uniqueTable, visits, type Visit } from './support/sql-sink-contract.ts';

const connection = await useMariaDbTestServer();

/** The prepared XA transactions whose id (global part ':' branch qualifier) starts with `prefix:`. */
async function prepared(prefix: string): Promise<{ gtrid: string; bqual: string }[]> {
  const rows = await mariaDbQuery<{ gtrid_length: number; bqual_length: number; data: Buffer }>(connection, 'XA RECOVER');
  return rows
    .map((row) => ({
      gtrid: row.data.subarray(0, row.gtrid_length).toString(),
      bqual: row.data.subarray(row.gtrid_length, row.gtrid_length + row.bqual_length).toString(),
    }))
    .filter((xid) => xid.gtrid === prefix);
}

runSqlSinkContract({
  product: 'MariaDB',
  jobProduct: 'mariadb',
  connection,
  createSink: (options) => new MariaDbSink(options),
  async createTable(name, primaryKey) {
    const key = primaryKey === undefined ? '' : `, PRIMARY KEY (${primaryKey.join(', ')})`;
    await mariaDbQuery(connection, `CREATE TABLE ${name} (id INTEGER NOT NULL, app VARCHAR(64), n INTEGER${key}) ENGINE=InnoDB`);
  },
  async dropTable(name) {
    // a lock held by a leftover transaction fails the drop instead of hanging the file
    await mariaDbQuery(connection, `SET SESSION lock_wait_timeout = 10; DROP TABLE IF EXISTS ${name}`);
  },
  async rows(name) {
    return await mariaDbQuery<Visit>(connection, `SELECT id, app, n FROM ${name}`);
  },
  async preparedIds(prefix) {
    return (await prepared(prefix)).map((xid) => `${xid.gtrid}:${xid.bqual}`);
  },
  async rollbackPrepared(prefix) {
    for (const xid of await prepared(prefix)) await mariaDbQuery(connection, `XA ROLLBACK '${xid.gtrid}', '${xid.bqual}'`);
  },
});

test('MariaDB: a prepared XA transaction still attached to its connection is committed once that connection closes', async () => {
  // MariaDB 10.11 answers XA COMMIT from another connection with "Unknown XID" (1397) while the
  // preparing connection lives, and XA RECOVER lists the XID meanwhile: the committer retries.
  const table = uniqueTable('attached');
  const prefix = `a_${table}`;
  const transactionId = `${prefix}:0:1:0123456789ab`;
  await mariaDbQuery(connection, `CREATE TABLE ${table} (id INTEGER NOT NULL, app VARCHAR(64), n INTEGER) ENGINE=InnoDB`);
  const holder = await createConnection(connection);
  try {
    await holder.query(`XA START '${prefix}', '0:1:0123456789ab'`);
    await holder.query(`INSERT INTO ${table} (id, app, n) VALUES ?`, [visits(0, 5).map((v) => [v.id, v.app, v.n])]);
    await holder.query(`XA END '${prefix}', '0:1:0123456789ab'`);
    await holder.query(`XA PREPARE '${prefix}', '0:1:0123456789ab'`);
    const options = { connection, table, columns: ['id', 'app', 'n'], toRow: (v: Visit) => [v.id, v.app, v.n], transactionalIdPrefix: prefix };

    const impatient = new MariaDbSink<Visit>({ ...options, maxRetries: 1, retryBackoffMs: 10 }).createCommitter(contextFor(0, 1));
    await assert.rejects(impatient.commit([{ transactionId }]), /after 2 attempts: .*still attached to the connection that prepared it/);
    await impatient.close();
    assert.deepEqual(await mariaDbQuery(connection, `SELECT id FROM ${table}`), []);

    const patient = new MariaDbSink<Visit>({ ...options, maxRetries: 8, retryBackoffMs: 20 }).createCommitter(contextFor(0, 1));
    const committed = patient.commit([{ transactionId }]);
    setTimeout(() => void holder.end(), 100);
    await committed;
    await patient.close();
    const rows = await mariaDbQuery<Visit>(connection, `SELECT id, app, n FROM ${table} ORDER BY id`);
    assert.deepEqual(rows, visits(0, 5));
  } finally {
    holder.destroy();
    for (const row of await mariaDbQuery<{ data: Buffer; gtrid_length: number }>(connection, 'XA RECOVER')) {
      if (row.data.subarray(0, row.gtrid_length).toString() === prefix) await mariaDbQuery(connection, `XA ROLLBACK '${prefix}', '0:1:0123456789ab'`);
    }
    await mariaDbQuery(connection, `DROP TABLE IF EXISTS ${table}`);
  }
});
