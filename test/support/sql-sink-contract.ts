/**
 * @module The tests every SQL sink passes against its real server (PostgresSink, MariaDbSink): each
 * delivery guarantee writes what a plain reference says, two-phase commit survives a crash between
 * prepare and commit, lingering transactions are rolled back by the right subtask, commits repeat
 * safely, and bad options or an unreachable server give clear errors. Writers and committers are
 * driven directly, as the runtime would: write -> prepareCommit(n) -> commit, crash, restore.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type {
  Committer,
  CommittingSinkContext,
  CommittingSinkWriter,
  SqlConnectionOptions,
  SqlSinkOptions,
  SqlTransactionCommittable,
  TwoPhaseCommittingSink,
  WeirError,
} from 'weir';
import { runJob } from 'weir/testing';
import { reading } from '../jobs/sql-sink-job.ts';

/** One record of the tests: written to a table (id INTEGER, app VARCHAR(64), n INTEGER). */
export interface Visit {
  readonly id: number;
  readonly app: string;
  readonly n: number;
}

export interface SqlSinkHarness {
  /** 'PostgreSQL', 'MariaDB'. */
  readonly product: string;
  /** The job module's `--product` (test/jobs/sql-sink-job.ts). */
  readonly jobProduct: 'postgres' | 'mariadb';
  readonly connection: SqlConnectionOptions;
  createSink<T>(options: SqlSinkOptions<T>): TwoPhaseCommittingSink<T, SqlTransactionCommittable>;
  /** Creates table (id INTEGER, app VARCHAR(64), n INTEGER), with `primaryKey` as its primary key when given. */
  createTable(name: string, primaryKey?: readonly string[]): Promise<void>;
  dropTable(name: string): Promise<void>;
  /** The table's rows. */
  rows(name: string): Promise<Visit[]>;
  /** Ids of the prepared transactions whose id starts with `prefix`. */
  preparedIds(prefix: string): Promise<string[]>;
  /** Rolls back the prepared transactions whose id starts with `prefix` (cleanup after a failed test). */
  rollbackPrepared(prefix: string): Promise<void>;
}

type Sink = TwoPhaseCommittingSink<Visit, SqlTransactionCommittable>;
type Writer = CommittingSinkWriter<Visit, SqlTransactionCommittable>;

export function visit(i: number): Visit {
  return { id: i, app: `app-${i % 7}`, n: (i * 31) % 101 };
}

export function visits(from: number, to: number): Visit[] {
  const out: Visit[] = [];
  for (let i = from; i < to; i++) out.push(visit(i));
  return out;
}

function byId(rows: readonly Visit[]): Visit[] {
  return [...rows].map((r) => ({ id: Number(r.id), app: r.app, n: Number(r.n) })).sort((a, b) => a.id - b.id || a.n - b.n);
}

export function contextFor(subtaskIndex: number, parallelism: number, restoredCheckpointId?: number, attemptNumber = 0): CommittingSinkContext {
  return {
    subtaskIndex,
    parallelism,
    attemptNumber,
    description: `sink 'visits' (uid visits-sink) subtask ${subtaskIndex + 1}/${parallelism}`,
    restoredCheckpointId,
    jobName: 'visits job',
    operatorUid: 'visits-sink',
    sendEventToCoordinator() {},
  };
}

let tableCounter = 0;
/** A table name no other test (or test process) uses. */
export function uniqueTable(base: string): string {
  return `${base}_${process.pid}_${Date.now().toString(36)}_${tableCounter++}`;
}

function writeAll(writer: Writer, records: readonly Visit[]): void {
  for (const record of records) writer.write(record, undefined);
}

/** Writers and committers of the running test, closed after it whatever happens. */
const opened: { close(): void | Promise<void> }[] = [];

async function createWriter(sink: Sink, context: CommittingSinkContext): Promise<Writer> {
  const writer = await sink.createWriter(context);
  opened.push(writer);
  return writer;
}

async function createCommitter(sink: Sink, context: CommittingSinkContext): Promise<Committer<SqlTransactionCommittable>> {
  const committer = await sink.createCommitter(context);
  opened.push(committer);
  return committer;
}

