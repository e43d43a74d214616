/**
 * @module NexmarkSource: a parallel, replayable source of Nexmark events. Subtask s of p emits the
 * event ids s, s+p, s+2p, ...; its split position is the next id, so a restore resumes exactly there.
 */
import { invalidOption } from '../../core/options.ts';
import type { Boundedness, InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext, SourceSplit, SplitEnumerator, SplitEnumeratorContext } from '../../operators/source.ts';
import { userFunctionFailed } from '../../operators/user-function-error.ts';
import type { TypeSerializer } from '../../types/type-serializer.ts';
import { ReaderWakeup } from '../reader-availability.ts';
import { NexmarkGenerator } from './nexmark-generator.ts';
import type { NexmarkGeneratorOptions } from './nexmark-generator.ts';
import { NexmarkTypes } from './nexmark-model.ts';
import type { NexmarkEvent } from './nexmark-model.ts';
import { TokenBucket } from '../token-bucket.ts';

export interface NexmarkSourceOptions extends NexmarkGeneratorOptions {
  /** How many events to generate (ids 0..count-1); `Infinity` (the default) never ends. */
  readonly count?: number | undefined;
  /**
   * Wall-clock pacing across all subtasks (each of p emits `recordsPerSecond / p`). Default: as fast
   * as the job takes them. Independent of `eventsPerSecond`, which spaces the event times.
   */
  readonly recordsPerSecond?: number | undefined;
}

/**
 * The event ids `next, next + stride, next + 2·stride, ...` below `end`. A snapshot stores `next`, so a
 * restore emits exactly the events not yet emitted, with the very same contents.
 */
export interface NexmarkSplit extends SourceSplit {
  /** The id of the next event to emit. */
  readonly next: number;
  /** The distance between two ids of this split (the parallelism it was made for). */
  readonly stride: number;
  /** The first id not to emit; null when unbounded. */
  readonly end: number | null;
}

const WHERE = 'new NexmarkSource()';
const EVENTS_PER_POLL = 1024;

/**
 * Emits Nexmark events ({@link NexmarkGenerator}) with their event time as the record timestamp. Event
 * n is the same at any parallelism and after any restore, so a job's output is reproducible.
 *
 * @example
 * env.fromSource(new NexmarkSource({ count: 10_000_000, eventsPerSecond: 1_000_000 }), 'nexmark').uid('nexmark')
 */
export class NexmarkSource implements Source<NexmarkEvent, NexmarkSplit> {
  readonly name = 'Nexmark';
  readonly boundedness: Boundedness;
  readonly outputType: TypeSerializer<NexmarkEvent> = NexmarkTypes.event;
  readonly #options: NexmarkGeneratorOptions;
  readonly #count: number;
  readonly #recordsPerSecond: number;

