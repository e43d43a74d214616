/**
 * @module The MariaDB server the sink tests use: the machine's own at 127.0.0.1:3306, user root without
 * a password, database `test` (created if missing). WEIR_MARIADB_HOST, _PORT, _USER, _PASSWORD and
 * _DATABASE point the tests elsewhere. A server that cannot be reached fails the tests, saying how to
 * start one.
 */
import { createConnection, type ConnectionOptions } from 'mysql2/promise';

export interface MariaDbConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

const env = process.env;

/** The test server's connection; rejects with how to start MariaDB when it does not answer. */
export async function useMariaDbTestServer(): Promise<MariaDbConnection> {
  const connection: MariaDbConnection = {
    host: env['WEIR_MARIADB_HOST'] ?? '127.0.0.1',
    port: Number(env['WEIR_MARIADB_PORT'] ?? 3306),
    user: env['WEIR_MARIADB_USER'] ?? 'root',
    password: env['WEIR_MARIADB_PASSWORD'] ?? '',
    database: env['WEIR_MARIADB_DATABASE'] ?? 'test',
  };
  try {
    const { database, ...server } = connection;
    const client = await createConnection({ ...server, connectTimeout: 5000 });
    try {
      await client.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
    } finally {
      await client.end();
    }
  } catch (error) {
    throw new Error(
      `the MariaDB sink tests need a MariaDB server at ${connection.host}:${connection.port} (user ${connection.user}, database ${connection.database}), ` +
        `and it did not answer: ${error instanceof Error ? error.message : String(error)}. ` +
        'Start it (Debian, as root: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd; after apt-get install mariadb-server), ' +
        'or point the tests at another one with WEIR_MARIADB_HOST, WEIR_MARIADB_PORT, WEIR_MARIADB_USER, WEIR_MARIADB_PASSWORD and WEIR_MARIADB_DATABASE.',
      { cause: error },
    );
  }
  return connection;
}

/** Runs SQL (several statements allowed) on a fresh connection and returns the last result's rows. */
export async function mariaDbQuery<R>(connection: MariaDbConnection, sql: string): Promise<R[]> {
  const options: ConnectionOptions = { ...connection, multipleStatements: true };
  const client = await createConnection(options);
  try {
    const [result] = await client.query(sql);
    const results = Array.isArray(result) && Array.isArray(result[0]) ? result : [result];
    const last: unknown = results[results.length - 1];
    return Array.isArray(last) ? (last as R[]) : [];
  } finally {
    await client.end();
  }
}