/** Registers the contract's tests for one sink. */
export function runSqlSinkContract(harness: SqlSinkHarness): void {
  const { product } = harness;
  const COLUMNS = ['id', 'app', 'n'] as const;
  const toRow = (v: Visit): unknown[] => [v.id, v.app, v.n];

  function sink(table: string, options: Partial<SqlSinkOptions<Visit>> = {}): Sink {
    return harness.createSink<Visit>({
      connection: harness.connection,
      table,
      columns: COLUMNS,
      toRow,
      maxRetries: 2,
      retryBackoffMs: 20,
      transactionalIdPrefix: `t_${table}`,
      ...options,
    });
  }

  /** Creates a table for one test and drops it afterwards, whatever happens. */
  async function withTable(body: (table: string) => Promise<void>, primaryKey?: readonly string[]): Promise<void> {
    const table = uniqueTable('visits');
    await harness.createTable(table, primaryKey);
    try {
      await body(table);
    } finally {
      // open and prepared transactions hold locks that DROP TABLE would wait for
      await Promise.all(opened.splice(0).map(async (o) => await o.close()));
      await harness.rollbackPrepared(`t_${table}`);
      await harness.rollbackPrepared(`o_${table}`);
      await harness.dropTable(table);
    }
  }

  test(`${product}: AT_LEAST_ONCE writes batches by size and everything at each checkpoint`, () =>
    withTable(async (table) => {
      const input = visits(0, 1234);
      const writer = await createWriter(sink(table, { deliveryGuarantee: 'AT_LEAST_ONCE', batchSize: 100 }), contextFor(0, 1));
      writeAll(writer, input.slice(0, 250));
      // two full batches went out on their own; the 50 left wait for the checkpoint
      const committables = await writer.prepareCommit(1);
      assert.deepEqual(committables, []);
      assert.deepEqual(byId(await harness.rows(table)), byId(input.slice(0, 250)));
      writeAll(writer, input.slice(250));
      await writer.flush(false);
      await writer.flush(true);
      await writer.close();
      assert.deepEqual(byId(await harness.rows(table)), byId(input));
    }));

  /** A run writes 0..200 and fails after checkpoint 0; the restore replays from 100. */
  async function replayAfterFailure(table: string, upsertKey: readonly string[] | undefined, input: readonly Visit[]): Promise<void> {
    const options: Partial<SqlSinkOptions<Visit>> = { deliveryGuarantee: 'AT_LEAST_ONCE', batchSize: 64, upsertKey };
    const first = await createWriter(sink(table, options), contextFor(0, 1));
    writeAll(first, input.slice(0, 200));
    await first.flush(false);
    await first.close();
    const second = await createWriter(sink(table, options), contextFor(0, 1, 1, 1));
    writeAll(second, input.slice(100));
    await second.flush(true);
    await second.close();
  }

  test(`${product}: AT_LEAST_ONCE writes rows replayed after a restore twice`, () =>
    withTable(async (table) => {
      const input = visits(0, 300);
      await replayAfterFailure(table, undefined, input);
      assert.deepEqual(byId(await harness.rows(table)), byId([...input, ...input.slice(100, 200)]));
    }));

  test(`${product}: AT_LEAST_ONCE with an upsert key writes rows replayed after a restore once`, () =>
    withTable(async (table) => {
      const input = visits(0, 300);
      await replayAfterFailure(table, ['id'], input);
      assert.deepEqual(byId(await harness.rows(table)), byId(input));
    }, ['id']));

  test(`${product}: an upsert key keeps the last row per key, also for repeats within one batch`, () =>
    withTable(async (table) => {
      const input = visits(0, 500).map((v) => ({ ...v, id: v.id % 37 }));
      const writer = await createWriter(sink(table, { deliveryGuarantee: 'EXACTLY_ONCE', batchSize: 90, upsertKey: ['id'] }), contextFor(0, 1));
      const committer = await createCommitter(sink(table), contextFor(0, 1));
      writeAll(writer, input.slice(0, 260));
      await committer.commit(await writer.prepareCommit(1));
      writeAll(writer, input.slice(260));
      await writer.flush(true);
      await committer.commit(await writer.prepareCommit(2));
      await writer.close();
      await committer.close();
      const expected = new Map<number, Visit>();
      for (const v of input) expected.set(v.id, v);
      assert.deepEqual(byId(await harness.rows(table)), byId([...expected.values()]));
    }, ['id']));

  test(`${product}: NONE writes on batch size and at the end of input, not at checkpoints`, () =>
    withTable(async (table) => {
      const input = visits(0, 130);
      const writer = await createWriter(sink(table, { deliveryGuarantee: 'NONE', batchSize: 100 }), contextFor(0, 1));
      writeAll(writer, input);
      assert.deepEqual(await writer.prepareCommit(1), []);
      await writer.flush(false);
      // the full batch went out on its own; the 30 rows after it wait for the end of input
      let rows: Visit[] = [];
      for (let i = 0; i < 200 && rows.length < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        rows = await harness.rows(table);
      }
      assert.deepEqual(byId(rows), byId(input.slice(0, 100)));
      await writer.flush(true);
      await writer.close();
      assert.deepEqual(byId(await harness.rows(table)), byId(input));
    }));

  test(`${product}: batchIntervalMs writes buffered rows without a checkpoint`, () =>
    withTable(async (table) => {
      const input = visits(0, 10);
      const writer = await createWriter(sink(table, { deliveryGuarantee: 'AT_LEAST_ONCE', batchIntervalMs: 20 }), contextFor(0, 1));
      writeAll(writer, input);
      let rows: Visit[] = [];
      for (let i = 0; i < 200 && rows.length < input.length; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        rows = await harness.rows(table);
      }
      assert.deepEqual(byId(rows), byId(input));
      await writer.close();
    }));

  test(`${product}: EXACTLY_ONCE makes a checkpoint's rows visible only at commit, once`, () =>
    withTable(async (table) => {
      const input = visits(0, 900);
      const parallelism = 2;
      const sinks = [0, 1].map(() => sink(table, { deliveryGuarantee: 'EXACTLY_ONCE', batchSize: 64 }));
      const writers = await Promise.all(sinks.map((s, i) => createWriter(s, contextFor(i, parallelism))));
      const committer = await createCommitter(sinks[0]!, contextFor(0, parallelism));
      const mine = (i: number): Visit[] => input.filter((v) => v.id % parallelism === i);
      const cut = [300, 600];
      const recorded: SqlTransactionCommittable[][] = [];
      let from = 0;
      let visible = 0;
      for (const [checkpoint, to] of cut.entries()) {
        writers.forEach((w, i) => writeAll(w, mine(i).filter((v) => v.id >= from && v.id < to)));
        // the synchronous part switches transactions: rows written now belong to the next checkpoint
        const pending = writers.map((w) => Promise.resolve(w.prepareCommit(checkpoint + 1)));
        writers.forEach((w, i) => writeAll(w, mine(i).filter((v) => v.id >= to && v.id < to + 10)));
        const committables = (await Promise.all(pending)).flat();
        assert.equal(committables.length, parallelism);
        assert.deepEqual(byId(await harness.rows(table)), byId(input.slice(0, visible)), 'prepared rows stay invisible');
        await committer.commit(committables);
        assert.deepEqual(byId(await harness.rows(table)), byId(input.slice(0, to)));
        recorded.push(committables);
        visible = to;
        from = to + 10;
      }
      writers.forEach((w, i) => writeAll(w, mine(i).filter((v) => v.id >= from)));
      await Promise.all(writers.map(async (w) => await w.flush(true)));
      await committer.commit((await Promise.all(writers.map(async (w) => await w.prepareCommit(3)))).flat());
      // commits repeat after restores: a second commit of the same committables is a success
      await committer.commit(recorded.flat());
      const again = await createCommitter(sinks[1]!, contextFor(1, parallelism, 2));
      await again.commit(recorded.flat());
      await again.close();
      await Promise.all(writers.map(async (w) => await w.close()));
      await committer.close();
      assert.deepEqual(byId(await harness.rows(table)), byId(input));
      assert.deepEqual(await harness.preparedIds(`t_${table}`), []);
    }));

  test(`${product}: EXACTLY_ONCE checkpoints without rows have no committables`, () =>
    withTable(async (table) => {
      const writer = await createWriter(sink(table, { deliveryGuarantee: 'EXACTLY_ONCE' }), contextFor(0, 1));
      assert.deepEqual(await writer.prepareCommit(1), []);
      await writer.flush(true);
      assert.deepEqual(await writer.prepareCommit(2), []);
      await writer.close();
    }));

  test(`${product}: a crash after prepare and before commit, then a restore, yields every row once`, () =>
    withTable(async (table) => {
      const input = visits(0, 600);
      const first = sink(table, { deliveryGuarantee: 'EXACTLY_ONCE', batchSize: 50 });
      const writer = await createWriter(first, contextFor(0, 1));
      writeAll(writer, input.slice(0, 200));
      // checkpoint 1 completes: its committables are in the checkpoint, the notification is lost in the crash
      const checkpoint1 = await writer.prepareCommit(1);
      writeAll(writer, input.slice(200, 400));
      // checkpoint 2 pre-commits but never completes
      const checkpoint2 = await writer.prepareCommit(2);
      writeAll(writer, input.slice(400, 450));
      assert.equal(checkpoint1.length, 1);
      assert.equal(checkpoint2.length, 1);
      assert.deepEqual((await harness.preparedIds(`t_${table}`)).sort(), [...checkpoint1, ...checkpoint2].map((c) => c.transactionId).sort());
      await writer.close(); // the crash: the open transaction dies with its connection, nothing commits
      assert.deepEqual(await harness.rows(table), []);

      // restore from checkpoint 1: commit what it recorded, roll back the rest, replay from 200
      const restored = sink(table, { deliveryGuarantee: 'EXACTLY_ONCE', batchSize: 50 });
      const context = contextFor(0, 1, 1, 1);
      const committer = await createCommitter(restored, context);
      await committer.commit(checkpoint1);
      await restored.abortLingering!(context);
      assert.deepEqual(await harness.preparedIds(`t_${table}`), []);
      assert.deepEqual(byId(await harness.rows(table)), byId(input.slice(0, 200)));
      const replay = await createWriter(restored, context);
      writeAll(replay, input.slice(200));
      await replay.flush(true);
      // checkpoint ids repeat after the restore; the attempt token keeps the transaction ids apart
      const again2 = await replay.prepareCommit(2);
      assert.notEqual(again2[0]?.transactionId, checkpoint2[0]?.transactionId);
      await committer.commit(again2);
      await committer.commit(checkpoint1);
      await replay.close();
      await committer.close();
      assert.deepEqual(byId(await harness.rows(table)), byId(input));
    }));

  test(`${product}: abortLingering rolls back only the transactions of subtasks s with s % parallelism === subtaskIndex`, () =>
    withTable(async (table) => {
      // an earlier attempt at parallelism 4 prepared one transaction per subtask and then failed
      const earlier = 4;
      const prepared: string[][] = [];
      for (let s = 0; s < earlier; s++) {
        const writer = await createWriter(sink(table, { deliveryGuarantee: 'EXACTLY_ONCE' }), contextFor(s, earlier));
        writeAll(writer, visits(s * 10, s * 10 + 10));
        prepared.push((await writer.prepareCommit(5)).map((c) => c.transactionId));
        await writer.close();
      }
      // a transaction of another sink (another prefix) is left alone
      const other = await createWriter(sink(table, { deliveryGuarantee: 'EXACTLY_ONCE', transactionalIdPrefix: `o_${table}` }), contextFor(0, 1));
      writeAll(other, visits(100, 105));
      const otherIds = (await other.prepareCommit(1)).map((c) => c.transactionId);
      await other.close();

      const now = 2;
      await sink(table, { deliveryGuarantee: 'EXACTLY_ONCE' }).abortLingering!(contextFor(0, now, undefined, 1));
      assert.deepEqual((await harness.preparedIds(`t_${table}`)).sort(), [...prepared[1]!, ...prepared[3]!].sort());
      await sink(table, { deliveryGuarantee: 'EXACTLY_ONCE' }).abortLingering!(contextFor(1, now, undefined, 1));
      assert.deepEqual(await harness.preparedIds(`t_${table}`), []);
      assert.deepEqual(await harness.preparedIds(`o_${table}`), otherIds);
      const cleanup = await createCommitter(sink(table), contextFor(0, 1));
      await cleanup.commit(otherIds.map((transactionId) => ({ transactionId })));
      await cleanup.close();
      assert.deepEqual(byId(await harness.rows(table)), byId(visits(100, 105)));
    }));

  test(`${product}: the default transactional id prefix comes from the job name and the sink's uid, the same in every subtask`, () =>
    withTable(async (table) => {
      const options: Partial<SqlSinkOptions<Visit>> = { deliveryGuarantee: 'EXACTLY_ONCE', transactionalIdPrefix: undefined };
      const ids: string[] = [];
      for (const subtask of [0, 1]) {
        const writer = await createWriter(sink(table, options), contextFor(subtask, 2));
        writeAll(writer, visits(subtask * 10, subtask * 10 + 10));
        ids.push(...(await writer.prepareCommit(1)).map((c) => c.transactionId));
        await writer.close();
      }
      const prefixes = new Set(ids.map((id) => id.slice(0, id.indexOf(':'))));
      assert.equal(prefixes.size, 1);
      const [prefix = ''] = prefixes;
      try {
        assert.match(prefix, /^visits_job-visits-sink-[0-9a-f]{10}$/);
        assert.deepEqual((await harness.preparedIds(prefix)).sort(), [...ids].sort());
        // a restart at parallelism 1: its only subtask owns both
        await sink(table, options).abortLingering!(contextFor(0, 1, undefined, 1));
        assert.deepEqual(await harness.preparedIds(prefix), []);
        assert.deepEqual(await harness.rows(table), []);
      } finally {
        await harness.rollbackPrepared(prefix);
      }
    }));

  test(`${product}: a closed port fails after the retries with a retriable error naming sink, subtask, address and table`, async () => {
    const table = uniqueTable('visits');
    const closed: SqlConnectionOptions = { ...harness.connection, host: '127.0.0.1', port: 9 };
    const failing = sink(table, { connection: closed, deliveryGuarantee: 'AT_LEAST_ONCE', maxRetries: 2, retryBackoffMs: 10 });
    const writer = await createWriter(failing, contextFor(1, 2));
    writeAll(writer, visits(0, 3));
    await assert.rejects(Promise.resolve(writer.flush(false)), (error: WeirError) => {
      assert.equal(error.name, 'WeirError');
      assert.equal(error.code, 'SINK_FAILED');
      assert.equal(error.retriable, true);
      assert.match(error.message, /sink 'visits' \(uid visits-sink\) subtask 2\/2/);
      assert.match(error.message, new RegExp(`could not connect to ${product} at 127\\.0\\.0\\.1:9 \\(table '${table}'\\) after 3 attempts`));
      assert.match(error.message, /ECONNREFUSED/);
      assert.match(error.hint ?? '', /runs at 127\.0\.0\.1:9/);
      return true;
    });
    // the failure stays: the next write fails the task too
    assert.throws(() => writer.write(visit(9), undefined), /could not connect/);
    await writer.close();
    const committer = await createCommitter(sink(table, { connection: closed, maxRetries: 1, retryBackoffMs: 10 }), contextFor(0, 1));
    await assert.rejects(committer.commit([{ transactionId: `t_${table}:0:1:abc` }]), /could not connect to .* after 2 attempts/);
    await committer.close();
  });

  test(`${product}: a wrong password fails after the retries with a clear error`, async () => {
    const table = uniqueTable('visits');
    const wrong = sink(table, {
      connection: { ...harness.connection, password: 'not-the-password' },
      deliveryGuarantee: 'EXACTLY_ONCE',
      maxRetries: 1,
      retryBackoffMs: 10,
    });
    const writer = await createWriter(wrong, contextFor(0, 1));
    writeAll(writer, visits(0, 3));
    await assert.rejects(Promise.resolve(writer.prepareCommit(1)), (error: WeirError) => {
      assert.equal(error.code, 'SINK_FAILED');
      assert.match(error.message, new RegExp(`could not connect to ${product} at .* \\(table '${table}'\\) after 2 attempts: .*(password|Access denied)`));
      return true;
    });
    await writer.close();
  });

  test(`${product}: a missing table fails at once, without retries, saying what to check`, async () => {
    const table = uniqueTable('missing');
    const writer = await createWriter(sink(table, { deliveryGuarantee: 'AT_LEAST_ONCE', maxRetries: 3, retryBackoffMs: 1000 }), contextFor(0, 1));
    writeAll(writer, visits(0, 3));
    await assert.rejects(Promise.resolve(writer.flush(true)), (error: WeirError) => {
      assert.equal(error.code, 'SINK_FAILED');
      assert.equal(error.retriable, false);
      assert.match(error.message, new RegExp(`could not write 3 rows in ${product} .*\\(table '${table}'\\): `));
      assert.doesNotMatch(error.message, /attempts/);
      assert.match(error.hint ?? '', /check that table .* exists with columns \(id, app, n\)/);
      return true;
    });
    await writer.close();
  });

  test(`${product}: bad options fail at construction, naming the option`, () => {
    const base: SqlSinkOptions<Visit> = { connection: harness.connection, table: 't', columns: COLUMNS, toRow };
    const bad: [Partial<Record<keyof SqlSinkOptions<Visit>, unknown>>, RegExp][] = [
      [{ table: '' }, /option 'table'/],
      [{ table: undefined }, /option 'table'/],
      [{ columns: [] }, /option 'columns'/],
      [{ columns: ['id', 'id'] }, /option 'columns'.*'id' appears twice/],
      [{ toRow: undefined }, /option 'toRow'.*one value per column \(3: id, app, n\)/],
      [{ upsertKey: ['user'] }, /option 'upsertKey'.*'user' not in columns/],
      [{ upsertKey: [] }, /option 'upsertKey'/],
      [{ deliveryGuarantee: 'EXACTLY_ONCE_PLEASE' }, /option 'deliveryGuarantee'/],
      [{ batchSize: 0 }, /option 'batchSize'/],
      [{ maxBufferedBatches: 0 }, /option 'maxBufferedBatches'/],
      [{ maxRetries: -1 }, /option 'maxRetries'/],
      [{ transactionalIdPrefix: 'has space' }, /option 'transactionalIdPrefix'/],
      [{ connection: 42 }, /option 'connection'/],
    ];
    for (const [change, message] of bad) {
      assert.throws(
        () => harness.createSink({ ...base, ...change } as SqlSinkOptions<Visit>),
        (error: WeirError) => error.code === 'INVALID_OPTION' && message.test(error.message) && error.message.includes(`new ${product === 'PostgreSQL' ? 'Postgres' : 'MariaDb'}Sink()`),
        `${JSON.stringify(change)} should fail with ${String(message)}`,
      );
    }
  });

  test(`${product}: toRow returning the wrong number of values fails the write with the columns`, async () => {
    const writer = await createWriter(
      harness.createSink<Visit>({ connection: harness.connection, table: 't', columns: COLUMNS, toRow: (v) => [v.id, v.app] }),
      contextFor(0, 1),
    );
    assert.throws(() => writer.write(visit(1), undefined), /toRow returned 2 values for the 3 columns \(id, app, n\) of table 't'/);
    await writer.close();
  });

  const JOB = new URL('../jobs/sql-sink-job.ts', import.meta.url);
  const RESTART = { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': '10 ms' };

  /**
   * Runs the job at parallelism 2 into `table`, `count` readings at 10000/s, and checks that the injected
   * failure happened. It comes at the first record after the first completed checkpoint (`--fail-at 0`),
   * the earliest point that proves recovery, so a slow machine delays it rather than missing it.
   */
  async function runSqlJob(table: string, count: number, args: Record<string, string | number>): Promise<void> {
    const scratch = mkdtempSync(join(tmpdir(), 'weir-sql-sink-'));
    const marker = join(scratch, 'failed');
    try {
      await runJob(JOB, {
        parallelism: 2,
        args: {
          product: harness.jobProduct,
          connection: JSON.stringify(harness.connection),
          table,
          checkpoints: join(scratch, 'checkpoints'),
          marker,
          count,
          rate: 10_000,
          ...args,
        },
        configuration: RESTART,
      });
      assert.ok(existsSync(marker), 'the job ended before the failure was injected');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  const expectedReadings = (count: number): Visit[] => Array.from({ length: count }, (_, i) => reading(i));

  test(`${product}: a job whose worker crashes after a checkpoint writes every record exactly once with EXACTLY_ONCE`, () =>
    withTable(async (table) => {
      const count = 30_000;
      await runSqlJob(table, count, { guarantee: 'EXACTLY_ONCE', 'crash-at': 0, prefix: `t_${table}` });
      assert.deepEqual(byId(await harness.rows(table)), byId(expectedReadings(count)));
      assert.deepEqual(await harness.preparedIds(`t_${table}`), []);
    }));

  test(`${product}: a job failing after a checkpoint writes every record exactly once with EXACTLY_ONCE`, () =>
    withTable(async (table) => {
      const count = 30_000;
      await runSqlJob(table, count, { guarantee: 'EXACTLY_ONCE', 'fail-at': 0, prefix: `t_${table}` });
      assert.deepEqual(byId(await harness.rows(table)), byId(expectedReadings(count)));
      assert.deepEqual(await harness.preparedIds(`t_${table}`), []);
    }));

  test(`${product}: a job failing after a checkpoint writes every record once with AT_LEAST_ONCE and an upsert key`, () =>
    withTable(async (table) => {
      const count = 30_000;
      await runSqlJob(table, count, { guarantee: 'AT_LEAST_ONCE', 'fail-at': 0, 'batch-size': 100, upsert: 'true' });
      assert.deepEqual(byId(await harness.rows(table)), byId(expectedReadings(count)));
    }, ['id']));
}