  constructor(options: NexmarkSourceOptions = {}) {
    if (typeof options !== 'object' || options === null) invalidOption('options', options, 'an object of source settings', WHERE);
    const { count = Number.POSITIVE_INFINITY, recordsPerSecond = Number.POSITIVE_INFINITY, ...generatorOptions } = options;
    if (count !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(count) || count < 0)) {
      invalidOption('count', count, 'an integer from 0 to 2^53 - 1, or Infinity for an unbounded source', WHERE);
    }
    if (typeof recordsPerSecond !== 'number' || Number.isNaN(recordsPerSecond) || recordsPerSecond <= 0) {
      invalidOption('recordsPerSecond', recordsPerSecond, 'a number greater than 0, or Infinity for no limit', WHERE);
    }
    // Validates the generator settings here, where the job is built, rather than in every reader.
    new NexmarkGenerator(generatorOptions);
    this.#options = generatorOptions;
    this.#count = count;
    this.#recordsPerSecond = recordsPerSecond;
    this.boundedness = count === Number.POSITIVE_INFINITY ? 'CONTINUOUS_UNBOUNDED' : 'BOUNDED';
  }

  createEnumerator(context: SplitEnumeratorContext): SplitEnumerator<NexmarkSplit> {
    const parallelism = context.parallelism;
    const end = this.#count === Number.POSITIVE_INFINITY ? null : this.#count;
    return {
      assignInitialSplits: () =>
        Array.from({ length: parallelism }, (_, subtask) => [{ splitId: `nexmark-${subtask}-of-${parallelism}`, next: subtask, stride: parallelism, end }]),
    };
  }

  createReader(context: SourceReaderContext): SourceReader<NexmarkEvent, NexmarkSplit> {
    const pacer = this.#recordsPerSecond === Number.POSITIVE_INFINITY ? undefined : new TokenBucket(this.#recordsPerSecond / context.parallelism, EVENTS_PER_POLL);
    return new NexmarkReader(new NexmarkGenerator(this.#options), pacer, context.description);
  }
}

interface SplitPosition {
  readonly splitId: string;
  next: number;
  readonly stride: number;
  /** Infinity when unbounded. */
  readonly end: number;
  /** The split's own output (so watermarks are generated per split), and the reader output it came from. */
  output: ReaderOutput<NexmarkEvent> | undefined;
  outputOf: ReaderOutput<NexmarkEvent> | undefined;
  released: boolean;
}

class NexmarkReader implements SourceReader<NexmarkEvent, NexmarkSplit> {
  readonly #generator: NexmarkGenerator;
  readonly #pacer: TokenBucket | undefined;
  readonly #description: string;
  readonly #splits: SplitPosition[] = [];
  /** The split the next poll starts with, so several splits (after a rescale) take turns. */
  #cursor = 0;
  #noMoreSplits = false;
  readonly #wakeup = new ReaderWakeup();

  constructor(generator: NexmarkGenerator, pacer: TokenBucket | undefined, description: string) {
    this.#generator = generator;
    this.#pacer = pacer;
    this.#description = description;
  }

  start(): void {}

  addSplits(splits: readonly NexmarkSplit[]): void {
    for (const split of splits) {
      this.#splits.push({
        splitId: split.splitId,
        next: split.next,
        stride: split.stride,
        end: split.end ?? Number.POSITIVE_INFINITY,
        output: undefined,
        outputOf: undefined,
        released: false,
      });
    }
    this.#wakeup.wake();
  }

  notifyNoMoreSplits(): void {
    this.#noMoreSplits = true;
    this.#wakeup.wake();
  }

  pollNext(output: ReaderOutput<NexmarkEvent>): InputStatus {
    const splits = this.#splits;
    let budget = EVENTS_PER_POLL;
    const pacer = this.#pacer;
    if (pacer !== undefined) {
      budget = pacer.acquire(EVENTS_PER_POLL, performance.now());
      if (budget === 0) {
        if (!this.#unfinished()) return this.#idle();
        this.#wakeup.sleep(pacer.msUntilBurst(performance.now()));
        return 'NOTHING_AVAILABLE';
      }
    }
    for (let tries = 0; tries < splits.length && budget > 0; tries++) {
      const index = this.#cursor < splits.length ? this.#cursor : 0;
      this.#cursor = index + 1;
      const split = splits[index] as SplitPosition;
      if (split.next < split.end) budget -= this.#emit(split, budget, output);
    }
    if (pacer !== undefined && budget > 0) pacer.giveBack(budget);
    return this.#unfinished() ? 'MORE_AVAILABLE' : this.#idle();
  }

  isAvailable(): Promise<void> {
    return this.#wakeup.isAvailable();
  }

  snapshotState(): NexmarkSplit[] {
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

  /**
   * Emits up to `budget` events of `split` and returns how many. Each split emits through its own
   * output when the reader output offers one: a split's event times never decrease, while two splits
   * of one reader (after a rescale) take turns in bursts.
   */
  #emit(split: SplitPosition, budget: number, readerOutput: ReaderOutput<NexmarkEvent>): number {
    if (split.outputOf !== readerOutput) {
      split.output = readerOutput.createOutputForSplit?.(split.splitId) ?? readerOutput;
      split.outputOf = readerOutput;
    }
    const output = split.output as ReaderOutput<NexmarkEvent>;
    const generator = this.#generator;
    const start = split.next;
    const stride = split.stride;
    const stop = Math.min(split.end, start + budget * stride);
    let id = start;
    try {
      for (; id < stop; id += stride) output.collect(generator.generate(id), generator.timestampForEvent(id));
    } catch (error) {
      // The failed id stays the split's position, so a restore retries it rather than skipping it.
      split.next = id;
      throw userFunctionFailed(this.#description, `generating Nexmark event ${id}`, error);
    }
    split.next = id;
    if (id >= split.end && !split.released) {
      split.released = true;
      readerOutput.releaseOutputForSplit?.(split.splitId);
    }
    return (id - start) / stride;
  }

  #unfinished(): boolean {
    return this.#splits.some((split) => split.next < split.end);
  }

  /** Every split is done (or none came yet). */
  #idle(): InputStatus {
    if (this.#noMoreSplits) return 'END_OF_INPUT';
    this.#wakeup.waitUntilWoken();
    return 'NOTHING_AVAILABLE';
  }
}
