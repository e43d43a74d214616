/**
 * @module The million-keys benchmark job of the checkpoint-overhead and recovery benches: DataGen objects
 * whose key cycles through k0..k999999 (record i has key `k${i % 1_000_000}`, so every key is in the
 * state once a million records are out) -> keyBy(key) -> count per key in ValueState (CountPerKey of
 * keyed-count-job.ts) -> a sink that summarizes the counts it receives.
 * Args: `--events N` (records, required); `--checkpoints DIR` (EXACTLY_ONCE checkpoints every
 * `--interval` ms, default 1000, into DIR, retained on cancellation; none without it);
 * `--after-last end|hold|probe` (what the source does once its records are out, default end; see
 * `AfterLast`); `--signals NAME` (the BroadcastChannel the bench listens on, see `MillionKeysSignal`).
 */
import { BroadcastChannel } from 'node:worker_threads';
import {
  DataGeneratorSource,
  Types,
  defineJob,
  randomInt,
  type Boundedness,
  type DataGeneratorSplit,
  type InputStatus,
  type OperatorCoordinator,
  type ReaderOutput,
  type Sink,
  type SinkWriter,
  type SinkWriterContext,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from 'weir';
import { BenchVerificationError } from '../bench.ts';
import { CountPerKey, KeyedCountRecordType, type KeyedCountRecord } from './keyed-count-job.ts';

export const MILLION_KEYS = 1_000_000;
const SEED = 31;
const PROBES_PER_POLL = 1024;

/** Record i of the input: key `k${i mod 1M}`, a pure function of i. */
export function millionKeysRecord(i: number): KeyedCountRecord {
  return { id: i, key: `k${i % MILLION_KEYS}`, value: randomInt(SEED, i, 1000) };
}

/** The probe of key j: one more record of that key, so its count after a restore shows at the sink. */
export function probeRecord(j: number): KeyedCountRecord {
  return { id: -1 - j, key: `k${j}`, value: 0 };
}

/**
 * What the source does once its records are out:
 * - `end`: ends (a plain bounded DataGeneratorSource);
 * - `hold`: announces `source-exhausted` and waits for the job to be cancelled, so the checkpoints that
 *   follow hold the state of every record and a source position at its end;
 * - `probe`: emits `probeRecord(j)` for each key j of this subtask's share (j mod parallelism), then
 *   ends. Probes are not part of the source's position: a job restored from a `hold` checkpoint reads
 *   nothing of the input again and only probes.
 */
export type AfterLast = 'end' | 'hold' | 'probe';

/**
 * What the job tells the bench on `--signals` (a BroadcastChannel reaches the main thread from the
 * slots' worker threads): a source subtask emitted its last record (`hold`), a count subtask opened,
 * that is, its keyed state was restored (restore happens before open) and it takes input now.
 */
export type MillionKeysSignal = { readonly kind: 'source-exhausted'; readonly subtask: number } | { readonly kind: 'count-opened'; readonly subtask: number };

function announce(channelName: string | undefined, signal: MillionKeysSignal): void {
  if (channelName === undefined) return;
  const channel = new BroadcastChannel(channelName);
  channel.postMessage(signal);
  channel.close();
}

/** A DataGeneratorSource of `millionKeysRecord` whose readers hold or probe after the last record (see AfterLast). */
class AfterLastSource implements Source<KeyedCountRecord, DataGeneratorSplit> {
  readonly name = 'DataGen';
  readonly boundedness: Boundedness;
  readonly outputType = KeyedCountRecordType;
  readonly #input: DataGeneratorSource<KeyedCountRecord>;
  readonly #afterLast: 'hold' | 'probe';
  readonly #signals: string | undefined;

  constructor(count: number, afterLast: 'hold' | 'probe', signals: string | undefined) {
    this.#input = new DataGeneratorSource(millionKeysRecord, { count, outputType: KeyedCountRecordType });
    this.#afterLast = afterLast;
    this.#signals = signals;
    this.boundedness = afterLast === 'hold' ? 'CONTINUOUS_UNBOUNDED' : 'BOUNDED';
  }

  createEnumerator(context: SplitEnumeratorContext): SplitEnumerator<DataGeneratorSplit> {
    return this.#input.createEnumerator(context);
  }

  createReader(context: SourceReaderContext): SourceReader<KeyedCountRecord, DataGeneratorSplit> {
    const input = this.#input.createReader(context);
    const afterLast = this.#afterLast;
    const signals = this.#signals;
    let exhausted = false;
    let nextProbe = context.subtaskIndex;
    return {
      start: () => input.start(),
      addSplits: (splits) => input.addSplits(splits),
      notifyNoMoreSplits: () => input.notifyNoMoreSplits(),
      pollNext(output: ReaderOutput<KeyedCountRecord>): InputStatus {
        if (!exhausted) {
          const status = input.pollNext(output);
          if (status !== 'END_OF_INPUT') return status;
          exhausted = true;
          if (afterLast === 'hold') announce(signals, { kind: 'source-exhausted', subtask: context.subtaskIndex });
        }
        if (afterLast === 'hold') return 'NOTHING_AVAILABLE';
        const stop = Math.min(MILLION_KEYS, nextProbe + PROBES_PER_POLL * context.parallelism);
        for (; nextProbe < stop; nextProbe += context.parallelism) output.collect(probeRecord(nextProbe));
        return nextProbe < MILLION_KEYS ? 'MORE_AVAILABLE' : 'END_OF_INPUT';
      },
      // Holding: nothing comes any more; the cancel terminates the worker.
      isAvailable: () => (exhausted && afterLast === 'hold' ? new Promise<void>(() => {}) : input.isAvailable()),
      snapshotState: () => input.snapshotState(),
      close: () => input.close(),
    };
  }
}

/** CountPerKey that says when it opened (after its state was restored). */
class AnnouncedCountPerKey extends CountPerKey {
  readonly #signals: string | undefined;

  constructor(signals: string | undefined) {
    super();
    this.#signals = signals;
  }

  override open(): void {
    super.open();
    announce(this.#signals, { kind: 'count-opened', subtask: this.getRuntimeContext().getTaskInfo().indexOfThisSubtask });
  }
}

/** What a sink subtask received: how many counts, their sum, how many were a key's first (1), the smallest and largest. */
export interface CountSummaryReport {
  readonly received: number;
  readonly countSum: number;
  readonly firstCounts: number;
  /** 0 when nothing was received. */
  readonly minCount: number;
  readonly maxCount: number;
}

/**
 * A summary cheap enough per record not to dilute what the benches measure, yet tight: with keys
 * emitting 1..n each, `received`, `countSum` and `firstCounts` (the number of keys) pin the counts down,
 * and for probes (one per key) `minCount` = `maxCount` = n + 1 pins every key's restored count.
 */
export class CountSummary {
  received = 0;
  countSum = 0;
  firstCounts = 0;
  minCount = Number.POSITIVE_INFINITY;
  maxCount = 0;

  add(count: number): void {
    this.received++;
    this.countSum += count;
    if (count === 1) this.firstCounts++;
    if (count < this.minCount) this.minCount = count;
    if (count > this.maxCount) this.maxCount = count;
  }

  merge(report: CountSummaryReport): void {
    this.received += report.received;
    this.countSum += report.countSum;
    this.firstCounts += report.firstCounts;
    if (report.received > 0) this.minCount = Math.min(this.minCount, report.minCount);
    this.maxCount = Math.max(this.maxCount, report.maxCount);
  }

  report(): CountSummaryReport {
    const { received, countSum, firstCounts, maxCount } = this;
    return { received, countSum, firstCounts, minCount: received === 0 ? 0 : this.minCount, maxCount };
  }
}

/** Throws a BenchVerificationError unless the sink subtasks' reports add up to the reference summary. */
export function verifySummary(bench: string, variant: string, reports: readonly CountSummaryReport[], expected: CountSummaryReport, subtasks: number): void {
  if (reports.length !== subtasks) throw new BenchVerificationError(bench, variant, `${reports.length} sink subtasks reported instead of ${subtasks}`);
  const actual = new CountSummary();
  for (const report of reports) actual.merge(report);
  const got = actual.report();
  const wrong = (Object.keys(expected) as (keyof CountSummaryReport)[]).filter((field) => got[field] !== expected[field]);
  if (wrong.length > 0) throw new BenchVerificationError(bench, variant, wrong.map((field) => `${field} ${got[field]} instead of ${expected[field]}`).join(', '));
}

/** Summarizes each subtask's input and sends one report per subtask to the coordinator at the end. */
export class CountSummarySink implements Sink<[string, number]> {
  readonly name = 'count-summary';

  createWriter(context: SinkWriterContext): SinkWriter<[string, number]> {
    const summary = new CountSummary();
    return {
      write([, count]) {
        summary.add(count);
      },
      flush(endOfInput) {
        if (endOfInput) context.sendEventToCoordinator(summary.report());
      },
      close() {},
    };
  }

  createCoordinator(): OperatorCoordinator {
    const reports: CountSummaryReport[] = [];
    return {
      handleEventFromOperator: (_subtask, event) => {
        reports.push(event as CountSummaryReport);
      },
      result: () => reports,
    };
  }
}

function afterLastOf(value: string): AfterLast {
  if (value === 'end' || value === 'hold' || value === 'probe') return value;
  throw new Error(`million-keys job: --after-last must be end, hold or probe, not '${value}'`);
}

export const job = defineJob('million-keys', (env, params) => {
  const events = params.getInt('events');
  const checkpoints = params.get('checkpoints');
  if (checkpoints !== undefined) {
    env.enableCheckpointing(params.getInt('interval', 1000), 'EXACTLY_ONCE');
    env.getCheckpointConfig().setCheckpointStorage(checkpoints);
    env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
  }
  const afterLast = afterLastOf(params.get('after-last', 'end'));
  const signals = params.get('signals');
  const source: Source<KeyedCountRecord, DataGeneratorSplit> =
    afterLast === 'end' ? new DataGeneratorSource(millionKeysRecord, { count: events, outputType: KeyedCountRecordType }) : new AfterLastSource(events, afterLast, signals);
  env
    .fromSource(source, 'datagen')
    .uid('datagen')
    .keyBy((record) => record.key)
    .process(new AnnouncedCountPerKey(signals), Types.tuple(Types.string, Types.number))
    .name('count')
    .uid('count')
    .sinkTo(new CountSummarySink())
    .name('summary')
    .uid('summary-sink');
});
