/**
 * @module DataGeneratorSource: a parallel, deterministic source whose record i is `generator(i)`, with
 * an optional count (bounded) and rate limit; plus `seededRandom`/`randomInt`, stateless random numbers
 * that keep a generator a pure function of its index, so a replay after a restore emits the same records.
 */
import { invalidOption } from '../core/options.ts';
import type { Boundedness, InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext, SourceSplit, SplitEnumerator, SplitEnumeratorContext } from '../operators/source.ts';
import { userFunctionFailed } from '../operators/user-function-error.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { ReaderWakeup } from './reader-availability.ts';
import { TokenBucket } from './token-bucket.ts';

export interface DataGeneratorSourceOptions<T> {
  /** How many records to generate (indexes 0..count-1); `Infinity` (the default) never ends. */
  readonly count?: number | undefined;
  /** The rate across all subtasks; each of p subtasks emits `recordsPerSecond / p`. Default: no limit. */
  readonly recordsPerSecond?: number | undefined;
  readonly outputType?: TypeSerializer<T> | undefined;
}

/**
 * The indexes `next, next + stride, next + 2·stride, ...` below `end`. Subtask s of p starts with
 * `{ next: s, stride: p }`; a snapshot stores `next`, so a restore resumes at exactly that index.
 */
export interface DataGeneratorSplit extends SourceSplit {
  /** The index of the next record to emit. */
  readonly next: number;
  /** The distance between two indexes of this split (the parallelism it was made for). */
  readonly stride: number;
  /** The first index not to emit; null when unbounded (JSON, which splits travel as, has no Infinity). */
  readonly end: number | null;
}

const WHERE = 'new DataGeneratorSource()';
const RECORDS_PER_POLL = 1024;

/**
 * Generates record i as `generator(i)` for i = 0, 1, 2, ... (up to `count`). Subtask s of p emits the
 * indexes s, s+p, s+2p, ..., so every index is emitted exactly once whatever the parallelism. Keep the
 * generator a pure function of the index (use {@link seededRandom} for randomness), so a job restored
 * from a checkpoint regenerates the very records it would have emitted.
 *
 * @example
 * const clicks = new DataGeneratorSource((i) => ({ user: `u${randomInt(1, i, 1000)}`, at: i }), {
 *   count: 1_000_000,
 *   recordsPerSecond: 50_000,
 * });
 */
export class DataGeneratorSource<T> implements Source<T, DataGeneratorSplit> {
  readonly name = 'DataGen';
  readonly boundedness: Boundedness;
  readonly outputType: TypeSerializer<T> | undefined;
  readonly #generator: (index: number) => T;
  readonly #count: number;
  readonly #recordsPerSecond: number;

  constructor(generator: (index: number) => T, options: DataGeneratorSourceOptions<T> = {}) {
    if (typeof generator !== 'function') invalidOption('generator', generator, 'a function (index: number) => record', WHERE);
    const count = options.count ?? Number.POSITIVE_INFINITY;
    if (count !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(count) || count < 0)) {
      invalidOption('count', count, 'an integer from 0 to 2^53 - 1, or Infinity for an unbounded source', WHERE);
    }
    const rate = options.recordsPerSecond ?? Number.POSITIVE_INFINITY;
    if (typeof rate !== 'number' || Number.isNaN(rate) || rate <= 0) {
      invalidOption('recordsPerSecond', rate, 'a number greater than 0, or Infinity for no limit', WHERE);
    }
    this.#generator = generator;
    this.#count = count;
    this.#recordsPerSecond = rate;
    this.boundedness = count === Number.POSITIVE_INFINITY ? 'CONTINUOUS_UNBOUNDED' : 'BOUNDED';
    this.outputType = options.outputType;
  }

  createEnumerator(context: SplitEnumeratorContext): SplitEnumerator<DataGeneratorSplit> {
    const parallelism = context.parallelism;
    const end = this.#count === Number.POSITIVE_INFINITY ? null : this.#count;
    return {
      assignInitialSplits: () =>
        Array.from({ length: parallelism }, (_, subtask) => [{ splitId: `datagen-${subtask}-of-${parallelism}`, next: subtask, stride: parallelism, end }]),
    };
  }

  createReader(context: SourceReaderContext): SourceReader<T, DataGeneratorSplit> {
    const limiter = this.#recordsPerSecond === Number.POSITIVE_INFINITY ? undefined : new TokenBucket(this.#recordsPerSecond / context.parallelism, RECORDS_PER_POLL);
    return new DataGeneratorReader(this.#generator, limiter, context.description);
  }
}

interface SplitPosition {
  readonly splitId: string;
  next: number;
  readonly stride: number;
  /** Infinity when unbounded. */
  readonly end: number;
}

