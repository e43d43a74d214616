/**
 * @module SqlSinkWriter: the delivery logic the SQL sinks share. Rows are buffered and written in
 * multi-row statements per batch; NONE and AT_LEAST_ONCE commit each statement on its own (AT_LEAST_ONCE
 * also at every checkpoint), EXACTLY_ONCE writes a checkpoint's rows into one transaction and prepares it
 * in `prepareCommit`. At most `maxBufferedBatches` batches wait for the database (in flight or queued)
 * in every guarantee: beyond that the writer is unavailable and its task takes no more input.
 */
import { WeirError } from '../core/errors.ts';
import type { CommittingSinkContext, CommittingSinkWriter } from '../operators/sink.ts';
import { retryWithBackoff, type RetryPolicy } from './retry-with-backoff.ts';
import type { SqlSinkDatabase, SqlSinkSession, SqlTransactionCommittable } from './sql-sink-database.ts';
import { connectSession, isRetriableSqlError, sqlSinkFailure, type SqlSinkTarget } from './sql-sink-failure.ts';
import type { ResolvedSqlSinkOptions } from './sql-sink-options.ts';
import { formatTransactionalId, newAttemptToken, type TransactionalId } from './transactional-id.ts';

export interface SqlSinkWriterSetup<T> {
  readonly options: ResolvedSqlSinkOptions<T>;
  readonly database: SqlSinkDatabase;
  readonly context: CommittingSinkContext;
  /** EXACTLY_ONCE: the prefix of the transaction ids. */
  readonly transactionalIdPrefix: string;
}

/** An EXACTLY_ONCE transaction: its connection (connected and begun) and the writes queued into it. */
interface OpenTransaction {
  readonly id: TransactionalId;
  readonly session: Promise<SqlSinkSession>;
  /** The writes so far, in order; rejects when one failed. */
  work: Promise<void>;
  rows: number;
}

type Row = readonly unknown[];

export class SqlSinkWriter<T> implements CommittingSinkWriter<T, SqlTransactionCommittable> {
  readonly #options: ResolvedSqlSinkOptions<T>;
  readonly #database: SqlSinkDatabase;
  readonly #target: SqlSinkTarget;
  readonly #context: CommittingSinkContext;
  readonly #policy: RetryPolicy;
  readonly #prefix: string;
  readonly #attempt = newAttemptToken();
  #buffer: Row[] = [];
  #failure: WeirError | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The batch interval passed while no batch had room: the buffered rows go with the next room. */
  #intervalDue = false;
  #lastCheckpointId: number;
  #closed = false;
  /** EXACTLY_ONCE: the transaction new rows go into; opened with the first batch after a checkpoint. */
  #transaction: OpenTransaction | undefined;
  /** EXACTLY_ONCE: every transaction opened and not yet prepared or abandoned (for close). */
  readonly #unprepared = new Set<OpenTransaction>();
  /** EXACTLY_ONCE: connections free for the next transaction. */
  readonly #idle: SqlSinkSession[] = [];
  /** NONE / AT_LEAST_ONCE: the batches written so far, in order. */
  #batches: Promise<void> = Promise.resolve();
  /** NONE / AT_LEAST_ONCE: the autocommit connection. */
  #session: SqlSinkSession | undefined;
  #sessionBusy = false;
  /** Batches handed to the database and not yet written or failed (in flight or waiting), in every guarantee. */
  #queued = 0;
  /** Set by the runtime (see `SinkWriter.onAvailable`). */
  onAvailable: (() => void) | undefined = undefined;

