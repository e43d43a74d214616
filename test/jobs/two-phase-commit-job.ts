/**
 * @module Jobs for the two-phase-commit runtime. `job`: DataGen -> map -> rebalance -> a
 * TwoPhaseCommittingSink whose "database" is a directory (`--store`): a pre-commit writes
 * `prepared/<txn>`, a commit renames it to `committed/<txn>`, and every call is appended to `log`. The
 * map throws on the first attempt (`--fail-at`, once a checkpoint completed; never without it); with
 * `--fail-restore-commit` the first commit of restored transactions on the second attempt commits half
 * of them and throws. `flushJob`: a plain sink whose flush (at each checkpoint too) takes `--delay` ms.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataGeneratorSource, RichMapFunction, Types, defineJob } from 'weir';
import type {
  CheckpointListener,
  CommittingSinkContext,
  CommittingSinkWriter,
  Committer,
  Sink,
  SinkWriter,
  SinkWriterContext,
  TwoPhaseCommittingSink,
} from 'weir';

/** One line of the store's log. */
export type LogEntry =
  | { readonly event: 'commit' | 'already'; readonly txn: string; readonly subtask: number; readonly attempt: number }
  | { readonly event: 'abort'; readonly txn: string; readonly subtask: number; readonly attempt: number }
  | { readonly event: 'restore'; readonly checkpointId: number; readonly subtask: number; readonly attempt: number }
  | { readonly event: 'injected'; readonly subtask: number; readonly attempt: number };

/** The subtask that opened a transaction: the first part of its id. */
export function txnSubtask(txn: string): number {
  return Number(txn.split('-')[0]);
}

class Store {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(join(dir, 'prepared'), { recursive: true });
    mkdirSync(join(dir, 'committed'), { recursive: true });
  }
  log(entry: LogEntry): void {
    appendFileSync(join(this.dir, 'log'), `${JSON.stringify(entry)}\n`);
  }
  prepared(txn: string): string {
    return join(this.dir, 'prepared', txn);
  }
  committed(txn: string): string {
    return join(this.dir, 'committed', txn);
  }
}

class StoreWriter implements CommittingSinkWriter<number, string> {
  readonly #store: Store;
  readonly #context: CommittingSinkContext;
  readonly #token = Math.random().toString(16).slice(2, 10);
  #sequence = 0;
  #records: number[] = [];

  constructor(store: Store, context: CommittingSinkContext) {
    this.#store = store;
    this.#context = context;
  }

  write(value: number): void {
    this.#records.push(value);
  }

  flush(): void {}

  async prepareCommit(): Promise<string[]> {
    if (this.#records.length === 0) return [];
    const records = this.#records;
    this.#records = [];
    const txn = `${this.#context.subtaskIndex}-${this.#context.attemptNumber}-${this.#token}-${this.#sequence++}`;
    const file = this.#store.prepared(txn);
    await writeFile(`${file}.tmp`, JSON.stringify(records));
    await rename(`${file}.tmp`, file);
    return [txn];
  }

  close(): void {}
}

class StoreCommitter implements Committer<string> {
  readonly #store: Store;
  readonly #context: CommittingSinkContext;
  #failNext: boolean;

  constructor(store: Store, context: CommittingSinkContext, failFirst: boolean) {
    this.#store = store;
    this.#context = context;
    this.#failNext = failFirst;
  }

