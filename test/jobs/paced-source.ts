/**
 * @module PacedSource, a test source with one split per partition: each partition emits its records
 * at a steady rate through a split-local output (so watermarks are made per split), a partition can
 * fall silent after a few records, and finished partitions can linger before they end (so
 * processing-time windows and idle timeouts have time to act before the end of input).
 */
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceSplit, SplitEnumerator } from 'weir';

export interface PacedSourceOptions<T> {
  readonly partitions: number;
  /** Records per partition. */
  readonly recordsPerPartition: number;
  /** Records per second of each partition. */
  readonly recordsPerSecond: number;
  /** Record `index` of partition `partition`. */
  readonly record: (partition: number, index: number) => T;
  /** Partitions that emit only their first `after` records, then nothing for `silenceMs`, then end. */
  readonly silent?: ReadonlyMap<number, { readonly after: number; readonly silenceMs: number }> | undefined;
  /** How long a partition stays open after its last record. */
  readonly lingerMs?: number | undefined;
}

export interface PacedSplit extends SourceSplit {
  readonly partition: number;
  readonly next: number;
}

export class PacedSource<T> implements Source<T, PacedSplit> {
  readonly boundedness = 'BOUNDED';
  readonly name = 'Paced';
  readonly #options: PacedSourceOptions<T>;

  constructor(options: PacedSourceOptions<T>) {
    this.#options = options;
  }

  createEnumerator(context: { readonly parallelism: number }): SplitEnumerator<PacedSplit> {
    const assignment: PacedSplit[][] = Array.from({ length: context.parallelism }, () => []);
    for (let partition = 0; partition < this.#options.partitions; partition++) {
      assignment[partition % context.parallelism]?.push({ splitId: `partition-${partition}`, partition, next: 0 });
    }
    return { assignInitialSplits: () => assignment };
  }

  createReader(): SourceReader<T, PacedSplit> {
    return new PacedReader(this.#options);
  }
}

interface SplitState {
  readonly splitId: string;
  readonly partition: number;
  next: number;
  /** The last index this split emits (exclusive). */
  readonly end: number;
  /** performance.now() of its first poll. */
  startedAt: number;
  /** When the split ends: after its last record plus the linger (or the silence). */
  doneAt: number;
  finished: boolean;
}

class PacedReader<T> implements SourceReader<T, PacedSplit> {
  readonly #options: PacedSourceOptions<T>;
  readonly #splits: SplitState[] = [];

  constructor(options: PacedSourceOptions<T>) {
    this.#options = options;
  }

  start(): void {}

  addSplits(splits: readonly PacedSplit[]): void {
    for (const split of splits) {
      const silent = this.#options.silent?.get(split.partition);
      this.#splits.push({
        splitId: split.splitId,
        partition: split.partition,
        next: split.next,
        end: silent === undefined ? this.#options.recordsPerPartition : Math.min(silent.after, this.#options.recordsPerPartition),
        startedAt: -1,
        doneAt: -1,
        finished: false,
      });
    }
  }

  notifyNoMoreSplits(): void {}

  pollNext(output: ReaderOutput<T>): InputStatus {
    const now = performance.now();
    let open = 0;
    for (const split of this.#splits) {
      if (split.finished) continue;
      open++;
      if (split.startedAt < 0) split.startedAt = now;
      const out = output.createOutputForSplit?.(split.splitId) ?? output;
      const due = Math.min(split.end, Math.floor(((now - split.startedAt) * this.#options.recordsPerSecond) / 1000) + 1);
      for (; split.next < due; split.next++) out.collect(this.#options.record(split.partition, split.next));
      if (split.next < split.end) continue;
      if (split.doneAt < 0) split.doneAt = now + (this.#options.silent?.get(split.partition)?.silenceMs ?? this.#options.lingerMs ?? 0);
      if (now >= split.doneAt) {
        split.finished = true;
        output.releaseOutputForSplit?.(split.splitId);
        open--;
      }
    }
    return open === 0 ? 'END_OF_INPUT' : 'NOTHING_AVAILABLE';
  }

  isAvailable(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 5));
  }

  snapshotState(): PacedSplit[] {
    return this.#splits.filter((s) => !s.finished).map((s) => ({ splitId: s.splitId, partition: s.partition, next: s.next }));
  }

  close(): void {}
}