class DataGeneratorReader<T> implements SourceReader<T, DataGeneratorSplit> {
  readonly #generator: (index: number) => T;
  readonly #limiter: TokenBucket | undefined;
  readonly #description: string;
  readonly #splits: SplitPosition[] = [];
  /** The split the next poll starts with, so several splits (after a rescale) take turns. */
  #cursor = 0;
  #noMoreSplits = false;
  readonly #wakeup = new ReaderWakeup();

  constructor(generator: (index: number) => T, limiter: TokenBucket | undefined, description: string) {
    this.#generator = generator;
    this.#limiter = limiter;
    this.#description = description;
  }

  start(): void {}

  addSplits(splits: readonly DataGeneratorSplit[]): void {
    for (const split of splits) {
      this.#splits.push({ splitId: split.splitId, next: split.next, stride: split.stride, end: split.end ?? Number.POSITIVE_INFINITY });
    }
    this.#wakeup.wake();
  }

  notifyNoMoreSplits(): void {
    this.#noMoreSplits = true;
    this.#wakeup.wake();
  }

  pollNext(output: ReaderOutput<T>): InputStatus {
    const splits = this.#splits;
    let budget = RECORDS_PER_POLL;
    const limiter = this.#limiter;
    if (limiter !== undefined) {
      budget = limiter.acquire(RECORDS_PER_POLL, performance.now());
      if (budget === 0) {
        if (this.#unfinished() === undefined) return this.#idle();
        this.#wakeup.sleep(limiter.msUntilBurst(performance.now()));
        return 'NOTHING_AVAILABLE';
      }
    }
    for (let tries = 0; tries < splits.length && budget > 0; tries++) {
      const index = this.#cursor < splits.length ? this.#cursor : 0;
      this.#cursor = index + 1;
      const split = splits[index] as SplitPosition;
      if (split.next < split.end) budget -= this.#emit(split, budget, output);
    }
    if (limiter !== undefined && budget > 0) limiter.giveBack(budget);
    return this.#unfinished() === undefined ? this.#idle() : 'MORE_AVAILABLE';
  }

  isAvailable(): Promise<void> {
    return this.#wakeup.isAvailable();
  }

  snapshotState(): DataGeneratorSplit[] {
    return this.#splits.map((split) => ({
      splitId: split.splitId,
      next: split.next,
      stride: split.stride,
      end: split.end === Number.POSITIVE_INFINITY ? null : split.end,
    }));
  }

  close(): void {
    this.#wakeup.close();
  }

  /** Emits up to `budget` records of `split` and returns how many. */
  #emit(split: SplitPosition, budget: number, output: ReaderOutput<T>): number {
    const generator = this.#generator;
    const start = split.next;
    const stride = split.stride;
    const stop = Math.min(split.end, start + budget * stride);
    let index = start;
    try {
      for (; index < stop; index += stride) output.collect(generator(index));
    } catch (error) {
      // The failed index stays the split's position, so a restore retries it rather than skipping it.
      split.next = index;
      throw userFunctionFailed(this.#description, `generator(${index})`, error);
    }
    split.next = index;
    return (index - start) / stride;
  }

  #unfinished(): SplitPosition | undefined {
    return this.#splits.find((split) => split.next < split.end);
  }

  /** Every split is done (or none came yet). */
  #idle(): InputStatus {
    if (this.#noMoreSplits) return 'END_OF_INPUT';
    this.#wakeup.waitUntilWoken();
    return 'NOTHING_AVAILABLE';
  }
}


/**
 * A random number in [0, 1) that depends only on `seed` and `index`: a hash, not a stateful generator,
 * so `generator(i)` stays a pure function of `i` and a replay regenerates the same records. Use a
 * different seed for each independent field of a record. Resolution is 2^-32.
 *
 * @example
 * new DataGeneratorSource((i) => ({ app: `app${randomInt(1, i, 10)}`, price: seededRandom(2, i) * 100 }));
 */
export function seededRandom(seed: number, index: number): number {
  // Indexes past 2^32 (about an hour at a million records a second) must not wrap onto earlier ones.
  const low = index >>> 0;
  const high = (index / 4294967296) >>> 0;
  const seedHash = mix32((seed >>> 0) ^ 0x9e3779b9);
  // The seed enters again after a non-linear round, so two seeds give unrelated sequences rather than
  // one sequence at shifted indexes.
  return mix32((mix32(low ^ seedHash) + seedHash) ^ high) / 4294967296;
}

/** An integer in [0, n) that depends only on `seed` and `index`; see {@link seededRandom}. */
export function randomInt(seed: number, index: number, n: number): number {
  return Math.floor(seededRandom(seed, index) * n);
}

/** Chris Wellons' lowbias32 finalizer: every input bit affects every output bit. */
function mix32(value: number): number {
  let x = value;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}
