/**
 * @module The second phase of the SQL sinks' two-phase commit: SqlTransactionCommitter commits prepared
 * transactions (one the database no longer knows counts as committed before), and
 * abortLingeringSqlTransactions rolls back what earlier attempts prepared and nobody will commit.
 */
import type { Committer, CommittingSinkContext } from '../operators/sink.ts';
import { retryWithBackoff, type RetryPolicy } from './retry-with-backoff.ts';
import type { SqlSinkDatabase, SqlSinkSession, SqlTransactionCommittable } from './sql-sink-database.ts';
import { connectSession, isRetriableSqlError, sqlSinkFailure, type SqlSinkTarget } from './sql-sink-failure.ts';
import { formatTransactionalId, isOwnedBySubtask } from './transactional-id.ts';

/** Runs `action` on a connection held across calls, reconnecting (with retries) after a transient failure. */
class RetryingSession {
  readonly #database: SqlSinkDatabase;
  readonly #policy: RetryPolicy;
  #session: SqlSinkSession | undefined;

  constructor(database: SqlSinkDatabase, policy: RetryPolicy) {
    this.#database = database;
    this.#policy = policy;
  }

  run<R>(action: (session: SqlSinkSession) => Promise<R>): Promise<R> {
    return retryWithBackoff(
      this.#policy,
      (error) => isRetriableSqlError(this.#database, error),
      async () => {
        this.#session ??= await connectSession(this.#database);
        const session = this.#session;
        try {
          return await action(session);
        } catch (error) {
          if (this.#database.isTransient(error)) {
            this.#session = undefined;
            session.destroy();
          }
          throw error;
        }
      },
    );
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await session?.close().catch(() => session.destroy());
  }
}

export class SqlTransactionCommitter implements Committer<SqlTransactionCommittable> {
  readonly #target: SqlSinkTarget;
  readonly #session: RetryingSession;

  constructor(target: SqlSinkTarget, policy: RetryPolicy) {
    this.#target = target;
    this.#session = new RetryingSession(target.database, policy);
  }

  /** Commits each committable; one the database does not know (committed before) counts as done. */
  async commit(committables: readonly SqlTransactionCommittable[]): Promise<void> {
    for (const { transactionId } of committables) {
      try {
        await this.#session.run((session) => session.commitPrepared(transactionId));
      } catch (error) {
        throw sqlSinkFailure(this.#target, `commit prepared transaction '${transactionId}'`, error);
      }
    }
  }

  close(): Promise<void> {
    return this.#session.close();
  }
}

/**
 * Rolls back the prepared transactions with `prefix` that an earlier subtask s with
 * `s % parallelism === subtaskIndex` left behind; returns their ids.
 */
export async function abortLingeringSqlTransactions(
  target: SqlSinkTarget,
  policy: RetryPolicy,
  prefix: string,
  context: CommittingSinkContext,
): Promise<string[]> {
  const session = new RetryingSession(target.database, policy);
  const aborted: string[] = [];
  try {
    const lingering = await session.run((s) => s.listPrepared(prefix));
    for (const id of lingering) {
      if (!isOwnedBySubtask(id, context)) continue;
      const transactionId = formatTransactionalId(id);
      try {
        await session.run((s) => s.rollbackPrepared(transactionId));
      } catch (error) {
        throw sqlSinkFailure(target, `roll back lingering transaction '${transactionId}'`, error);
      }
      aborted.push(transactionId);
    }
  } catch (error) {
    throw sqlSinkFailure(target, `list lingering prepared transactions`, error);
  } finally {
    await session.close();
  }
  return aborted;
}
