/**
 * @module A checkpointed keyed count to inject faults into: DataGen -> map -> keyBy -> sum -> a sink.
 * The map can end its worker thread (`--crash-at`) once a checkpoint completed in its attempt, and
 * traces what it saw (`--trace`); the sink is a CollectSink, or with `--out` a file per subtask.
 */
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { CollectSink, DataGeneratorSource, RichMapFunction, Types, defineJob, randomInt } from 'weir';
import type { CheckpointListener, Sink, SinkWriter, SinkWriterContext } from 'weir';

export const KEYS = 40;

export interface Reading {
  readonly i: number;
  readonly key: string;
}

export interface Count {
  readonly key: string;
  readonly n: number;
}

export function reading(i: number): Reading {
  return { i, key: `k${randomInt(57, i, KEYS)}` };
}

/** One line of `--trace`: what one subtask's map saw in one attempt. */
export type TraceEvent =
  | { readonly event: 'first-record'; readonly attempt: number; readonly subtask: number; readonly i: number }
  | { readonly event: 'checkpoint-complete'; readonly attempt: number; readonly subtask: number; readonly checkpointId: number }
  | { readonly event: 'crash'; readonly attempt: number; readonly subtask: number; readonly i: number };

/**
 * Attempt a ends its worker thread with `process.exit(1)` at the first record whose index is at least
 * `crashAt[a]`, but only once a checkpoint completed in that attempt, so every restart has a newer
 * checkpoint to go back to. Attempts past the plan run to the end.
 */
class CrashAfterCheckpoint extends RichMapFunction<Reading, Count> implements CheckpointListener {
  readonly #crashAt: readonly number[];
  readonly #trace: string | undefined;
  #attempt = 0;
  #subtask = 0;
  #seenRecord = false;
  #checkpointCompleted = false;

  constructor(crashAt: readonly number[], trace: string | undefined) {
    super();
    this.#crashAt = crashAt;
    this.#trace = trace;
  }

  override open(): void {
    const info = this.getRuntimeContext().getTaskInfo();
    this.#attempt = info.attemptNumber;
    this.#subtask = info.indexOfThisSubtask;
  }

  map(value: Reading): Count {
    if (!this.#seenRecord) {
      this.#seenRecord = true;
      this.#log({ event: 'first-record', attempt: this.#attempt, subtask: this.#subtask, i: value.i });
    }
    const crashAt = this.#crashAt[this.#attempt];
    if (crashAt !== undefined && this.#checkpointCompleted && value.i >= crashAt) {
      this.#log({ event: 'crash', attempt: this.#attempt, subtask: this.#subtask, i: value.i });
      // Ends this worker thread at once, as a crash would: no close(), no goodbye to the JobManager.
      process.exit(1);
    }
    return { key: value.key, n: 1 };
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.#checkpointCompleted = true;
    this.#log({ event: 'checkpoint-complete', attempt: this.#attempt, subtask: this.#subtask, checkpointId });
  }

  #log(event: TraceEvent): void {
    if (this.#trace !== undefined) appendFileSync(this.#trace, `${JSON.stringify(event)}\n`);
  }
}

/** The file subtask `subtask` of a FinalCountsFileSink writes. */
export function finalCountsFile(out: string, subtask: number): string {
  return `${out}-${subtask}.json`;
}

/** Keeps the latest count of each key and writes them as one JSON object when the input ends. */
class FinalCountsFileSink implements Sink<Count> {
  readonly name = 'final-counts-file';
  readonly #out: string;

  constructor(out: string) {
    this.#out = out;
  }

  createWriter(context: SinkWriterContext): SinkWriter<Count> {
    const file = finalCountsFile(this.#out, context.subtaskIndex);
    const latest = new Map<string, number>();
    return {
      write(value) {
        latest.set(value.key, value.n);
      },
      flush(endOfInput) {
        if (!endOfInput) return;
        // Written aside and renamed, so a reader never sees half a file.
        writeFileSync(`${file}.tmp`, JSON.stringify(Object.fromEntries(latest)));
        renameSync(`${file}.tmp`, file);
      },
      close() {},
    };
  }
}

export const job = defineJob('fault-injection-count', (env, params) => {
  env.enableCheckpointing(params.getInt('interval', 100));
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
  env.getCheckpointConfig().setNumRetainedCheckpoints(params.getInt('retained', 2));
  const crashAt = (params.get('crash-at') ?? '').split(',').filter((s) => s !== '').map(Number);
  const counts = env
    .fromSource(
      new DataGeneratorSource(reading, {
        count: params.getInt('count'),
        recordsPerSecond: params.getNumber('rate'),
        outputType: Types.object({ i: Types.number, key: Types.string }),
      }),
      'readings',
    )
    .uid('readings')
    .map(new CrashAfterCheckpoint(crashAt, params.get('trace')), Types.object({ key: Types.string, n: Types.number }))
    .name('crash-after-checkpoint')
    .uid('crash-after-checkpoint')
    .keyBy((c) => c.key)
    .sum('n')
    .uid('count');
  const out = params.get('out');
  if (out === undefined) counts.sinkTo(new CollectSink('counts', { upsertKey: (c) => c.key })).uid('counts');
  else counts.sinkTo(new FinalCountsFileSink(out)).uid('final-counts-file');
});
