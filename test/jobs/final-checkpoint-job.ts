/**
 * @module Jobs for the final checkpoint of a bounded job. `job`: an uneven paced source (subtask 0 reads
 * `--short` numbers, subtask 1 `--long` more, both at `--rate` per second) -> map -> a two-phase-commit
 * sink, all chained: a `store` sink whose "database" is a directory (a pre-commit writes
 * `prepared/<txn>`, a commit renames it to `committed/<txn>` and appends to `log`), or a FileSink
 * (`--sink file`). Each source subtask leaves `ended-<subtask>` in `--markers` when its input ends; on
 * the first attempt subtask 1's map fails (`--after-end fail`) or kills the process (`--after-end kill`,
 * once per markers directory) `--delay` ms after subtask 0's input ended, while subtask 0 waits for the
 * job's end. `--fail-final-commit`: the first commit of the first attempt once every input ended (the
 * final checkpoint's) throws. `regionsJob`: two such pipelines (`a` short, `b` long) as two pipelined
 * regions, where `b` fails after `a` ended. `--interval 0` turns checkpointing off.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSink, RichMapFunction, Types, defineJob, type JobParameters, type StreamExecutionEnvironment } from 'weir';
import type {
  CommittingSinkContext,
  CommittingSinkWriter,
  Committer,
  InputStatus,
  ReaderOutput,
  Sink,
  Source,
  SourceReader,
  SourceSplit,
  SplitEnumerator,
  TwoPhaseCommittingSink,
} from 'weir';

/** One line of the store's log. */
export type LogEntry =
  | { readonly event: 'commit' | 'already'; readonly txn: string; readonly subtask: number; readonly attempt: number }
  | { readonly event: 'restore'; readonly checkpointId: number; readonly subtask: number; readonly attempt: number }
  | { readonly event: 'injected'; readonly subtask: number; readonly attempt: number };

/** A store transaction's name: `<subtask>-<attempt>-<token>-<checkpointId>-<sequence>`. */
export function txnCheckpointId(txn: string): number {
  return Number(txn.split('-')[3]);
}

export function txnSubtask(txn: string): number {
  return Number(txn.split('-')[0]);
}

/** The numbers subtask `subtask` of an uneven source reads: the counts before it come first. */
export function numbersOf(counts: readonly number[], subtask: number): number[] {
  const start = counts.slice(0, subtask).reduce((sum, n) => sum + n, 0);
  return Array.from({ length: counts[subtask] ?? 0 }, (_, i) => start + i);
}

export function endedMarker(markers: string, subtask: number): string {
  return join(markers, `ended-${subtask}`);
}

interface UnevenSplit extends SourceSplit {
  readonly start: number;
  readonly next: number;
  readonly end: number;
}

/** Subtask i reads `counts[i]` consecutive numbers, `rate` per second; it marks the end of its input in `markers`. */
class UnevenSource implements Source<number, UnevenSplit> {
  readonly boundedness = 'BOUNDED';
  readonly name = 'Uneven';
  readonly outputType = Types.number;
  readonly #counts: readonly number[];
  readonly #rate: number;
  readonly #markers: string;

  constructor(counts: readonly number[], rate: number, markers: string) {
    this.#counts = counts;
    this.#rate = rate;
    this.#markers = markers;
  }

