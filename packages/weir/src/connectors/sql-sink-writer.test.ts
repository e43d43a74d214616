/**
 * @module Tests of SqlSinkWriter's bounded queue against an in-memory database whose statements end only
 * when the test says so: at most `maxBufferedBatches` batches wait for the database, in every delivery
 * guarantee; beyond that the writer is unavailable and calls `onAvailable` once it has room again; a
 * checkpoint while it is unavailable completes; a failure wakes the task.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import type { CommittingSinkContext, DeliveryGuarantee } from '../operators/sink.ts';
import type { SqlSinkDatabase, SqlSinkSession } from './sql-sink-database.ts';
import { resolveSqlSinkOptions, type SqlSinkOptions } from './sql-sink-options.ts';
import { SqlSinkWriter } from './sql-sink-writer.ts';
import { formatTransactionalId, type TransactionalId } from './transactional-id.ts';

/** One INSERT the writer started: `transaction` is undefined for an autocommit statement. */
interface Statement {
  readonly rows: readonly number[];
  readonly transaction: string | undefined;
  done: boolean;
  finish(): void;
  fail(error: Error): void;
}

/** A database as slow as the test wants: every statement waits until the test finishes (or fails) it. */
class HeldDatabase implements SqlSinkDatabase {
  readonly product = 'HeldDB';
  readonly address = 'memory:1';
  readonly sessionReusableAfterPrepare = true;
  readonly maxTransactionalIdPrefixLength = 100;
  readonly started: Statement[] = [];
  /** Rows of finished statements, in the order they finished. */
  readonly written: number[] = [];
  readonly prepared: string[] = [];

  connect(): Promise<SqlSinkSession> {
    return Promise.resolve(new HeldSession(this));
  }

  isTransient(): boolean {
    return false;
  }

  /** Finishes the oldest running statement and lets the writer react. */
  async finishNext(): Promise<Statement> {
    const statement = this.started.find((s) => !s.done);
    assert.ok(statement !== undefined, 'a statement is running');
    statement.finish();
    await settle();
    return statement;
  }
}

class HeldSession implements SqlSinkSession {
  readonly maxRowsPerStatement = 1000;
  readonly #database: HeldDatabase;
  #transaction: string | undefined;

  constructor(database: HeldDatabase) {
    this.#database = database;
  }

  writeRows(rows: readonly (readonly unknown[])[]): Promise<void> {
    const database = this.#database;
    return new Promise((resolve, reject) => {
      const statement: Statement = {
        rows: rows.map((row) => row[0] as number),
        transaction: this.#transaction,
        done: false,
        finish() {
          statement.done = true;
          database.written.push(...statement.rows);
          resolve();
        },
        fail(error) {
          statement.done = true;
          reject(error);
        },
      };
      database.started.push(statement);
    });
  }

  beginTransaction(id: TransactionalId): Promise<void> {
    this.#transaction = formatTransactionalId(id);
    return Promise.resolve();
  }

  prepareTransaction(id: TransactionalId): Promise<void> {
    this.#database.prepared.push(formatTransactionalId(id));
    this.#transaction = undefined;
    return Promise.resolve();
  }

  commitPrepared(): Promise<'committed'> {
    return Promise.resolve('committed');
  }

  rollbackPrepared(): Promise<'rolled-back'> {
    return Promise.resolve('rolled-back');
  }

