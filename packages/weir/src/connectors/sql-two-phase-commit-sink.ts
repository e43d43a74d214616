/**
 * @module SqlTwoPhaseCommitSink: what the PostgreSQL and MariaDB sinks share as sinks: options, the
 * writer, the committer and the abort of lingering transactions. Each database gives only its
 * SqlSinkDatabase (how it connects, inserts, prepares and commits), its default port and how long a
 * transactional id prefix may be.
 */
import type { CommittingSinkContext, DeliveryGuarantee, TwoPhaseCommittingSink } from '../operators/sink.ts';
import { sqlTransactionCommittableType, type SqlSinkDatabase, type SqlTransactionCommittable } from './sql-sink-database.ts';
import type { SqlSinkTarget } from './sql-sink-failure.ts';
import { resolveSqlSinkOptions, type ResolvedSqlSinkOptions, type SqlSinkOptions } from './sql-sink-options.ts';
import { SqlSinkWriter } from './sql-sink-writer.ts';
import { abortLingeringSqlTransactions, SqlTransactionCommitter } from './sql-transaction-committer.ts';
import { checkTransactionalIdPrefix, defaultTransactionalIdPrefix } from './transactional-id.ts';

/** What one database brings to a SqlTwoPhaseCommitSink. */
export interface SqlSinkDialect {
  /** The sink's class name, for `name` and errors (`PostgresSink`). */
  readonly sinkName: string;
  readonly defaultPort: number;
  readonly maxTransactionalIdPrefixLength: number;
  createDatabase(options: Omit<ResolvedSqlSinkOptions<unknown>, 'toRow'>): SqlSinkDatabase;
}

export class SqlTwoPhaseCommitSink<T> implements TwoPhaseCommittingSink<T, SqlTransactionCommittable> {
  readonly name: string;
  readonly deliveryGuarantee: DeliveryGuarantee;
  readonly committableType = sqlTransactionCommittableType;
  readonly #options: ResolvedSqlSinkOptions<T>;
  readonly #dialect: SqlSinkDialect;

  constructor(options: SqlSinkOptions<T>, dialect: SqlSinkDialect) {
    const where = `new ${dialect.sinkName}()`;
    this.#dialect = dialect;
    this.#options = resolveSqlSinkOptions(options, where, dialect.defaultPort);
    if (this.#options.transactionalIdPrefix !== undefined) {
      checkTransactionalIdPrefix(this.#options.transactionalIdPrefix, dialect.maxTransactionalIdPrefixLength, where);
    }
    this.deliveryGuarantee = this.#options.deliveryGuarantee;
    this.name = `${dialect.sinkName}(${this.#options.table})`;
  }

  createWriter(context: CommittingSinkContext): SqlSinkWriter<T> {
    return new SqlSinkWriter<T>({
      options: this.#options,
      database: this.#dialect.createDatabase(this.#options),
      context,
      transactionalIdPrefix: this.#prefix(context),
    });
  }

  createCommitter(context: CommittingSinkContext): SqlTransactionCommitter {
    return new SqlTransactionCommitter(this.#target(context), this.#policy());
  }

  /** EXACTLY_ONCE: rolls back this subtask's share of the prepared transactions with this sink's prefix. */
  async abortLingering(context: CommittingSinkContext): Promise<void> {
    if (this.deliveryGuarantee !== 'EXACTLY_ONCE') return;
    await abortLingeringSqlTransactions(this.#target(context), this.#policy(), this.#prefix(context), context);
  }

  #prefix(context: CommittingSinkContext): string {
    return this.#options.transactionalIdPrefix ?? defaultTransactionalIdPrefix(context, this.#options.table);
  }

  #policy(): { maxRetries: number; backoffMs: number } {
    return { maxRetries: this.#options.maxRetries, backoffMs: this.#options.retryBackoffMs };
  }

  #target(context: CommittingSinkContext): SqlSinkTarget {
    const { table, columns, upsertKey } = this.#options;
    return { description: context.description, database: this.#dialect.createDatabase(this.#options), table, columns, upsertKey };
  }
}