  createEnumerator(context: { readonly parallelism: number }): SplitEnumerator<UnevenSplit> {
    const assignment: UnevenSplit[][] = Array.from({ length: context.parallelism }, (_, subtask) => {
      const numbers = numbersOf(this.#counts, subtask);
      const start = numbers[0] ?? 0;
      return [{ splitId: `part-${subtask}`, start, next: start, end: start + numbers.length }];
    });
    return { assignInitialSplits: () => assignment };
  }

  createReader(context: { readonly subtaskIndex: number }): SourceReader<number, UnevenSplit> {
    return new UnevenReader(this.#rate, endedMarker(this.#markers, context.subtaskIndex));
  }
}

class UnevenReader implements SourceReader<number, UnevenSplit> {
  readonly #rate: number;
  readonly #marker: string;
  #splits: { splitId: string; start: number; next: number; end: number }[] = [];
  #startedAt = -1;
  #startedFrom = 0;

  constructor(rate: number, marker: string) {
    this.#rate = rate;
    this.#marker = marker;
  }

  start(): void {}

  addSplits(splits: readonly UnevenSplit[]): void {
    for (const split of splits) this.#splits.push({ ...split });
  }

  notifyNoMoreSplits(): void {}

  pollNext(output: ReaderOutput<number>): InputStatus {
    const now = performance.now();
    if (this.#startedAt < 0) {
      this.#startedAt = now;
      this.#startedFrom = this.#splits.reduce((sum, s) => sum + s.next - s.start, 0);
    }
    // Paced over the records of this attempt: a restored split goes on at the same rate.
    let allowed = Math.floor(((now - this.#startedAt) * this.#rate) / 1000) + 1 + this.#startedFrom;
    let open = 0;
    for (const split of this.#splits) {
      allowed -= split.next - split.start;
      for (; split.next < split.end && allowed > 0; split.next++, allowed--) output.collect(split.next);
      if (split.next < split.end) open++;
    }
    if (open > 0) return 'NOTHING_AVAILABLE';
    mkdirSync(join(this.#marker, '..'), { recursive: true });
    if (!existsSync(this.#marker)) writeFileSync(this.#marker, String(Date.now()));
    return 'END_OF_INPUT';
  }

  isAvailable(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 2));
  }

  snapshotState(): UnevenSplit[] {
    return this.#splits.map((s) => ({ ...s }));
  }

  close(): void {}
}

/**
 * On the first attempt, subtask `subtask` fails (or kills the process) at its first record `delayMs`
 * after the input of the subtask marked by `ended` ended.
 */
class FailAfterEnd extends RichMapFunction<number, number> {
  readonly #mode: 'fail' | 'kill' | 'none';
  readonly #subtask: number;
  readonly #ended: string;
  readonly #killed: string;
  readonly #delayMs: number;
  #checkedAt = 0;
  #seenAt = -1;

  constructor(mode: 'fail' | 'kill' | 'none', subtask: number, ended: string, killed: string, delayMs: number) {
    super();
    this.#mode = mode;
    this.#subtask = subtask;
    this.#ended = ended;
    this.#killed = killed;
    this.#delayMs = delayMs;
  }

  map(value: number): number {
    const info = this.getRuntimeContext().getTaskInfo();
    if (this.#mode === 'none' || info.indexOfThisSubtask !== this.#subtask || info.attemptNumber !== 0) return value;
    const now = Date.now();
    if (this.#seenAt < 0) {
      if (now - this.#checkedAt < 20) return value;
      this.#checkedAt = now;
      if (existsSync(this.#ended)) this.#seenAt = now;
      return value;
    }
    if (now - this.#seenAt < this.#delayMs) return value;
    if (this.#mode === 'fail') throw new Error(`injected failure at record ${value}, after the other subtask's input ended`);
    if (!existsSync(this.#killed)) {
      writeFileSync(this.#killed, String(value));
      process.kill(process.pid, 'SIGKILL');
    }
    return value;
  }
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

  async prepareCommit(checkpointId: number): Promise<string[]> {
    if (this.#records.length === 0) return [];
    const records = this.#records;
    this.#records = [];
    const txn = `${this.#context.subtaskIndex}-${this.#context.attemptNumber}-${this.#token}-${checkpointId}-${this.#sequence++}`;
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
  /** Set: the first commit once every marker in it exists throws (first attempt only). */
  #failOnceEnded: readonly string[] | undefined;

  constructor(store: Store, context: CommittingSinkContext, failOnceEnded: readonly string[] | undefined) {
    this.#store = store;
    this.#context = context;
    this.#failOnceEnded = failOnceEnded;
  }

  async commit(txns: readonly string[]): Promise<void> {
    const { subtaskIndex: subtask, attemptNumber: attempt } = this.#context;
    const failOnceEnded = this.#failOnceEnded;
    if (failOnceEnded !== undefined && failOnceEnded.every((marker) => existsSync(marker))) {
      this.#failOnceEnded = undefined;
      this.#store.log({ event: 'injected', subtask, attempt });
      throw new Error('injected failure of the final commit');
    }
    for (const txn of txns) {
      if (existsSync(this.#store.committed(txn))) {
        this.#store.log({ event: 'already', txn, subtask, attempt });
        continue;
      }
      renameSync(this.#store.prepared(txn), this.#store.committed(txn));
      this.#store.log({ event: 'commit', txn, subtask, attempt });
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
  readonly #failOnceEnded: readonly string[] | undefined;

  constructor(dir: string, failOnceEnded: readonly string[] | undefined) {
    this.#dir = dir;
    this.#failOnceEnded = failOnceEnded;
  }

  createWriter(context: CommittingSinkContext): StoreWriter {
    return new StoreWriter(new Store(this.#dir), context);
  }

  createCommitter(context: CommittingSinkContext): StoreCommitter {
    const store = new Store(this.#dir);
    if (context.restoredCheckpointId !== undefined) {
      store.log({ event: 'restore', checkpointId: context.restoredCheckpointId, subtask: context.subtaskIndex, attempt: context.attemptNumber });
    }
    return new StoreCommitter(store, context, context.attemptNumber === 0 ? this.#failOnceEnded : undefined);
  }

  async abortLingering(context: CommittingSinkContext): Promise<void> {
    for (const txn of readdirSync(join(this.#dir, 'prepared'))) {
      if (txn.endsWith('.tmp') || txnSubtask(txn) % context.parallelism !== context.subtaskIndex) continue;
      await unlink(join(this.#dir, 'prepared', txn));
    }
  }
}

function counts(params: JobParameters, prefix = ''): number[] {
  return [params.getInt(`${prefix}short`), params.getInt(`${prefix}long`)];
}

function configure(env: StreamExecutionEnvironment, params: JobParameters): void {
  const interval = params.getInt('interval', 100);
  if (interval === 0) return;
  env.enableCheckpointing(interval);
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
}

function sinkOf(params: JobParameters, out: string, markers: string): Sink<number> {
  if (params.get('sink') === 'file') return FileSink.forRowFormat<number>(out, String)
      .withBucketAssigner(() => '')
      .build();
  const failFinal = params.getBoolean('fail-final-commit') ? [endedMarker(markers, 0), endedMarker(markers, 1)] : undefined;
  return new StoreSink(out, failFinal);
}

function afterEnd(params: JobParameters): 'fail' | 'kill' | 'none' {
  const mode = params.get('after-end', 'none');
  if (mode !== 'fail' && mode !== 'kill' && mode !== 'none') throw new Error(`--after-end: fail, kill or none, not ${mode}`);
  return mode;
}

export const job = defineJob('final-checkpoint', (env, params) => {
  configure(env, params);
  const markers = params.getRequired('markers');
  env
    .fromSource(new UnevenSource(counts(params), params.getNumber('rate'), markers), 'numbers')
    .uid('numbers')
    .map(new FailAfterEnd(afterEnd(params), 1, endedMarker(markers, 0), join(markers, 'killed'), params.getInt('delay', 500)), Types.number)
    .uid('fail-after-end')
    .sinkTo(sinkOf(params, params.getRequired('out'), markers))
    .uid('out');
});

/** Pipeline `a` reads `--short` numbers per subtask and ends early; pipeline `b` reads `--long` and fails once after `a` ended. */
export const regionsJob = defineJob('final-checkpoint-regions', (env, params) => {
  configure(env, params);
  const markers = params.getRequired('markers');
  const out = params.getRequired('out');
  const short = params.getInt('short');
  const long = params.getInt('long');
  env
    .fromSource(new UnevenSource([short, short], params.getNumber('rate'), join(markers, 'a')), 'a-numbers')
    .uid('a-numbers')
    .sinkTo(new StoreSink(join(out, 'a'), undefined))
    .uid('a-out');
  env
    .fromSource(new UnevenSource([long, long], params.getNumber('rate'), join(markers, 'b')), 'b-numbers')
    .uid('b-numbers')
    .map(new FailAfterEnd('fail', 1, endedMarker(join(markers, 'a'), 1), join(markers, 'killed'), params.getInt('delay', 500)), Types.number)
    .uid('b-fail-after-end')
    .sinkTo(new StoreSink(join(out, 'b'), undefined))
    .uid('b-out');
});
