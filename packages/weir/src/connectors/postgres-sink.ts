/**
 * @module PostgresSink: writes records as rows of a PostgreSQL table with the delivery guarantee chosen:
 * batched INSERTs (or upserts) for NONE and AT_LEAST_ONCE, and for EXACTLY_ONCE one transaction per
 * checkpoint and subtask, prepared with PREPARE TRANSACTION and committed with COMMIT PREPARED.
 */
import { Client, DatabaseError, escapeIdentifier, escapeLiteral } from 'pg';
import type { ClientConfig } from 'pg';
import type { SqlSinkDatabase, SqlSinkSession } from './sql-sink-database.ts';
import type { ResolvedSqlSinkOptions, SqlSinkOptions } from './sql-sink-options.ts';
import { SqlTwoPhaseCommitSink } from './sql-two-phase-commit-sink.ts';
import {
  formatTransactionalId,
  parseTransactionalId,
  type TransactionalId,
} from './transactional-id.ts';

export type PostgresSinkOptions<T> = SqlSinkOptions<T>;

const DEFAULT_PORT = 5432;
/** PostgreSQL's gid is at most 199 bytes; the part after the prefix takes at most 40. */
const MAX_PREFIX_LENGTH = 150;
/** The protocol's limit on bound parameters in one statement. */
const MAX_PARAMETERS = 65_535;
/** SQLSTATEs worth a retry besides class 08 (connection exception). */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '53300', '57P01', '57P02', '57P03']);
const UNDEFINED_OBJECT = '42704';

/**
 * Writes records into an existing PostgreSQL table.
 *
 * ```ts
 * counts.sinkTo(new PostgresSink<[string, number]>({
 *   connection: { host: '127.0.0.1', port: 5432, user: 'weir', password: 'secret', database: 'analytics' },
 *   table: 'app_counts',
 *   columns: ['app', 'count'],
 *   toRow: ([app, count]) => [app, count],
 *   deliveryGuarantee: 'EXACTLY_ONCE',   // needs max_prepared_transactions > 0 on the server
 * }));
 * ```
 */
export class PostgresSink<T> extends SqlTwoPhaseCommitSink<T> {
  constructor(options: PostgresSinkOptions<T>) {
    super(options, {
      sinkName: 'PostgresSink',
      defaultPort: DEFAULT_PORT,
      maxTransactionalIdPrefixLength: MAX_PREFIX_LENGTH,
      createDatabase: (resolved) => new PostgresDatabase(resolved),
    });
  }
}

class PostgresDatabase implements SqlSinkDatabase {
  readonly product = 'PostgreSQL';
  readonly address: string;
  readonly sessionReusableAfterPrepare = true;
  readonly maxTransactionalIdPrefixLength = MAX_PREFIX_LENGTH;
  readonly #options: Omit<ResolvedSqlSinkOptions<unknown>, 'toRow'>;
  readonly #insert: InsertStatement;

  constructor(options: Omit<ResolvedSqlSinkOptions<unknown>, 'toRow'>) {
    this.#options = options;
    this.address = options.address;
    this.#insert = insertStatement(options.table, options.columns, options.upsertKey);
  }

  async connect(): Promise<SqlSinkSession> {
    const { connection, connectTimeoutMs } = this.#options;
    const config: ClientConfig =
      typeof connection === 'string'
        ? { connectionString: connection, connectionTimeoutMillis: connectTimeoutMs }
        : { ...connection, connectionTimeoutMillis: connectTimeoutMs };
    const client = new Client({ ...config, application_name: 'weir' });
    // a connection lost while idle is reported on the next query; without a listener it would crash the thread
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      void client.end().catch(() => undefined);
      throw error;
    }
    return new PostgresSession(client, this.#insert, this.#options.columns.length);
  }

  isTransient(error: unknown): boolean {
    if (error instanceof DatabaseError) {
      const code = error.code ?? '';
      return code.startsWith('08') || TRANSIENT_SQLSTATES.has(code);
    }
    if (!(error instanceof Error)) return false;
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' || /connect|terminat|timeout|closed|not queryable/i.test(error.message);
  }
}

interface InsertStatement {
  /** `INSERT INTO "t" ("a", "b") VALUES `, followed by the placeholders. */
  readonly head: string;
  /** The ON CONFLICT clause of an upsert, or ''. */
  readonly tail: string;
}

function insertStatement(table: string, columns: readonly string[], upsertKey: readonly string[] | undefined): InsertStatement {
  const quotedTable = table.split('.').map(escapeIdentifier).join('.');
  const head = `INSERT INTO ${quotedTable} (${columns.map(escapeIdentifier).join(', ')}) VALUES `;
  if (upsertKey === undefined) return { head, tail: '' };
  const others = columns.filter((column) => !upsertKey.includes(column));
  const action =
    others.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${others.map((c) => `${escapeIdentifier(c)} = EXCLUDED.${escapeIdentifier(c)}`).join(', ')}`;
  return { head, tail: ` ON CONFLICT (${upsertKey.map(escapeIdentifier).join(', ')}) ${action}` };
}

class PostgresSession implements SqlSinkSession {
  readonly maxRowsPerStatement: number;
  readonly #client: Client;
  readonly #insert: InsertStatement;
  readonly #width: number;

  constructor(client: Client, insert: InsertStatement, width: number) {
    this.#client = client;
    this.#insert = insert;
    this.#width = width;
    this.maxRowsPerStatement = Math.floor(MAX_PARAMETERS / width);
  }

  async writeRows(rows: readonly (readonly unknown[])[]): Promise<void> {
    const width = this.#width;
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (const row of rows) {
      const base = values.length;
      tuples.push(`(${row.map((_, i) => `$${base + i + 1}`).join(', ')})`);
      for (let i = 0; i < width; i++) values.push(row[i]);
    }
    await this.#client.query(`${this.#insert.head}${tuples.join(', ')}${this.#insert.tail}`, values);
  }

  async beginTransaction(): Promise<void> {
    await this.#client.query('BEGIN');
  }

  async prepareTransaction(id: TransactionalId): Promise<void> {
    await this.#client.query(`PREPARE TRANSACTION ${escapeLiteral(formatTransactionalId(id))}`);
  }

  commitPrepared(transactionId: string): Promise<'committed' | 'unknown'> {
    return this.#finish(`COMMIT PREPARED ${escapeLiteral(transactionId)}`, 'committed');
  }

  rollbackPrepared(transactionId: string): Promise<'rolled-back' | 'unknown'> {
    return this.#finish(`ROLLBACK PREPARED ${escapeLiteral(transactionId)}`, 'rolled-back');
  }

  async listPrepared(prefix: string): Promise<TransactionalId[]> {
    const result = await this.#client.query<{ gid: string }>('SELECT gid FROM pg_prepared_xacts WHERE database = current_database() ORDER BY prepared');
    return result.rows.map((row) => parseTransactionalId(row.gid, prefix)).filter((id) => id !== undefined);
  }

  async close(): Promise<void> {
    await this.#client.end();
  }

  destroy(): void {
    // end() after a lost connection still settles; the socket is destroyed either way
    void this.#client.end().catch(() => undefined);
  }

  async #finish<Done extends string>(sql: string, done: Done): Promise<Done | 'unknown'> {
    try {
      await this.#client.query(sql);
      return done;
    } catch (error) {
      // no such prepared transaction: finished by an earlier call (commits are repeated after restores)
      if (error instanceof DatabaseError && error.code === UNDEFINED_OBJECT) return 'unknown';
      throw error;
    }
  }
}