  constructor(setup: SqlSinkWriterSetup<T>) {
    this.#options = setup.options;
    this.#database = setup.database;
    this.#context = setup.context;
    this.#prefix = setup.transactionalIdPrefix;
    this.#lastCheckpointId = setup.context.restoredCheckpointId ?? 0;
    this.#policy = { maxRetries: setup.options.maxRetries, backoffMs: setup.options.retryBackoffMs };
    this.#target = {
      description: setup.context.description,
      database: setup.database,
      table: setup.options.table,
      columns: setup.options.columns,
      upsertKey: setup.options.upsertKey,
    };
  }

  write(value: T): void {
    this.#throwIfFailed();
    const row = this.#options.toRow(value);
    if (!Array.isArray(row) || row.length !== this.#options.columns.length) {
      const got = Array.isArray(row) ? `${row.length} value${row.length === 1 ? '' : 's'}` : `not an array`;
      throw new WeirError(
        'INVALID_OPTION',
        `${this.#context.description}: toRow returned ${got} for the ${this.#options.columns.length} columns (${this.#options.columns.join(', ')}) of table '${this.#options.table}'`,
        { hint: "make option 'toRow' return an array with one value per entry of 'columns', in the same order" },
      );
    }
    this.#buffer.push(row);
    // without room, the rows wait for a batch to be written (#batchDone); the task stops taking input meanwhile
    if (this.#buffer.length >= this.#options.batchSize) this.#sendFullBatches();
    if (this.#buffer.length > 0 && this.#options.batchIntervalMs > 0 && this.#timer === undefined && !this.#intervalDue) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (this.#closed || this.#failure !== undefined) return;
        this.#sendFullBatches();
        if (this.#hasRoom()) this.#sendBuffer();
        else this.#intervalDue = true;
      }, this.#options.batchIntervalMs);
      this.#timer.unref();
    }
  }

  /**
   * False while `maxBufferedBatches` batches wait for the database. A failed (or closed) writer is
   * available: the next `write` reports the failure.
   */
  isAvailable(): boolean {
    return this.#hasRoom() || this.#failure !== undefined || this.#closed;
  }

  /**
   * AT_LEAST_ONCE: writes everything buffered and waits for it (the runtime awaits this at every
   * checkpoint). NONE: only at the end of input. EXACTLY_ONCE: at the end of input the rows go into
   * the open transaction, which the final checkpoint prepares.
   */
  async flush(endOfInput: boolean): Promise<void> {
    this.#throwIfFailed();
    const guarantee = this.#options.deliveryGuarantee;
    if (guarantee === 'EXACTLY_ONCE') {
      if (endOfInput) {
        this.#sendBuffer();
        if (this.#transaction !== undefined) await this.#transaction.work;
      }
    } else if (guarantee === 'AT_LEAST_ONCE' || endOfInput) {
      this.#sendBuffer();
      await this.#batches;
    }
    this.#throwIfFailed();
  }

  /**
   * EXACTLY_ONCE: closes the current transaction for checkpoint `checkpointId` (rows written from now on
   * go into the next one) and prepares it; resolves to its committable, or none when it had no rows.
   * Other guarantees: writes what is buffered and returns no committables.
   */
  prepareCommit(checkpointId: number): Promise<SqlTransactionCommittable[]> {
    this.#throwIfFailed();
    if (this.#options.deliveryGuarantee !== 'EXACTLY_ONCE') {
      return this.flush(false).then(() => []);
    }
    this.#sendBuffer();
    this.#lastCheckpointId = Math.max(this.#lastCheckpointId, checkpointId);
    const transaction = this.#transaction;
    this.#transaction = undefined;
    if (transaction === undefined) return Promise.resolve([]);
    return this.#prepare(transaction);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#buffer = [];
    // an unprepared transaction is abandoned: dropping its connection rolls it back
    for (const transaction of this.#unprepared) {
      void transaction.session.then(
        (session) => session.destroy(),
        () => undefined,
      );
    }
    this.#unprepared.clear();
    this.#transaction = undefined;
    const idle = this.#idle.splice(0);
    const session = this.#session;
    this.#session = undefined;
    if (session !== undefined && this.#sessionBusy) session.destroy();
    else if (session !== undefined) idle.push(session);
    await Promise.all(idle.map((s) => s.close().catch(() => s.destroy())));
  }

  #hasRoom(): boolean {
    return this.#queued < this.#options.maxBufferedBatches;
  }

  /** A batch was written (or failed): rows that waited for room go now, and a task that waited is woken. */
  #batchDone(): void {
    const wasFull = !this.#hasRoom();
    this.#queued--;
    if (this.#closed) return;
    if (this.#failure === undefined) {
      this.#sendFullBatches();
      if (this.#intervalDue && this.#hasRoom()) this.#sendBuffer();
    }
    if (wasFull && this.isAvailable()) this.onAvailable?.();
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  #fail(action: string, error: unknown): WeirError {
    const failure = sqlSinkFailure(this.#target, action, error);
    this.#failure ??= failure;
    return failure;
  }

  /**
   * Hands every buffered row to the database, room or not (a checkpoint, the end of input; the batch
   * interval when there is room), in batches of at most `batchSize` rows: each counts against
   * `maxBufferedBatches`.
   */
  #sendBuffer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#intervalDue = false;
    const size = this.#options.batchSize;
    const rows = this.#buffer;
    if (rows.length === 0) return;
    this.#buffer = [];
    if (rows.length <= size) {
      this.#send(rows);
      return;
    }
    for (let i = 0; i < rows.length; i += size) this.#send(rows.slice(i, i + size));
  }

  /** Hands full batches of `batchSize` rows to the database while there is room; the rest stays buffered. */
  #sendFullBatches(): void {
    const size = this.#options.batchSize;
    while (this.#buffer.length >= size && this.#hasRoom()) {
      if (this.#buffer.length === size) {
        this.#sendBuffer();
        return;
      }
      // more than a batch waited for room (the rest of an input batch): one batch now, the rest with the next room
      this.#send(this.#buffer.splice(0, size));
    }
  }

  /** One batch into the open transaction (EXACTLY_ONCE) or as its own statements. */
  #send(buffered: Row[]): void {
    const rows = this.#deduplicate(buffered);
    if (this.#options.deliveryGuarantee === 'EXACTLY_ONCE') this.#writeIntoTransaction(rows);
    else this.#writeBatch(rows);
  }

  /** With an upsert key, only the last row per key: one statement may not update a row twice. */
  #deduplicate(rows: Row[]): Row[] {
    const key = this.#options.upsertKey;
    if (key === undefined) return rows;
    const positions = key.map((column) => this.#options.columns.indexOf(column));
    const latest = new Map<string, Row>();
    for (const row of rows) {
      const k = positions.map((i) => `${typeof row[i]}:${String(row[i])}`).join('\u0000');
      latest.delete(k);
      latest.set(k, row);
    }
    return latest.size === rows.length ? rows : [...latest.values()];
  }

  #statements(session: SqlSinkSession, rows: readonly Row[]): Row[][] {
    const size = Math.max(1, session.maxRowsPerStatement);
    const chunks: Row[][] = [];
    for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
    return chunks;
  }

  // --- NONE / AT_LEAST_ONCE ---

  #writeBatch(rows: readonly Row[]): void {
    const previous = this.#batches;
    this.#queued++;
    this.#batches = (async () => {
      try {
        await previous;
        if (this.#failure !== undefined || this.#closed) return;
        await this.#writeBatchNow(rows);
      } finally {
        this.#batchDone();
      }
    })();
    // the failure is kept in #failure and thrown by the next write, flush or prepareCommit
    this.#batches.catch(() => undefined);
  }

  async #writeBatchNow(rows: readonly Row[]): Promise<void> {
    try {
      await retryWithBackoff(
        this.#policy,
        (error) => isRetriableSqlError(this.#database, error),
        async () => {
          this.#session ??= await connectSession(this.#database);
          const session = this.#session;
          this.#sessionBusy = true;
          try {
            for (const statement of this.#statements(session, rows)) await session.writeRows(statement);
          } catch (error) {
            if (this.#database.isTransient(error)) {
              // a new connection for the retry: this one may be broken
              this.#session = undefined;
              session.destroy();
            }
            throw error;
          } finally {
            this.#sessionBusy = false;
          }
        },
      );
    } catch (error) {
      if (!this.#closed) throw this.#fail(`write ${rows.length} rows`, error);
    }
  }

  // --- EXACTLY_ONCE ---

  #openTransaction(): OpenTransaction {
    const id: TransactionalId = {
      prefix: this.#prefix,
      subtaskIndex: this.#context.subtaskIndex,
      checkpointId: this.#lastCheckpointId + 1,
      attempt: this.#attempt,
    };
    const session = this.#beginTransaction(id);
    const transaction: OpenTransaction = { id, session, work: session.then(() => undefined), rows: 0 };
    transaction.work.catch(() => undefined);
    this.#unprepared.add(transaction);
    return transaction;
  }

  /** A connection (reused or new, with retries) in which transaction `id` has begun. */
  async #beginTransaction(id: TransactionalId): Promise<SqlSinkSession> {
    try {
      return await retryWithBackoff(
        this.#policy,
        (error) => isRetriableSqlError(this.#database, error),
        async () => {
          const session = this.#idle.pop() ?? (await connectSession(this.#database));
          try {
            await session.beginTransaction(id);
            return session;
          } catch (error) {
            session.destroy();
            throw error;
          }
        },
      );
    } catch (error) {
      throw this.#fail(`begin transaction '${formatTransactionalId(id)}'`, error);
    }
  }

  #writeIntoTransaction(rows: readonly Row[]): void {
    const transaction = (this.#transaction ??= this.#openTransaction());
    transaction.rows += rows.length;
    const previous = transaction.work;
    this.#queued++;
    transaction.work = (async () => {
      try {
        await previous;
        if (this.#failure !== undefined) throw this.#failure;
        const session = await transaction.session;
        try {
          for (const statement of this.#statements(session, rows)) await session.writeRows(statement);
        } catch (error) {
          // the transaction is lost with its connection or aborted by the error: only a restore can redo its rows
          throw this.#fail(`write ${rows.length} rows into transaction '${formatTransactionalId(transaction.id)}'`, error);
        }
      } finally {
        this.#batchDone();
      }
    })();
    transaction.work.catch(() => undefined);
  }

  async #prepare(transaction: OpenTransaction): Promise<SqlTransactionCommittable[]> {
    await transaction.work;
    const session = await transaction.session;
    const transactionId = formatTransactionalId(transaction.id);
    try {
      await session.prepareTransaction(transaction.id);
    } catch (error) {
      this.#unprepared.delete(transaction);
      session.destroy();
      throw this.#fail(`prepare transaction '${transactionId}'`, error);
    }
    this.#unprepared.delete(transaction);
    if (this.#closed) {
      await session.close().catch(() => session.destroy());
    } else if (this.#database.sessionReusableAfterPrepare) {
      this.#idle.push(session);
    } else {
      // the prepared transaction detaches from its connection only when that connection ends
      await session.close().catch(() => session.destroy());
    }
    return [{ transactionId }];
  }
}
