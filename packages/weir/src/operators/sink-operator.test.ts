/**
 * @module Tests of the sink operator's two-phase commit (Flink's TwoPhaseCommitSinkFunction cases) with
 * a recording in-memory transactional store, and of a plain sink's flush at checkpoints.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { systemClock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import { CheckpointId, JobId, OperatorUid, SubtaskIndex } from '../core/ids.ts';
import { OperatorStateBackend } from '../state/operator-state-backend.ts';
import { Types } from '../types/types.ts';
import type { CommittingSinkContext, CommittingSinkWriter, Committer, Sink, SinkWriter, TwoPhaseCommittingSink } from './sink.ts';
import { SinkOperator } from './sink-operator.ts';
import type { StreamOperatorContext } from './stream-operator.ts';

/** A transactional store: prepared transactions become visible on commit; it records every call in order. */
class RecordingStore {
  readonly prepared = new Map<string, { readonly subtask: number; readonly records: readonly number[] }>();
  readonly committed = new Map<string, readonly number[]>();
  /** 'commit <txn>', 'already <txn>' (committed before: a no-op), 'abort <txn>', 'writer <subtask>' in order. */
  readonly log: string[] = [];
  /** The transactions of each commit call, by the subtask that called. */
  readonly commitCalls: { readonly subtask: number; readonly txns: readonly string[] }[] = [];
  /** Commit calls that fail before doing anything. */
  failCommits = 0;
  /** Pre-commits resolve only when released, when set. */
  holdPrepares = false;
  readonly #held: (() => void)[] = [];
  #sequence = 0;

  nextTxn(subtask: number, attempt: number): string {
    return `t${subtask}.${attempt}.${this.#sequence++}`;
  }

