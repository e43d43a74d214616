/**
 * @module MariaDbSink: writes records as rows of a MariaDB (or MySQL) table with the delivery guarantee
 * chosen: batched INSERTs (or upserts) for NONE and AT_LEAST_ONCE, and for EXACTLY_ONCE one XA
 * transaction per checkpoint and subtask (XA START ... XA END, XA PREPARE; XA COMMIT once the checkpoint
 * completed).
 */
import { createConnection } from 'mysql2/promise';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import type { SqlSinkDatabase, SqlSinkSession } from './sql-sink-database.ts';
import type { ResolvedSqlSinkOptions, SqlSinkOptions } from './sql-sink-options.ts';
import { SqlTwoPhaseCommitSink } from './sql-two-phase-commit-sink.ts';
import {
  parseTransactionalIdSuffix,
  transactionalIdSuffix,
  type TransactionalId,
} from './transactional-id.ts';

export type MariaDbSinkOptions<T> = SqlSinkOptions<T>;

const DEFAULT_PORT = 3306;
/** An XA id's global part (our prefix) holds at most 64 bytes. */
const MAX_PREFIX_LENGTH = 64;
/** Statements are formatted on the client; this keeps one well below max_allowed_packet. */
const MAX_ROWS_PER_STATEMENT = 1000;
/** ER_XAER_NOTA: "Unknown XID". */
const XAER_NOTA = 1397;
/** Server errors worth a retry: too many connections, server shutdown, lock wait timeout, deadlock, connection killed. */
const TRANSIENT_ERRNOS = new Set([1040, 1053, 1205, 1213, 1927, 2006, 2013]);

/**
 * Writes records into an existing MariaDB table.
 *
 * ```ts
 * counts.sinkTo(new MariaDbSink<[string, number]>({
 *   connection: { host: '127.0.0.1', port: 3306, user: 'weir', password: 'secret', database: 'analytics' },
 *   table: 'app_counts',
 *   columns: ['app', 'count'],
 *   toRow: ([app, count]) => [app, count],
 *   upsertKey: ['app'],                  // ON DUPLICATE KEY UPDATE
 * }));
 * ```
 *
 * EXACTLY_ONCE: MariaDB ties a prepared XA transaction to the connection that prepared it until that
 * connection closes (another connection's XA COMMIT answers "Unknown XID" meanwhile, while XA RECOVER
 * lists it), so the writer closes the connection after each XA PREPARE and the committer retries an
 * XID that XA RECOVER still lists. Once detached, a prepared transaction survives disconnects and
 * server restarts until committed or rolled back.
 */
export class MariaDbSink<T> extends SqlTwoPhaseCommitSink<T> {
  constructor(options: MariaDbSinkOptions<T>) {
    super(options, {
      sinkName: 'MariaDbSink',
      defaultPort: DEFAULT_PORT,
      maxTransactionalIdPrefixLength: MAX_PREFIX_LENGTH,
      createDatabase: (resolved) => new MariaDbDatabase(resolved),
    });
  }
}

/** XA COMMIT or ROLLBACK met an XID that XA RECOVER lists: it is still attached to the connection that prepared it. */
class PreparedTransactionBusy extends Error {
  constructor(transactionId: string) {
    super(`XA transaction '${transactionId}' is prepared but still attached to the connection that prepared it`);
    this.name = 'PreparedTransactionBusy';
  }
}

class MariaDbDatabase implements SqlSinkDatabase {
  readonly product = 'MariaDB';
  readonly address: string;
  readonly sessionReusableAfterPrepare = false;
  readonly maxTransactionalIdPrefixLength = MAX_PREFIX_LENGTH;
  readonly #options: Omit<ResolvedSqlSinkOptions<unknown>, 'toRow'>;
  readonly #insert: string;

  constructor(options: Omit<ResolvedSqlSinkOptions<unknown>, 'toRow'>) {
    this.#options = options;
    this.address = options.address;
    this.#insert = insertStatement(options.table, options.columns, options.upsertKey);
  }

