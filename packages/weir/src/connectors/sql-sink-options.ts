/**
 * @module The options the SQL sinks (PostgresSink, MariaDbSink) share, with Flink's JDBC sink defaults,
 * and their validation: a bad option fails when the sink is constructed, naming the option.
 */
import { WeirError } from '../core/errors.ts';
import { checkChoice, checkInteger, checkNonEmptyString, invalidOption } from '../core/options.ts';
import type { DeliveryGuarantee } from '../operators/sink.ts';

/** Where the database is. Unset fields take the client library's defaults (and its PG* / env settings). */
export interface SqlConnectionOptions {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly database?: string | undefined;
}

export interface SqlSinkOptions<T> {
  /** The server: host, port, user, password, database; or a connection string (`postgres://...`, `mysql://...`). */
  readonly connection: SqlConnectionOptions | string;
  /** The table to write to, optionally with its schema (`analytics.counts`); it must exist. */
  readonly table: string;
  /** The table's columns that `toRow` fills, in order. */
  readonly columns: readonly string[];
  /** One value per column, in the order of `columns`. */
  readonly toRow: (value: T) => readonly unknown[];
  /** Default AT_LEAST_ONCE (Flink's JDBC sink default). */
  readonly deliveryGuarantee?: DeliveryGuarantee | undefined;
  /**
   * Columns of a unique key: rows are upserted (a later row with the same key replaces the earlier one),
   * which makes replays after a restore idempotent. The table needs a primary key or unique
   * constraint on exactly these columns.
   */
  readonly upsertKey?: readonly string[] | undefined;
  /** Rows written in one round of multi-row statements (Flink's JdbcExecutionOptions default 5000). */
  readonly batchSize?: number | undefined;
  /** Writes buffered rows this long after the first of them arrived; 0 (default): only on batch size and checkpoints. */
  readonly batchIntervalMs?: number | undefined;
  /**
   * Batches a subtask may have handed to the database and not yet written (running or waiting) before
   * it takes no more input (default 2): however slow the database, a subtask holds at most this many + 1
   * batches of `batchSize` rows, and one batch of input.
   */
  readonly maxBufferedBatches?: number | undefined;
  /** Retries of a failed connection or transient error before the sink fails the task (default 3). */
  readonly maxRetries?: number | undefined;
  /** The first retry waits this long; each further retry waits twice as long as the one before (default 1000). */
  readonly retryBackoffMs?: number | undefined;
  /** How long one connection attempt may take (default 10000). */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * EXACTLY_ONCE: the start of every transaction id this sink writes; by default derived from the job name
   * and the sink's uid. Must stay the same across restarts and be different for every sink writing to
   * the same database.
   */
  readonly transactionalIdPrefix?: string | undefined;
}

/** The options after validation, with defaults filled in. */
export interface ResolvedSqlSinkOptions<T> {
  readonly connection: SqlConnectionOptions | string;
  /** `host:port`, for messages. */
  readonly address: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly toRow: (value: T) => readonly unknown[];
  readonly deliveryGuarantee: DeliveryGuarantee;
  readonly upsertKey: readonly string[] | undefined;
  readonly batchSize: number;
  readonly batchIntervalMs: number;
  readonly maxBufferedBatches: number;
  readonly maxRetries: number;
  readonly retryBackoffMs: number;
  readonly connectTimeoutMs: number;
  readonly transactionalIdPrefix: string | undefined;
}

export const DEFAULT_BATCH_SIZE = 5000;
export const DEFAULT_MAX_BUFFERED_BATCHES = 2;
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_RETRY_BACKOFF_MS = 1000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const GUARANTEES = ['EXACTLY_ONCE', 'AT_LEAST_ONCE', 'NONE'] as const;

