/**
 * @module The narrow interface between the SQL sinks' delivery logic (batches, transactions, retries)
 * and one database product: how to connect, write rows, and run the two phases of a commit.
 */
import { Types } from '../types/types.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import type { TransactionalId } from './transactional-id.ts';

/** What a committable of a SQL sink carries: the prepared transaction's id. Plain data. */
export interface SqlTransactionCommittable {
  /** `<prefix>:<subtask>:<checkpoint>:<attempt>` (see transactional-id.ts). */
  readonly transactionId: string;
}

/** How checkpoints store a SQL sink's committables. */
export const sqlTransactionCommittableType: TypeSerializer<SqlTransactionCommittable> = Types.object({ transactionId: Types.string });

/** One database product with one table, as the SQL sinks use it. */
export interface SqlSinkDatabase {
  /** 'PostgreSQL', 'MariaDB': for messages. */
  readonly product: string;
  /** `host:port`, for messages. */
  readonly address: string;
  /**
   * False where a prepared transaction stays tied to the connection that prepared it until that
   * connection closes (MariaDB): the writer then closes the connection after each prepare.
   */
  readonly sessionReusableAfterPrepare: boolean;
  /** The longest transactional id prefix the product takes. */
  readonly maxTransactionalIdPrefixLength: number;
  /** Opens a connection; rejects with the client's error. */
  connect(): Promise<SqlSinkSession>;
  /** Worth retrying on a new connection: a lost or refused connection, a deadlock, too many connections. */
  isTransient(error: unknown): boolean;
}

/** One connection. Methods reject with the client's error; `isTransient` classifies it. */
export interface SqlSinkSession {
  /** Writes rows (at most `maxRowsPerStatement`) with one INSERT, or upsert when the sink has an upsert key. */
  writeRows(rows: readonly (readonly unknown[])[]): Promise<void>;
  /** How many rows one statement may carry (the product's limit on bound parameters). */
  readonly maxRowsPerStatement: number;
  /** Starts the transaction the following writes belong to. */
  beginTransaction(id: TransactionalId): Promise<void>;
  /** The first phase: the transaction survives this connection and a server restart, invisible until committed. */
  prepareTransaction(id: TransactionalId): Promise<void>;
  /** The second phase; 'unknown' when the database has no such prepared transaction (committed before). */
  commitPrepared(transactionId: string): Promise<'committed' | 'unknown'>;
  rollbackPrepared(transactionId: string): Promise<'rolled-back' | 'unknown'>;
  /** The prepared transactions of this database whose id has `prefix`. */
  listPrepared(prefix: string): Promise<TransactionalId[]>;
  /** Ends the connection politely; an open, unprepared transaction is rolled back. */
  close(): Promise<void>;
  /** Drops the connection at once. */
  destroy(): void;
}