  async connect(): Promise<SqlSinkSession> {
    const { connection, connectTimeoutMs } = this.#options;
    const config: ConnectionOptions =
      typeof connection === 'string' ? { uri: connection, connectTimeout: connectTimeoutMs } : { ...connection, connectTimeout: connectTimeoutMs };
    const client = await createConnection(config);
    // a connection lost while idle is reported on the next query; without a listener it would crash the thread
    client.on('error', () => undefined);
    return new MariaDbSession(client, this.#insert);
  }

  isTransient(error: unknown): boolean {
    if (error instanceof PreparedTransactionBusy) return true;
    if (!(error instanceof Error)) return false;
    const { errno, fatal, code } = error as { errno?: unknown; fatal?: unknown; code?: unknown };
    if (fatal === true) return true;
    if (typeof errno === 'number' && errno > 0 && typeof (error as { sqlState?: unknown }).sqlState === 'string') return TRANSIENT_ERRNOS.has(errno);
    return typeof code === 'string';
  }
}

function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

function insertStatement(table: string, columns: readonly string[], upsertKey: readonly string[] | undefined): string {
  const head = `INSERT INTO ${table.split('.').map(quoteIdentifier).join('.')} (${columns.map(quoteIdentifier).join(', ')}) VALUES ?`;
  if (upsertKey === undefined) return head;
  const others = columns.filter((column) => !upsertKey.includes(column));
  // every column a key column: a repeat changes nothing (INSERT IGNORE would also hide other errors)
  const updates = (others.length === 0 ? upsertKey.slice(0, 1) : others).map((c) => `${quoteIdentifier(c)} = VALUES(${quoteIdentifier(c)})`);
  return `${head} ON DUPLICATE KEY UPDATE ${updates.join(', ')}`;
}

class MariaDbSession implements SqlSinkSession {
  readonly maxRowsPerStatement = MAX_ROWS_PER_STATEMENT;
  readonly #client: Connection;
  readonly #insert: string;

  constructor(client: Connection, insert: string) {
    this.#client = client;
    this.#insert = insert;
  }

  async writeRows(rows: readonly (readonly unknown[])[]): Promise<void> {
    await this.#client.query(this.#insert, [rows]);
  }

  async beginTransaction(id: TransactionalId): Promise<void> {
    await this.#client.query(`XA START ${this.#xid(id.prefix, transactionalIdSuffix(id))}`);
  }

  async prepareTransaction(id: TransactionalId): Promise<void> {
    const xid = this.#xid(id.prefix, transactionalIdSuffix(id));
    await this.#client.query(`XA END ${xid}`);
    await this.#client.query(`XA PREPARE ${xid}`);
  }

  commitPrepared(transactionId: string): Promise<'committed' | 'unknown'> {
    return this.#finish('COMMIT', transactionId, 'committed');
  }

  rollbackPrepared(transactionId: string): Promise<'rolled-back' | 'unknown'> {
    return this.#finish('ROLLBACK', transactionId, 'rolled-back');
  }

  async listPrepared(prefix: string): Promise<TransactionalId[]> {
    const [rows] = await this.#client.query('XA RECOVER');
    const ids: TransactionalId[] = [];
    for (const row of rows as { gtrid_length: number; bqual_length: number; data: Buffer | string }[]) {
      const data = Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data, 'utf8');
      const global = data.subarray(0, row.gtrid_length).toString('utf8');
      if (global !== prefix) continue;
      const id = parseTransactionalIdSuffix(prefix, data.subarray(row.gtrid_length, row.gtrid_length + row.bqual_length).toString('utf8'));
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  async close(): Promise<void> {
    await this.#client.end();
  }

  destroy(): void {
    this.#client.destroy();
  }

  /** `'global','branch'`: the prefix is the XID's global part, the rest its branch qualifier. */
  #xid(prefix: string, suffix: string): string {
    return `${this.#client.escape(prefix)},${this.#client.escape(suffix)}`;
  }

  async #finish<Done extends string>(verb: 'COMMIT' | 'ROLLBACK', transactionId: string, done: Done): Promise<Done | 'unknown'> {
    const split = transactionId.indexOf(':');
    const prefix = transactionId.slice(0, split);
    const suffix = transactionId.slice(split + 1);
    try {
      await this.#client.query(`XA ${verb} ${this.#xid(prefix, suffix)}`);
      return done;
    } catch (error) {
      if ((error as { errno?: unknown }).errno !== XAER_NOTA) throw error;
    }
    // Unknown XID: finished before, unless XA RECOVER lists it (still attached to its connection)
    const id = parseTransactionalIdSuffix(prefix, suffix);
    const listed = id !== undefined && (await this.listPrepared(prefix)).some((p) => transactionalIdSuffix(p) === suffix);
    if (listed) throw new PreparedTransactionBusy(transactionId);
    return 'unknown';
  }
}
