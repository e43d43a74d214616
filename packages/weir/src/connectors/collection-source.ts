/**
 * @module CollectionSource: a bounded, non-parallel source over an array defined in the job module.
 * Its one split's position is the index of the next element, so a restore resumes where it stopped.
 */
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceSplit, SplitEnumerator } from '../operators/source.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';

export interface CollectionSplit extends SourceSplit {
  /** Index of the next element to emit. */
  readonly position: number;
}

const RECORDS_PER_POLL = 1024;

export class CollectionSource<T> implements Source<T, CollectionSplit> {
  readonly boundedness = 'BOUNDED';
  readonly name = 'Collection';
  readonly maxParallelism = 1;
  readonly outputType: TypeSerializer<T> | undefined;
  readonly #values: readonly T[];

  constructor(values: readonly T[], outputType?: TypeSerializer<T>) {
    this.#values = values;
    this.outputType = outputType;
  }

  createEnumerator(): SplitEnumerator<CollectionSplit> {
    return { assignInitialSplits: () => [[{ splitId: 'collection', position: 0 }]] };
  }

  createReader(): SourceReader<T, CollectionSplit> {
    return new CollectionReader(this.#values);
  }
}

class CollectionReader<T> implements SourceReader<T, CollectionSplit> {
  readonly #values: readonly T[];
  #split: CollectionSplit | undefined;
  #position = 0;

  constructor(values: readonly T[]) {
    this.#values = values;
  }

  start(): void {}

  addSplits(splits: readonly CollectionSplit[]): void {
    for (const split of splits) {
      this.#split = split;
      this.#position = split.position;
    }
  }

  notifyNoMoreSplits(): void {}

  pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.#split === undefined) return 'END_OF_INPUT';
    const end = Math.min(this.#values.length, this.#position + RECORDS_PER_POLL);
    for (let i = this.#position; i < end; i++) output.collect(this.#values[i] as T);
    this.#position = end;
    return end < this.#values.length ? 'MORE_AVAILABLE' : 'END_OF_INPUT';
  }

  isAvailable(): Promise<void> {
    return Promise.resolve();
  }

  snapshotState(): CollectionSplit[] {
    return this.#split === undefined ? [] : [{ splitId: this.#split.splitId, position: this.#position }];
  }

  close(): void {}
}
