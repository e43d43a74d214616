/**
 * @module Drives source readers by hand, the way a SourceStreamTask does, without a job around them:
 * for connector tests and benchmarks that check what a source emits and where it resumes.
 */
import { WeirError } from '../core/errors.ts';
import type { Source, SourceReader, SourceSplit } from '../operators/source.ts';

/**
 * Creates and starts the readers of every subtask: the enumerator's initial splits (or `restored`,
 * indexed by subtask, as a restore hands them back), then `addSplits` and `notifyNoMoreSplits`.
 */
export async function openSourceReaders<T, S extends SourceSplit>(source: Source<T, S>, parallelism: number, restored?: readonly (readonly S[])[]): Promise<SourceReader<T, S>[]> {
  const description = `source '${source.name}' (uid harness)`;
  const assignment = restored ?? (await source.createEnumerator({ parallelism, description }).assignInitialSplits());
  const readers: SourceReader<T, S>[] = [];
  for (let subtask = 0; subtask < parallelism; subtask++) {
    const reader = source.createReader({ subtaskIndex: subtask, parallelism, description: `${description} subtask ${subtask + 1}/${parallelism}` });
    await reader.start();
    reader.addSplits(assignment[subtask] ?? []);
    reader.notifyNoMoreSplits();
    readers.push(reader);
  }
  return readers;
}

/** Closes every reader, together. */
export async function closeReaders(readers: readonly SourceReader<unknown, SourceSplit>[]): Promise<void> {
  await Promise.all(
    readers.map(async (reader) => {
      await reader.close();
    }),
  );
}

/** Polls between two turns of the event loop, as SourceStreamTask runs them. */
const POLLS_PER_TURN = 8;

export interface PollOptions<T> {
  /** Stop (after the poll that made it true) before the end of input; needed for continuous sources. */
  readonly until?: ((records: readonly T[]) => boolean) | undefined;
  /** Fail when neither the end of input nor `until` comes within this time. Default 10 s. */
  readonly timeoutMs?: number | undefined;
}

/** Polls `reader` until END_OF_INPUT (or `until`), awaiting `isAvailable()` when it has nothing, and returns what it emitted. */
export async function pollReader<T>(reader: SourceReader<T, SourceSplit>, options: PollOptions<T> = {}): Promise<T[]> {
  const records: T[] = [];
  const output = {
    collect(value: T): void {
      records.push(value);
    },
  };
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = performance.now() + timeoutMs;
  for (let polls = 1; ; polls++) {
    const status = reader.pollNext(output);
    if (status === 'END_OF_INPUT' || options.until?.(records) === true) return records;
    if (status === 'NOTHING_AVAILABLE') {
      await withDeadline(reader.isAvailable(), deadline, timeoutMs);
    } else if (polls % POLLS_PER_TURN === 0) {
      // Give I/O and timers a turn, as the task loop does, so a reader's prefetch overlaps its polls.
      if (performance.now() > deadline) throw timedOut(timeoutMs);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

async function withDeadline(promise: Promise<void>, deadline: number, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(timedOut(timeoutMs));
    }, Math.max(0, deadline - performance.now()));
  });
  try {
    await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function timedOut(timeoutMs: number): WeirError {
  return new WeirError('SOURCE_FAILED', `the reader neither ended nor met the 'until' condition within ${timeoutMs} ms`, {
    hint: 'a bounded reader that never returns END_OF_INPUT, or an isAvailable() that never resolves, is a bug in the source',
  });
}
