/**
 * @module How the SQL sinks report a failure: one WeirError naming the sink and subtask, the server
 * (product, host:port), the table, how many attempts were made, and what to do.
 */
import { describeCause, WeirError } from '../core/errors.ts';
import { RetriesExhausted } from './retry-with-backoff.ts';
import type { SqlSinkDatabase, SqlSinkSession } from './sql-sink-database.ts';

/** Where a SQL sink writes, for messages. */
export interface SqlSinkTarget {
  /** The writer context's description: `sink 'name' (uid x) subtask i/p`. */
  readonly description: string;
  readonly database: SqlSinkDatabase;
  readonly table: string;
  readonly columns: readonly string[];
  readonly upsertKey: readonly string[] | undefined;
}

/** Thrown by a connection attempt: always worth a retry (the server may be starting). */
export class ConnectFailed extends Error {
  constructor(cause: unknown) {
    super(describeError(cause), { cause });
    this.name = 'ConnectFailed';
  }
}

/** Opens a session, turning its failure into ConnectFailed. */
export async function connectSession(database: SqlSinkDatabase): Promise<SqlSinkSession> {
  try {
    return await database.connect();
  } catch (error) {
    throw new ConnectFailed(error);
  }
}

/** Whether retrying `error` may help: a failed connection attempt, or what the database calls transient. */
export function isRetriableSqlError(database: SqlSinkDatabase, error: unknown): boolean {
  return error instanceof ConnectFailed || database.isTransient(error);
}

/** The WeirError for a failure of `action` (e.g. 'write rows', 'commit transaction x'). */
export function sqlSinkFailure(target: SqlSinkTarget, action: string, error: unknown): WeirError {
  if (error instanceof WeirError) return error;
  const attempts = error instanceof RetriesExhausted ? error.attempts : 1;
  let cause = error instanceof RetriesExhausted ? error.cause : error;
  const connecting = cause instanceof ConnectFailed;
  if (cause instanceof ConnectFailed) cause = cause.cause;
  const { database, table } = target;
  const transient = connecting || error instanceof RetriesExhausted || database.isTransient(cause);
  const what = connecting ? `connect to ${database.product} at ${database.address}` : `${action} in ${database.product} at ${database.address}`;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  let hint: string;
  if (connecting) {
    hint = `check that ${database.product} runs at ${database.address} and that the user, password and database of option 'connection' are right`;
  } else if (transient) {
    hint = `the connection to ${database.product} failed or the server refused the work for now; the job recovers from its last checkpoint`;
  } else {
    const key = target.upsertKey === undefined ? '' : ` and a primary key or unique constraint on (${target.upsertKey.join(', ')}) for 'upsertKey'`;
    hint = `check that table '${table}' exists with columns (${target.columns.join(', ')})${key}, and that toRow's values fit their types`;
  }
  return new WeirError('SINK_FAILED', `${target.description} could not ${what} (table '${table}')${tries}: ${describeError(cause)}`, {
    cause,
    retriable: transient,
    hint,
  });
}

/** A one-line description, looking into AggregateError (a host name with several addresses). */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map((inner) => describeCause(inner)).join('; ');
  }
  return describeCause(error);
}