  listPrepared(): Promise<TransactionalId[]> {
    return Promise.resolve([]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  destroy(): void {}
}

/** Lets promise chains and immediate callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

const context: CommittingSinkContext = {
  subtaskIndex: 0,
  parallelism: 1,
  attemptNumber: 0,
  description: "sink 'numbers' (uid numbers-sink) subtask 1/1",
  restoredCheckpointId: undefined,
  jobName: 'numbers job',
  operatorUid: 'numbers-sink',
  sendEventToCoordinator() {},
};

function writerFor(database: HeldDatabase, options: Partial<SqlSinkOptions<number>>): SqlSinkWriter<number> & { woken: number } {
  const resolved = resolveSqlSinkOptions<number>({ connection: 'memory://held', table: 'numbers', columns: ['id'], toRow: (i) => [i], maxRetries: 0, ...options }, 'test', 1);
  const writer = new SqlSinkWriter<number>({ options: resolved, database, context, transactionalIdPrefix: 'numbers' }) as SqlSinkWriter<number> & { woken: number };
  writer.woken = 0;
  writer.onAvailable = () => writer.woken++;
  return writer;
}

function range(from: number, to: number): number[] {
  const values: number[] = [];
  for (let i = from; i < to; i++) values.push(i);
  return values;
}

function writeRange(writer: SqlSinkWriter<number>, from: number, to: number): void {
  for (const i of range(from, to)) writer.write(i);
}

const GUARANTEES: readonly DeliveryGuarantee[] = ['NONE', 'AT_LEAST_ONCE', 'EXACTLY_ONCE'];

describe('SqlSinkWriter keeps at most maxBufferedBatches batches waiting for the database', () => {
  for (const guarantee of GUARANTEES) {
    test(`${guarantee}: unavailable with two batches waiting, rows beyond stay buffered, onAvailable once there is room`, async () => {
      const database = new HeldDatabase();
      const writer = writerFor(database, { deliveryGuarantee: guarantee, batchSize: 10, maxBufferedBatches: 2 });
      writeRange(writer, 0, 10);
      assert.equal(writer.isAvailable(), true, 'one batch waits');
      writeRange(writer, 10, 20);
      assert.equal(writer.isAvailable(), false, 'two batches wait');
      // the rest of the input batch the task was in: buffered, not handed to the database
      writeRange(writer, 20, 45);
      await settle();
      assert.deepEqual(
        database.started.map((s) => s.rows),
        [range(0, 10)],
        'the first batch runs, the second waits behind it',
      );
      // each written batch makes room for one buffered batch, so the writer stays unavailable
      await database.finishNext();
      assert.equal(writer.isAvailable(), false);
      await database.finishNext();
      assert.equal(writer.isAvailable(), false);
      assert.equal(writer.woken, 0);
      // the fourth batch leaves 5 rows, less than a batch: room again
      await database.finishNext();
      assert.equal(writer.isAvailable(), true);
      assert.equal(writer.woken, 1, 'the task was woken once');
      assert.deepEqual(
        database.started.map((s) => s.rows),
        [range(0, 10), range(10, 20), range(20, 30), range(30, 40)],
      );
      await database.finishNext();
      const flushed = writer.flush(true);
      await settle();
      await database.finishNext();
      await flushed;
      if (guarantee === 'EXACTLY_ONCE') {
        assert.equal((await writer.prepareCommit(1)).length, 1);
        assert.equal(new Set(database.started.map((s) => s.transaction)).size, 1, 'one transaction');
      }
      assert.deepEqual(database.written, range(0, 45));
      await writer.close();
    });
  }

  test('AT_LEAST_ONCE: a checkpoint while the writer is unavailable writes every buffered row and completes once the database has them', async () => {
    const database = new HeldDatabase();
    const writer = writerFor(database, { deliveryGuarantee: 'AT_LEAST_ONCE', batchSize: 10, maxBufferedBatches: 2 });
    writeRange(writer, 0, 45);
    assert.equal(writer.isAvailable(), false);
    let done = false;
    const checkpoint = writer.flush(false).then(() => (done = true));
    await settle();
    while (!done) {
      assert.ok(database.written.length < 45, 'the checkpoint waits for the rows before it');
      await database.finishNext();
    }
    await checkpoint;
    assert.deepEqual(database.written, range(0, 45));
    assert.equal(writer.isAvailable(), true);
    assert.equal(writer.woken, 1);
    await writer.close();
  });

  test('EXACTLY_ONCE: a checkpoint while the writer is unavailable prepares every row before it; rows after it go into the next transaction', async () => {
    const database = new HeldDatabase();
    const writer = writerFor(database, { deliveryGuarantee: 'EXACTLY_ONCE', batchSize: 10, maxBufferedBatches: 2 });
    writeRange(writer, 0, 45);
    assert.equal(writer.isAvailable(), false);
    const prepared = writer.prepareCommit(1);
    writeRange(writer, 45, 50);
    let committables: unknown[] | undefined;
    void prepared.then((c) => (committables = c));
    await settle();
    while (committables === undefined) await database.finishNext();
    assert.equal(committables.length, 1);
    assert.deepEqual(database.written, range(0, 45), 'the prepared transaction holds every row before the checkpoint');
    assert.deepEqual(database.prepared, [(committables[0] as { transactionId: string }).transactionId]);
    const flushed = writer.flush(true);
    await settle();
    await database.finishNext();
    await flushed;
    const last = database.started.at(-1);
    assert.deepEqual(last?.rows, range(45, 50));
    assert.notEqual(last.transaction, database.started[0]?.transaction, 'rows after the checkpoint went into the next transaction');
    await writer.close();
  });

  test('a failed batch wakes a waiting task, whose next write reports the failure', async () => {
    const database = new HeldDatabase();
    const writer = writerFor(database, { deliveryGuarantee: 'AT_LEAST_ONCE', batchSize: 10, maxBufferedBatches: 2 });
    writeRange(writer, 0, 25);
    assert.equal(writer.isAvailable(), false);
    await settle();
    database.started[0]?.fail(new Error('disk full'));
    await settle();
    assert.equal(writer.woken, 1);
    assert.equal(writer.isAvailable(), true);
    assert.throws(
      () => writer.write(25),
      (error: unknown) => error instanceof WeirError && error.code === 'SINK_FAILED' && /subtask 1\/1 could not write 10 rows in HeldDB .*disk full/.test(error.message),
    );
    await writer.close();
  });

  test('rows whose batch interval passed without room go as soon as a batch is written', async () => {
    const database = new HeldDatabase();
    const writer = writerFor(database, { deliveryGuarantee: 'NONE', batchSize: 10, batchIntervalMs: 5, maxBufferedBatches: 1 });
    writeRange(writer, 0, 13);
    assert.equal(writer.isAvailable(), false);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await settle();
    assert.equal(database.started.length, 1, 'the interval found no room');
    await database.finishNext();
    assert.deepEqual(
      database.started.map((s) => s.rows),
      [range(0, 10), range(10, 13)],
    );
    await database.finishNext();
    assert.deepEqual(database.written, range(0, 13));
    await writer.close();
  });

  test('maxBufferedBatches defaults to 2 and must be a positive integer', () => {
    const base: SqlSinkOptions<number> = { connection: 'memory://held', table: 'numbers', columns: ['id'], toRow: (i) => [i] };
    assert.equal(resolveSqlSinkOptions(base, 'new PostgresSink()', 1).maxBufferedBatches, 2);
    assert.equal(resolveSqlSinkOptions({ ...base, maxBufferedBatches: 8 }, 'new PostgresSink()', 1).maxBufferedBatches, 8);
    for (const bad of [0, -1, 1.5, 'two']) {
      assert.throws(
        () => resolveSqlSinkOptions({ ...base, maxBufferedBatches: bad as number }, 'new PostgresSink()', 1),
        (error: unknown) => error instanceof WeirError && error.code === 'INVALID_OPTION' && /option 'maxBufferedBatches' \(new PostgresSink\(\)\)/.test(error.message),
      );
    }
  });
});