  /** Lets the held pre-commits finish, newest first. */
  releasePrepares(): void {
    for (const release of this.#held.splice(0).reverse()) release();
  }

  async prepare(txn: string, subtask: number, records: readonly number[]): Promise<void> {
    if (this.holdPrepares) await new Promise<void>((resolve) => this.#held.push(resolve));
    this.prepared.set(txn, { subtask, records });
  }

  commit(subtask: number, txns: readonly string[]): void {
    if (this.failCommits > 0) {
      this.failCommits--;
      throw new Error('injected commit failure');
    }
    this.commitCalls.push({ subtask, txns });
    for (const txn of txns) {
      const prepared = this.prepared.get(txn);
      if (prepared !== undefined) {
        this.prepared.delete(txn);
        this.committed.set(txn, prepared.records);
        this.log.push(`commit ${txn}`);
      } else if (this.committed.has(txn)) {
        this.log.push(`already ${txn}`);
      } else {
        throw new Error(`transaction ${txn} is neither prepared nor committed`);
      }
    }
  }

  abortLingering(subtaskIndex: number, parallelism: number): void {
    for (const [txn, { subtask }] of this.prepared) {
      if (subtask % parallelism !== subtaskIndex) continue;
      this.prepared.delete(txn);
      this.log.push(`abort ${txn}`);
    }
  }

  /** Every committed record, sorted. */
  committedRecords(): number[] {
    return [...this.committed.values()].flat().sort((a, b) => a - b);
  }
}

class StoreWriter implements CommittingSinkWriter<number, string> {
  readonly #store: RecordingStore;
  readonly #context: CommittingSinkContext;
  #txn: string;
  #records: number[] = [];
  flushes = 0;

  constructor(store: RecordingStore, context: CommittingSinkContext) {
    this.#store = store;
    this.#context = context;
    this.#txn = store.nextTxn(context.subtaskIndex, context.attemptNumber);
    store.log.push(`writer ${context.subtaskIndex}`);
  }

  write(value: number): void {
    this.#records.push(value);
  }

  flush(): void {
    this.flushes++;
  }

  prepareCommit(): Promise<string[]> {
    const txn = this.#txn;
    const records = this.#records;
    this.#txn = this.#store.nextTxn(this.#context.subtaskIndex, this.#context.attemptNumber);
    this.#records = [];
    return this.#store.prepare(txn, this.#context.subtaskIndex, records).then(() => [txn]);
  }

  close(): void {}
}

class StoreSink implements TwoPhaseCommittingSink<number, string> {
  readonly name = 'store';
  readonly deliveryGuarantee = 'EXACTLY_ONCE';
  readonly committableType = Types.string;
  readonly store: RecordingStore;
  writers: StoreWriter[] = [];
  contexts: CommittingSinkContext[] = [];

  constructor(store: RecordingStore) {
    this.store = store;
  }

  createWriter(context: CommittingSinkContext): StoreWriter {
    const writer = new StoreWriter(this.store, context);
    this.writers.push(writer);
    return writer;
  }

  createCommitter(context: CommittingSinkContext): Committer<string> {
    this.contexts.push(context);
    const store = this.store;
    return {
      commit(committables) {
        store.commit(context.subtaskIndex, committables);
        return Promise.resolve();
      },
      close() {},
    };
  }

  abortLingering(context: CommittingSinkContext): Promise<void> {
    this.store.abortLingering(context.subtaskIndex, context.parallelism);
    return Promise.resolve();
  }
}

interface SubtaskSpec {
  readonly subtask?: number;
  readonly parallelism?: number;
  readonly attempt?: number;
  /** Operator state snapshots of every old subtask, when restoring. */
  readonly restored?: readonly Uint8Array[];
  readonly restoredCheckpointId?: number;
  /** Checkpointing is on: the job ends with a final checkpoint. */
  readonly finalCheckpoint?: boolean;
}

function operatorContext(spec: SubtaskSpec): StreamOperatorContext {
  const subtask = spec.subtask ?? 0;
  const parallelism = spec.parallelism ?? 1;
  const description = `sink 'store' (uid store) subtask ${subtask + 1}/${parallelism}`;
  const operatorState = new OperatorStateBackend({ operatorDescription: description });
  if (spec.restored !== undefined) operatorState.restore(spec.restored, { subtaskIndex: SubtaskIndex(subtask), parallelism });
  return {
    name: 'store',
    uid: OperatorUid('store'),
    subtaskIndex: subtask,
    parallelism,
    maxParallelism: 128,
    attemptNumber: spec.attempt ?? 0,
    description,
    jobId: JobId('job'),
    jobName: 'two-phase-commit',
    jobParameters: {},
    clock: systemClock,
    processingTimeService: { now: () => Date.now(), registerTimer: () => () => {} },
    keyed: undefined,
    operatorState,
    restored: spec.restored !== undefined,
    restoredCheckpointId: spec.restoredCheckpointId,
    finalCheckpoint: spec.finalCheckpoint,
    sendEventToCoordinator: () => {},
  };
}

async function openSubtask<T>(sink: Sink<T>, spec: SubtaskSpec = {}): Promise<SinkOperator<T>> {
  const operator = new SinkOperator(sink, operatorContext(spec));
  await operator.open();
  return operator;
}

/** Takes checkpoint n as the task does (synchronous call, asynchronous result) and returns its operator state bytes. */
async function checkpoint(operator: SinkOperator<number>, n: number): Promise<Uint8Array> {
  const snapshot = await operator.snapshotStateAsync(CheckpointId(n));
  assert.ok(snapshot !== undefined, 'a two-phase-commit sink always snapshots its committables');
  const bytes = snapshot.write();
  snapshot.release();
  return bytes;
}

function write(operator: SinkOperator<number>, values: readonly number[]): void {
  for (const value of values) operator.processElement(value, 0);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function isSinkFailure(error: unknown): boolean {
  return error instanceof WeirError && error.code === 'SINK_FAILED' && error.retriable;
}

describe('two-phase commit in the sink operator', () => {
  test('checkpoint n holds the committables of n and earlier, even when the pre-commit of a later one finishes first', async () => {
    const store = new RecordingStore();
    const sink = new StoreSink(store);
    const operator = await openSubtask(sink);
    write(operator, [1, 2]);
    store.holdPrepares = true;
    const first = operator.snapshotStateAsync(CheckpointId(1));
    write(operator, [3]);
    const second = operator.snapshotStateAsync(CheckpointId(2));
    store.releasePrepares();
    const [one, two] = await Promise.all([first, second]);
    assert.ok(one !== undefined && two !== undefined);
    const oneBytes = one.write();

    // Restoring checkpoint 1 commits its transaction only: 3 came after the barrier and is replayed.
    const restoredStore = new RecordingStore();
    for (const [txn, prepared] of store.prepared) restoredStore.prepared.set(txn, prepared);
    await openSubtask(new StoreSink(restoredStore), { restored: [oneBytes], restoredCheckpointId: 1, attempt: 1 });
    assert.deepEqual(restoredStore.committedRecords(), [1, 2]);
    assert.equal(sink.writers[0]?.flushes, 2, 'flush(false) ran at both checkpoints');
  });

  test('a failure before the notification: the restore commits the restored committables before it aborts lingering ones and creates the writer', async () => {
    const store = new RecordingStore();
    const first = await openSubtask(new StoreSink(store));
    write(first, [1, 2, 3]);
    const bytes = await checkpoint(first, 1);
    await first.close(); // the task failed: checkpoint 1 completed, its notification never arrived

    store.log.length = 0;
    const sink = new StoreSink(store);
    await openSubtask(sink, { restored: [bytes], restoredCheckpointId: 1, attempt: 1 });
    assert.deepEqual(store.committedRecords(), [1, 2, 3]);
    assert.deepEqual(
      store.log.map((line) => line.split(' ')[0]),
      ['commit', 'writer'],
    );
    assert.equal(sink.contexts[0]?.restoredCheckpointId, 1);
    assert.equal(sink.contexts[0]?.operatorUid, 'store');
  });

  test('notifications for 2 then 1: completing 2 commits both checkpoints, completing 1 afterwards commits nothing', async () => {
    const store = new RecordingStore();
    const operator = await openSubtask(new StoreSink(store));
    write(operator, [1]);
    await checkpoint(operator, 1);
    write(operator, [2]);
    await checkpoint(operator, 2);
    write(operator, [3]);
    await operator.notifyCheckpointComplete(CheckpointId(2));
    assert.equal(store.commitCalls.length, 1);
    assert.equal(store.commitCalls[0]?.txns.length, 2);
    assert.deepEqual(store.committedRecords(), [1, 2]);
    await operator.notifyCheckpointComplete(CheckpointId(1));
    assert.equal(store.commitCalls.length, 1, 'checkpoint 1 was subsumed by 2');
  });

  test('an aborted checkpoint keeps its committables, and the next completed one commits them', async () => {
    const store = new RecordingStore();
    const operator = await openSubtask(new StoreSink(store));
    write(operator, [1]);
    await checkpoint(operator, 1);
    // Checkpoint 1 was aborted: the operator has nothing to do, its committables stay pending.
    write(operator, [2]);
    const bytes = await checkpoint(operator, 2);
    assert.equal(store.committed.size, 0);
    await operator.notifyCheckpointComplete(CheckpointId(2));
    assert.deepEqual(store.committedRecords(), [1, 2]);

    // Checkpoint 2 recorded both: a restore from it commits both again, idempotently.
    await openSubtask(new StoreSink(store), { restored: [bytes], restoredCheckpointId: 2, attempt: 1 });
    assert.deepEqual(store.committedRecords(), [1, 2]);
    assert.equal(store.log.filter((line) => line.startsWith('already')).length, 2);
  });

  test('a commit that throws on notification fails the task with a retriable sink error', async () => {
    const store = new RecordingStore();
    const operator = await openSubtask(new StoreSink(store));
    write(operator, [1]);
    await checkpoint(operator, 1);
    store.failCommits = 1;
    await assert.rejects(operator.notifyCheckpointComplete(CheckpointId(1)) ?? Promise.resolve(), (error: unknown) => isSinkFailure(error) && /checkpoint 1/.test(String(error)));
  });

  test('a commit that throws during recovery fails the start; the next attempt commits from the same checkpoint', async () => {
    const store = new RecordingStore();
    const first = await openSubtask(new StoreSink(store));
    write(first, [1, 2]);
    const bytes = await checkpoint(first, 1);

    store.failCommits = 1;
    const failing = new StoreSink(store);
    await assert.rejects(openSubtask(failing, { restored: [bytes], restoredCheckpointId: 1, attempt: 1 }), (error: unknown) => isSinkFailure(error) && /restored from checkpoint 1/.test(String(error)));
    assert.equal(failing.writers.length, 0, 'no writer before the restored transactions are committed');
    assert.equal(store.committed.size, 0);

    await openSubtask(new StoreSink(store), { restored: [bytes], restoredCheckpointId: 1, attempt: 2 });
    assert.deepEqual(store.committedRecords(), [1, 2]);
  });

  test('restoring the same checkpoint twice commits nothing twice', async () => {
    const store = new RecordingStore();
    const first = await openSubtask(new StoreSink(store));
    write(first, range(0, 10));
    const bytes = await checkpoint(first, 1);
    for (const attempt of [1, 2]) {
      const operator = await openSubtask(new StoreSink(store), { restored: [bytes], restoredCheckpointId: 1, attempt });
      write(operator, range(10, 12)); // replayed after the checkpoint; the attempt fails before its next checkpoint
      await operator.close();
    }
    assert.deepEqual(store.committedRecords(), range(0, 10));
    assert.deepEqual(store.log.filter((line) => !line.startsWith('writer')).map((line) => line.split(' ')[0]), ['commit', 'already']);
  });

  test('transactions a later attempt prepared after the restored checkpoint are aborted, never committed', async () => {
    const store = new RecordingStore();
    const first = await openSubtask(new StoreSink(store));
    write(first, [1]);
    const one = await checkpoint(first, 1);
    write(first, [2]);
    await checkpoint(first, 2); // prepared, but checkpoint 2 never completed
    const second = await openSubtask(new StoreSink(store), { restored: [one], restoredCheckpointId: 1, attempt: 1 });
    write(second, [3]);
    await checkpoint(second, 2); // prepared by attempt 1, which fails as well

    await openSubtask(new StoreSink(store), { restored: [one], restoredCheckpointId: 1, attempt: 2 });
    assert.deepEqual(store.committedRecords(), [1]);
    assert.equal(store.prepared.size, 0);
    assert.equal(store.log.filter((line) => line.startsWith('abort')).length, 2);
  });

  for (const [from, to] of [
    [2, 3],
    [3, 1],
  ] as const) {
    test(`rescaling ${from} -> ${to} commits every restored committable in exactly one subtask, and each subtask aborts only its own inheritance`, async () => {
      const store = new RecordingStore();
      const blobs: Uint8Array[] = [];
      const written: number[] = [];
      for (let subtask = 0; subtask < from; subtask++) {
        const operator = await openSubtask(new StoreSink(store), { subtask, parallelism: from });
        for (let n = 1; n <= 2; n++) {
          const values = range(subtask * 100 + n * 10, subtask * 100 + n * 10 + 3);
          write(operator, values);
          written.push(...values);
          const bytes = await checkpoint(operator, n);
          if (n === 2) blobs.push(bytes);
        }
        write(operator, [subtask * 100 + 99]);
        await checkpoint(operator, 3); // lingering: checkpoint 3 never completed
      }
      const aborted = new Map<number, string[]>();
      for (let subtask = 0; subtask < to; subtask++) {
        const before = new Set(store.prepared.keys());
        await openSubtask(new StoreSink(store), { subtask, parallelism: to, restored: blobs, restoredCheckpointId: 2, attempt: 1 });
        aborted.set(subtask, [...before].filter((txn) => !store.prepared.has(txn) && !store.committed.has(txn)));
      }
      assert.deepEqual(store.committedRecords(), written.sort((a, b) => a - b));
      const committedBy = store.commitCalls.flatMap((call) => call.txns.map((txn) => txn));
      assert.equal(new Set(committedBy).size, committedBy.length, 'no committable was committed by two subtasks');
      assert.equal(store.log.filter((line) => line.startsWith('already')).length, 0);
      for (const call of store.commitCalls) {
        for (const txn of call.txns) assert.equal(Number(txn.slice(1).split('.')[0]) % to, call.subtask);
      }
      assert.equal(store.prepared.size, 0, 'every lingering transaction was aborted');
      for (const [subtask, txns] of aborted) {
        for (const txn of txns) assert.equal(Number(txn.slice(1).split('.')[0]) % to, subtask);
      }
    });
  }

  test('end of input pre-commits the last transaction and commits it with every pending one', async () => {
    const store = new RecordingStore();
    const operator = await openSubtask(new StoreSink(store));
    write(operator, [1]);
    await checkpoint(operator, 1);
    write(operator, [2]);
    await operator.finish();
    assert.deepEqual(store.committedRecords(), [1, 2]);
    assert.equal(store.prepared.size, 0);
  });

  test('with a final checkpoint, end of input commits nothing: the final checkpoint pre-commits the last transaction and its completion commits it', async () => {
    const store = new RecordingStore();
    const operator = await openSubtask(new StoreSink(store), { finalCheckpoint: true });
    write(operator, [1]);
    await checkpoint(operator, 1);
    write(operator, [2]);
    await operator.finish();
    assert.deepEqual(store.committedRecords(), []);
    assert.equal(store.prepared.size, 1, 'only checkpoint 1 was pre-committed');
    const bytes = await checkpoint(operator, 2);
    assert.equal(store.prepared.size, 2);
    await operator.notifyCheckpointComplete(CheckpointId(2));
    assert.deepEqual(store.committedRecords(), [1, 2]);

    // Restoring the final checkpoint (its notification lost) commits again, as a no-op.
    store.log.length = 0;
    await openSubtask(new StoreSink(store), { restored: [bytes], restoredCheckpointId: 2, attempt: 1, finalCheckpoint: true });
    assert.deepEqual(store.log.slice(0, 2).map((line) => line.split(' ')[0]), ['already', 'already']);
    assert.deepEqual(store.committedRecords(), [1, 2]);
  });

  test('a pre-commit that rejects fails the checkpoint with a sink error naming the checkpoint', async () => {
    const store = new RecordingStore();
    const sink = new StoreSink(store);
    const operator = await openSubtask(sink);
    const writer = sink.writers[0] as StoreWriter;
    writer.prepareCommit = () => Promise.reject(new Error('disk full'));
    await assert.rejects(operator.snapshotStateAsync(CheckpointId(4)) ?? Promise.resolve(), (error: unknown) => isSinkFailure(error) && /pre-commit checkpoint 4: Error: disk full/.test(String(error)));
  });
});

describe('a plain sink at checkpoints', () => {
  test('flushes in the synchronous phase, and the checkpoint waits for an asynchronous flush', async () => {
    const flushed: boolean[] = [];
    let release!: () => void;
    const writer: SinkWriter<number> = {
      write() {},
      flush(endOfInput) {
        flushed.push(endOfInput);
        return new Promise<void>((resolve) => (release = resolve));
      },
      close() {},
    };
    const sink: Sink<number> = { name: 'plain', createWriter: () => writer };
    const operator = await openSubtask(sink);
    const future = operator.snapshotStateAsync(CheckpointId(1));
    assert.deepEqual(flushed, [false], 'flush(false) ran synchronously');
    let done = false;
    void future?.then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(done, false, 'the checkpoint waits for the flush');
    release();
    assert.equal(await future, undefined);
  });

  test('a synchronous flush needs no asynchronous phase; a failing one fails with the operator named', async () => {
    let fail = false;
    const sink: Sink<number> = {
      name: 'plain',
      createWriter: () => ({
        write() {},
        flush() {
          if (fail) throw new Error('broken pipe');
        },
        close() {},
      }),
    };
    const operator = await openSubtask(sink);
    assert.equal(operator.snapshotStateAsync(CheckpointId(1)), undefined);
    fail = true;
    assert.throws(() => operator.snapshotStateAsync(CheckpointId(2)), (error: unknown) => error instanceof WeirError && /sink 'store' \(uid store\).*flush\(\).*broken pipe/.test(error.message));
  });
});

describe('a sink writer with backpressure', () => {
  test('the operator hands onAvailable to the writer and answers with its availability', async () => {
    let available = true;
    const writer: SinkWriter<number> = {
      write() {},
      flush() {},
      close() {},
      isAvailable: () => available,
    };
    const operator = await openSubtask<number>({ name: 'slow', createWriter: () => writer });
    let woken = 0;
    assert.equal(operator.watchAvailability(() => woken++), true);
    assert.equal(operator.isAvailable(), true);
    available = false;
    assert.equal(operator.isAvailable(), false);
    available = true;
    writer.onAvailable?.();
    assert.equal(woken, 1, 'the callback the task gave reached the writer');
    assert.equal(operator.isAvailable(), true);
  });

  test('a writer without isAvailable is always available and gets no callback; a failing isAvailable names the operator', async () => {
    const plain: SinkWriter<number> = { write() {}, flush() {}, close() {} };
    const operator = await openSubtask<number>({ name: 'plain', createWriter: () => plain });
    assert.equal(operator.watchAvailability(() => {}), false);
    assert.equal(operator.isAvailable(), true);
    assert.equal(plain.onAvailable, undefined);

    const broken = await openSubtask<number>({
      name: 'broken',
      createWriter: () => ({
        write() {},
        flush() {},
        close() {},
        isAvailable(): boolean {
          throw new Error('lost track');
        },
      }),
    });
    assert.throws(() => broken.isAvailable(), (error: unknown) => error instanceof WeirError && /sink 'store' \(uid store\).*isAvailable\(\).*lost track/.test(error.message));
  });
});