/** Checks `options` for a sink constructor (`where`, e.g. `new PostgresSink()`); `defaultPort` completes the address. */
export function resolveSqlSinkOptions<T>(options: SqlSinkOptions<T>, where: string, defaultPort: number): ResolvedSqlSinkOptions<T> {
  if (typeof options !== 'object' || options === null) invalidOption('options', options, 'an object with connection, table, columns and toRow', where);
  const table = checkNonEmptyString('table', options.table, where);
  if (table.split('.').some((part) => part === '')) invalidOption('table', table, "a table name, or 'schema.table'", where);
  const columns = checkColumnList('columns', options.columns, where);
  if (typeof options.toRow !== 'function') {
    invalidOption('toRow', options.toRow, `a function returning one value per column (${columns.length}: ${columns.join(', ')})`, where);
  }
  const upsertKey = options.upsertKey === undefined ? undefined : checkColumnList('upsertKey', options.upsertKey, where);
  if (upsertKey !== undefined) {
    const unknown = upsertKey.filter((column) => !columns.includes(column));
    if (unknown.length > 0) {
      throw new WeirError('INVALID_OPTION', `invalid value for option 'upsertKey' (${where}): ${unknown.map((c) => `'${c}'`).join(', ')} not in columns`, {
        hint: `upsertKey names columns of the unique key, each one of 'columns' (${columns.join(', ')})`,
      });
    }
  }
  return {
    connection: checkConnection(options.connection, where),
    address: addressOf(options.connection, defaultPort),
    table,
    columns,
    toRow: options.toRow,
    deliveryGuarantee: options.deliveryGuarantee === undefined ? 'AT_LEAST_ONCE' : checkChoice('deliveryGuarantee', options.deliveryGuarantee, GUARANTEES, where),
    upsertKey,
    batchSize: options.batchSize === undefined ? DEFAULT_BATCH_SIZE : checkInteger('batchSize', options.batchSize, 1, 10_000_000, where),
    batchIntervalMs: options.batchIntervalMs === undefined ? 0 : checkInteger('batchIntervalMs', options.batchIntervalMs, 0, 86_400_000, where),
    maxBufferedBatches:
      options.maxBufferedBatches === undefined ? DEFAULT_MAX_BUFFERED_BATCHES : checkInteger('maxBufferedBatches', options.maxBufferedBatches, 1, 1000, where),
    maxRetries: options.maxRetries === undefined ? DEFAULT_MAX_RETRIES : checkInteger('maxRetries', options.maxRetries, 0, 100, where),
    retryBackoffMs: options.retryBackoffMs === undefined ? DEFAULT_RETRY_BACKOFF_MS : checkInteger('retryBackoffMs', options.retryBackoffMs, 0, 600_000, where),
    connectTimeoutMs:
      options.connectTimeoutMs === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : checkInteger('connectTimeoutMs', options.connectTimeoutMs, 1, 600_000, where),
    transactionalIdPrefix: options.transactionalIdPrefix,
  };
}

function checkColumnList(option: string, value: unknown, where: string): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((c) => typeof c !== 'string' || c === '')) {
    invalidOption(option, value, 'a non-empty array of column names', where);
  }
  const names = value as string[];
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) invalidOption(option, value, `column names without repeats ('${duplicate}' appears twice)`, where);
  return [...names];
}

function checkConnection(value: unknown, where: string): SqlConnectionOptions | string {
  if (typeof value === 'string') {
    if (value === '') invalidOption('connection', value, 'a connection string or { host, port, user, password, database }', where);
    return value;
  }
  if (typeof value !== 'object' || value === null) {
    invalidOption('connection', value, 'a connection string or { host, port, user, password, database }', where);
  }
  const connection = value as SqlConnectionOptions;
  if (connection.port !== undefined) checkInteger('connection.port', connection.port, 1, 65_535, where);
  return { ...connection };
}

/** `host:port` of a connection, for messages; never includes the password. */
function addressOf(connection: SqlConnectionOptions | string, defaultPort: number): string {
  if (typeof connection === 'string') {
    try {
      const url = new URL(connection);
      return `${url.hostname === '' ? 'localhost' : url.hostname}:${url.port === '' ? defaultPort : url.port}`;
    } catch {
      return 'the server of the connection string';
    }
  }
  return `${connection.host ?? 'localhost'}:${connection.port ?? defaultPort}`;
}