  async commit(txns: readonly string[]): Promise<void> {
    const { subtaskIndex: subtask, attemptNumber: attempt } = this.#context;
    const fail = this.#failNext;
    this.#failNext = false;
    const upTo = fail ? Math.floor(txns.length / 2) : txns.length;
    for (const txn of txns.slice(0, upTo)) {
      if (existsSync(this.#store.committed(txn))) {
        this.#store.log({ event: 'already', txn, subtask, attempt });
        continue;
      }
      renameSync(this.#store.prepared(txn), this.#store.committed(txn));
      this.#store.log({ event: 'commit', txn, subtask, attempt });
    }
    if (fail) {
      this.#store.log({ event: 'injected', subtask, attempt });
      throw new Error('injected commit failure');
    }
    await Promise.resolve();
  }

  close(): void {}
}

class StoreSink implements TwoPhaseCommittingSink<number, string> {
  readonly name = 'store';
  readonly deliveryGuarantee = 'EXACTLY_ONCE';
  readonly committableType = Types.string;
  readonly #dir: string;
  readonly #failRestoreCommit: boolean;

  constructor(dir: string, failRestoreCommit: boolean) {
    this.#dir = dir;
    this.#failRestoreCommit = failRestoreCommit;
  }

  createWriter(context: CommittingSinkContext): StoreWriter {
    return new StoreWriter(new Store(this.#dir), context);
  }

  createCommitter(context: CommittingSinkContext): StoreCommitter {
    const store = new Store(this.#dir);
    if (context.restoredCheckpointId !== undefined) {
      store.log({ event: 'restore', checkpointId: context.restoredCheckpointId, subtask: context.subtaskIndex, attempt: context.attemptNumber });
    }
    return new StoreCommitter(store, context, this.#failRestoreCommit && context.attemptNumber === 1 && context.restoredCheckpointId !== undefined);
  }

  async abortLingering(context: CommittingSinkContext): Promise<void> {
    const store = new Store(this.#dir);
    for (const txn of readdirSync(join(this.#dir, 'prepared'))) {
      if (txnSubtask(txn) % context.parallelism !== context.subtaskIndex) continue;
      // a pre-commit cut short between writing and renaming (its worker was terminated): not a transaction, just gone
      if (txn.endsWith('.tmp')) {
        await unlink(store.prepared(txn));
        continue;
      }
      await unlink(store.prepared(txn));
      store.log({ event: 'abort', txn, subtask: context.subtaskIndex, attempt: context.attemptNumber });
    }
  }
}

class FailOnce extends RichMapFunction<number, number> implements CheckpointListener {
  readonly #failAt: number;
  #checkpointCompleted = false;
  constructor(failAt: number) {
    super();
    this.#failAt = failAt;
  }
  map(i: number): number {
    // Every subtask fails once past `failAt`: none of the first attempt reaches the end of its input.
    if (this.#checkpointCompleted && i >= this.#failAt && this.getRuntimeContext().getTaskInfo().attemptNumber === 0) {
      throw new Error(`injected failure at record ${i}`);
    }
    return i;
  }
  notifyCheckpointComplete(): void {
    this.#checkpointCompleted = true;
  }
}

export const job = defineJob('two-phase-commit', (env, params) => {
  env.enableCheckpointing(100);
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
  env
    .fromSource(new DataGeneratorSource((i) => i, { count: params.getInt('count'), recordsPerSecond: params.getNumber('rate'), outputType: Types.number }), 'numbers')
    .uid('numbers')
    .map(new FailOnce(params.getNumber('fail-at', Number.POSITIVE_INFINITY)), Types.number)
    .uid('fail-once')
    .rebalance()
    .sinkTo(new StoreSink(params.getRequired('store'), params.get('fail-restore-commit') === 'true'))
    .uid('store');
});

/** What the flush sink reports per subtask, in `<out>/<subtask>.json`. */
export interface FlushReport {
  readonly written: number;
  readonly flushed: number;
  readonly checkpointFlushes: number;
}

/** A plain sink: a flush moves the buffered records to "flushed" after `delayMs`. */
class SlowFlushSink implements Sink<number> {
  readonly name = 'slow-flush';
  readonly #out: string;
  readonly #delayMs: number;
  constructor(out: string, delayMs: number) {
    this.#out = out;
    this.#delayMs = delayMs;
  }
  createWriter(context: SinkWriterContext): SinkWriter<number> {
    const out = this.#out;
    const delayMs = this.#delayMs;
    let buffered = 0;
    const report = { written: 0, flushed: 0, checkpointFlushes: 0 };
    return {
      write() {
        report.written++;
        buffered++;
      },
      flush(endOfInput) {
        const count = buffered;
        buffered = 0;
        if (!endOfInput) report.checkpointFlushes++;
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            report.flushed += count;
            resolve();
          }, delayMs),
        );
      },
      close() {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, `${context.subtaskIndex}.json`), JSON.stringify(report));
      },
    };
  }
}

export const flushJob = defineJob('flush-at-checkpoint', (env, params) => {
  env.enableCheckpointing(50);
  env
    .fromSource(new DataGeneratorSource((i) => i, { count: params.getInt('count'), recordsPerSecond: params.getNumber('rate'), outputType: Types.number }), 'numbers')
    .uid('numbers')
    .rebalance()
    .sinkTo(new SlowFlushSink(params.getRequired('out'), params.getInt('delay')))
    .uid('slow-flush');
});
