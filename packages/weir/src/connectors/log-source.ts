/**
 * @module LogSource: a replayable, partitioned log on local files (a "Kafka topic" as a directory of
 * `partition-<n>.log` files of newline-delimited records). A split's position is the record offset and
 * the byte offset of the next line, so a restore from a checkpoint seeks straight back to it.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { WeirError, describeCause } from '../core/errors.ts';
import { checkChoice, checkInteger, checkNonEmptyString, invalidOption } from '../core/options.ts';
import type {
  Boundedness,
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../operators/source.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { ReaderAvailability } from './reader-availability.ts';

export interface LogSourceOptions<T> {
  /** The topic directory, holding `partition-0.log` ... `partition-<N-1>.log`; relative to the working directory. */
  readonly path: string;
  /** Turns a line (without its "\n") into a record. Default: the line itself, as a string. */
  readonly format?: ((line: string) => T) | undefined;
  readonly outputType?: TypeSerializer<T> | undefined;
  /**
   * The record offset to start at, per partition (default 0). Used only when the job does not start
   * from a checkpoint. A reader finds the byte position by scanning the partition's lines once, so the
   * cost is reading everything before the offset; a restore needs no scan (splits store byte offsets).
   */
  readonly startingOffsets?: Readonly<Record<number, number>> | undefined;
  /**
   * BOUNDED (default): read each partition to its end as it is when the reader gets there, then finish.
   * CONTINUOUS_UNBOUNDED: keep polling the files for appended lines every `pollIntervalMs`.
   */
  readonly boundedness?: Boundedness | undefined;
  /** How often a continuous reader looks for appended lines at the end of a partition. Default 200. */
  readonly pollIntervalMs?: number | undefined;
  /** The size of one file read. Default 256 KiB; a reader holds about two per partition. */
  readonly readChunkBytes?: number | undefined;
}

/** One partition and the reader's position in it. */
export interface LogSplit extends SourceSplit {
  readonly partition: number;
  /** The record offset (0-based line number) of the next record to read. */
  readonly offset: number;
  /**
   * The byte position of the next record's first byte; null when only the record offset is known (a
   * starting offset not yet found), in which case the reader scans to it.
   */
  readonly byteOffset: number | null;
}

const WHERE = 'new LogSource()';
const PARTITION_FILE = /^partition-(0|[1-9][0-9]*)\.log$/;
const RECORDS_PER_POLL = 1024;
/** Lines a reader skips per poll while scanning to a starting offset; skipping costs only a byte search. */
const SKIPPED_LINES_PER_POLL = 64 * RECORDS_PER_POLL;
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);
const DEFAULT_CHUNK_BYTES = 256 * 1024;
const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

/** The file name of partition `n` in a topic directory. */
export function logPartitionFileName(partition: number): string {
  return `partition-${partition}.log`;
}

/**
 * Reads a topic directory of `partition-<n>.log` files. Partition k goes to subtask k % parallelism (a
 * subtask may get none: it then finishes at once when bounded, or idles when continuous). Each line
 * ending in "\n" is one record, decoded as UTF-8; an empty line is the record "" and a "\r" before the
 * "\n" stays part of the line. A last line without "\n" is not a record yet, since a writer may be
 * appending to it, except in BOUNDED mode, where a final unterminated line at the end of the file is
 * emitted. Partitions are fixed when the job starts: files added later are not discovered.
 *
 * @example
 * new LogSource({ path: 'data/clicks', format: (line) => JSON.parse(line) as Click, boundedness: 'CONTINUOUS_UNBOUNDED' });
 */
export class LogSource<T = string> implements Source<T, LogSplit> {
  readonly name = 'Log';
  readonly boundedness: Boundedness;
  readonly outputType: TypeSerializer<T> | undefined;
  readonly #directory: string;
  readonly #format: ((line: string) => T) | undefined;
  readonly #startingOffsets: ReadonlyMap<number, number>;
  readonly #pollIntervalMs: number;
  readonly #chunkBytes: number;

  constructor(options: LogSourceOptions<T>) {
    if (typeof options !== 'object' || options === null) invalidOption('options', options, 'an object with at least { path }', WHERE);
    this.#directory = path.resolve(checkNonEmptyString('path', options.path, WHERE));
    if (options.format !== undefined && typeof options.format !== 'function') {
      invalidOption('format', options.format, 'a function (line: string) => record', WHERE);
    }
    this.#format = options.format;
    this.outputType = options.outputType;
    this.boundedness = checkChoice('boundedness', options.boundedness ?? 'BOUNDED', ['BOUNDED', 'CONTINUOUS_UNBOUNDED'] as const, WHERE);
    this.#pollIntervalMs = checkInteger('pollIntervalMs', options.pollIntervalMs ?? 200, 1, 3_600_000, WHERE);
    this.#chunkBytes = checkInteger('readChunkBytes', options.readChunkBytes ?? DEFAULT_CHUNK_BYTES, 1, MAX_CHUNK_BYTES, WHERE);
    this.#startingOffsets = checkStartingOffsets(options.startingOffsets);
  }

  createEnumerator(context: SplitEnumeratorContext): SplitEnumerator<LogSplit> {
    return {
      assignInitialSplits: async () => {
        const partitionCount = await countPartitions(this.#directory, context.description);
        for (const partition of this.#startingOffsets.keys()) {
          if (partition >= partitionCount) {
            invalidOption(`startingOffsets[${partition}]`, this.#startingOffsets.get(partition), `partitions 0 to ${partitionCount - 1} of ${this.#directory}`, context.description);
          }
        }
        const assignment: LogSplit[][] = Array.from({ length: context.parallelism }, () => []);
        for (let partition = 0; partition < partitionCount; partition++) {
          const offset = this.#startingOffsets.get(partition) ?? 0;
          const split: LogSplit = { splitId: `partition-${partition}`, partition, offset, byteOffset: offset === 0 ? 0 : null };
          assignment[partition % context.parallelism]?.push(split);
        }
        return assignment;
      },
    };
  }

  createReader(context: SourceReaderContext): SourceReader<T, LogSplit> {
    return new LogSourceReader<T>({
      directory: this.#directory,
      format: this.#format,
      bounded: this.boundedness === 'BOUNDED',
      pollIntervalMs: this.#pollIntervalMs,
      chunkBytes: this.#chunkBytes,
      description: context.description,
    });
  }
}

function checkStartingOffsets(offsets: unknown): ReadonlyMap<number, number> {
  const result = new Map<number, number>();
  if (offsets === undefined) return result;
  if (typeof offsets !== 'object' || offsets === null) invalidOption('startingOffsets', offsets, 'an object { [partition]: recordOffset }', WHERE);
  for (const [key, value] of Object.entries(offsets)) {
    if (!/^(0|[1-9][0-9]*)$/.test(key)) invalidOption('startingOffsets', offsets, `partition numbers as keys (got '${key}')`, WHERE);
    result.set(Number(key), checkInteger(`startingOffsets[${key}]`, value, 0, Number.MAX_SAFE_INTEGER, WHERE));
  }
  return result;
}

/** The number of partitions in `directory`, checking they are numbered 0..N-1 without gaps. */
async function countPartitions(directory: string, where: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be listed (${describeCause(error)})`;
    throw new WeirError('SOURCE_FAILED', `${where}: the log directory ${directory} ${what}`, {
      cause: error,
      hint: "option 'path' must name a directory of partition-<n>.log files; LogWriter creates one",
    });
  }
  const partitions = names.flatMap((name) => {
    const match = PARTITION_FILE.exec(name);
    return match === null ? [] : [Number(match[1])];
  });
  if (partitions.length === 0) {
    throw new WeirError('SOURCE_FAILED', `${where}: the log directory ${directory} holds no partition files`, {
      hint: 'a topic needs partition-0.log (and partition-1.log, ... for more partitions); LogWriter creates them',
    });
  }
  partitions.sort((a, b) => a - b);
  for (let expected = 0; expected < partitions.length; expected++) {
    if (partitions[expected] !== expected) {
      throw new WeirError('SOURCE_FAILED', `${where}: partition file ${path.join(directory, logPartitionFileName(expected))} is missing, but ${logPartitionFileName(partitions[partitions.length - 1] ?? 0)} exists`, {
        hint: 'partitions must be numbered 0 to N-1 without gaps: create the missing file (it may be empty)',
      });
    }
  }
  return partitions.length;
}

interface ReaderSettings<T> {
  readonly directory: string;
  readonly format: ((line: string) => T) | undefined;
  readonly bounded: boolean;
  readonly pollIntervalMs: number;
  readonly chunkBytes: number;
  readonly description: string;
}

class LogSourceReader<T> implements SourceReader<T, LogSplit> {
  readonly #settings: ReaderSettings<T>;
  readonly #partitions: PartitionReader<T>[] = [];
  readonly #availability = new ReaderAvailability();
  /** The partition the next poll starts with: partitions take turns in bursts, so none starves. */
  #cursor = 0;
  #noMoreSplits = false;

  constructor(settings: ReaderSettings<T>) {
    this.#settings = settings;
  }

  start(): void {}

  addSplits(splits: readonly LogSplit[]): void {
    const availability = this.#availability;
    for (const split of splits) {
      const partition = new PartitionReader<T>(split, this.#settings, () => {
        availability.notify();
      });
      this.#partitions.push(partition);
      partition.fetch();
    }
    availability.notify();
  }

  notifyNoMoreSplits(): void {
    this.#noMoreSplits = true;
    this.#availability.notify();
  }

  pollNext(output: ReaderOutput<T>): InputStatus {
    const partitions = this.#partitions;
    const count = partitions.length;
    let budget = RECORDS_PER_POLL;
    for (let tries = 0; tries < count && budget > 0; tries++) {
      const index = this.#cursor < count ? this.#cursor : 0;
      this.#cursor = index + 1;
      budget -= (partitions[index] as PartitionReader<T>).poll(budget, output);
    }
    let finished = 0;
    for (const partition of partitions) {
      if (partition.canProgress()) return 'MORE_AVAILABLE';
      if (partition.finished) finished++;
    }
    // A continuous reader never ends, not even one that was assigned no partition.
    return finished === count && this.#noMoreSplits && this.#settings.bounded ? 'END_OF_INPUT' : 'NOTHING_AVAILABLE';
  }

  isAvailable(): Promise<void> {
    for (const partition of this.#partitions) if (partition.canProgress()) return Promise.resolve();
    return this.#availability.wait();
  }

  snapshotState(): LogSplit[] {
    return this.#partitions.map((partition) => partition.position());
  }

  async close(): Promise<void> {
    await Promise.all(this.#partitions.map((partition) => partition.close()));
    this.#availability.notify();
  }
}

/**
 * One partition: a current chunk that `poll` splits into lines, and at most one read in flight that
 * fills the next chunk meanwhile. A line that spans chunks is kept as a list of byte slices and joined
 * once when its "\n" arrives, so a long line costs linear time.
 */
class PartitionReader<T> {
  readonly #split: LogSplit;
  readonly #file: string;
  readonly #settings: ReaderSettings<T>;
  readonly #onProgress: () => void;
  #handle: FileHandle | undefined;
  #pending: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #error: WeirError | undefined;
  /** The file position of the next read. */
  #readPosition: number;
  /** The next chunk: bytes, null for the end of the file (bounded mode only), undefined while none is ready. */
  #ready: Buffer | null | undefined;
  #chunk: Buffer = EMPTY;
  /** The file position of `#chunk[0]`. */
  #chunkStart: number;
  /** Where the next line starts in `#chunk`. */
  #pos = 0;
  /** The bytes of a line begun in earlier chunks, and the file position where it begins. */
  #carry: Buffer[] = [];
  #carryStart = 0;
  /** The record offset of the next line. */
  #offset: number;
  /** Lines before this offset are skipped, not emitted (a starting offset being scanned to). */
  readonly #skipTo: number;
  /** Skipping has consumed part of a line whose "\n" has not been seen yet. */
  #skippingMidLine = false;
  finished = false;

  constructor(split: LogSplit, settings: ReaderSettings<T>, onProgress: () => void) {
    this.#split = split;
    this.#settings = settings;
    this.#file = path.join(settings.directory, logPartitionFileName(split.partition));
    this.#onProgress = onProgress;
    if (split.byteOffset === null) {
      this.#offset = 0;
      this.#skipTo = split.offset;
      this.#readPosition = 0;
    } else {
      this.#offset = split.offset;
      this.#skipTo = 0;
      this.#readPosition = split.byteOffset;
    }
    this.#chunkStart = this.#readPosition;
  }

  /** True when `poll` can emit or finish without waiting for a read. */
  canProgress(): boolean {
    return !this.finished && (this.#pos < this.#chunk.length || this.#ready !== undefined || this.#error !== undefined);
  }

  position(): LogSplit {
    const { splitId, partition } = this.#split;
    if (this.#offset < this.#skipTo) return { splitId, partition, offset: this.#skipTo, byteOffset: null };
    const byteOffset = this.#carry.length > 0 ? this.#carryStart : this.#chunkStart + this.#pos;
    return { splitId, partition, offset: this.#offset, byteOffset };
  }

  /** Emits up to `budget` records and returns how many. */
  poll(budget: number, output: ReaderOutput<T>): number {
    if (this.#error !== undefined) throw this.#error;
    let emitted = 0;
    while (!this.finished) {
      if (this.#pos >= this.#chunk.length) {
        const next = this.#ready;
        if (next === undefined) break;
        this.#ready = undefined;
        if (next === null) {
          emitted += this.#finish(output);
          break;
        }
        this.#chunkStart += this.#chunk.length;
        this.#chunk = next;
        this.#pos = 0;
        this.fetch();
      }
      if (this.#offset < this.#skipTo) {
        if (!this.#skip()) break;
      } else {
        emitted += this.#emitLines(budget - emitted, output);
        if (emitted >= budget) break;
      }
    }
    return emitted;
  }

  /** Starts the next read unless one is in flight or ready. */
  fetch(): void {
    if (this.#pending !== undefined || this.#ready !== undefined || this.#closed || this.finished || this.#error !== undefined) return;
    this.#pending = this.#read().then(
      (bytes) => {
        this.#pending = undefined;
        if (bytes !== undefined) {
          this.#ready = bytes;
          this.#onProgress();
        }
      },
      (error: unknown) => {
        this.#pending = undefined;
        this.#error =
          error instanceof WeirError
            ? error
            : new WeirError('SOURCE_FAILED', `${this.#settings.description} could not read partition ${this.#split.partition} (${this.#file}): ${describeCause(error)}`, {
                cause: error,
                retriable: true,
              });
        this.#onProgress();
      },
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    // The read in flight may still be opening the file: wait for it, so its handle is closed too.
    await this.#pending;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  /** Resolves to the next chunk, null at the end of a bounded file, or undefined when nothing is ready (continuous mode waits by timer). */
  async #read(): Promise<Buffer | null | undefined> {
    let handle = this.#handle;
    if (handle === undefined) {
      handle = await open(this.#file, 'r');
      this.#handle = handle;
      const { size } = await handle.stat();
      if (size < this.#readPosition) {
        throw new WeirError(
          'SOURCE_FAILED',
          `${this.#settings.description}: partition ${this.#split.partition} (${this.#file}) has ${size} bytes, fewer than the position to resume at (byte ${this.#readPosition}, record offset ${this.#offset})`,
          { hint: 'the log was truncated or replaced since the checkpoint was taken; restore from a checkpoint of this log, or start the job without one' },
        );
      }
    }
    const buffer = Buffer.allocUnsafe(this.#settings.chunkBytes);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.#readPosition);
    if (this.#closed) return undefined;
    this.#readPosition += bytesRead;
    if (bytesRead > 0) return buffer.subarray(0, bytesRead);
    if (this.#settings.bounded) return null;
    // Continuous: look again later, without waking the reader for a read that found nothing.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.fetch();
    }, this.#settings.pollIntervalMs);
    return undefined;
  }

  /** The hot loop: splits the current chunk into lines and emits them, up to `budget`. */
  #emitLines(budget: number, output: ReaderOutput<T>): number {
    const chunk = this.#chunk;
    const format = this.#settings.format;
    let pos = this.#pos;
    let emitted = 0;
    while (emitted < budget) {
      const newline = chunk.indexOf(NEWLINE, pos);
      if (newline < 0) {
        if (pos < chunk.length) {
          if (this.#carry.length === 0) this.#carryStart = this.#chunkStart + pos;
          this.#carry.push(chunk.subarray(pos));
          pos = chunk.length;
        }
        break;
      }
      let line: string;
      if (this.#carry.length === 0) {
        line = chunk.toString('utf8', pos, newline);
      } else {
        // Joined as bytes, not as strings: a multi-byte character may be cut by the chunk boundary.
        line = Buffer.concat([...this.#carry, chunk.subarray(pos, newline)]).toString('utf8');
      }
      if (format === undefined) {
        output.collect(line as T);
      } else {
        let value: T;
        try {
          value = format(line);
        } catch (error) {
          this.#pos = pos;
          throw this.#formatFailed(line, error);
        }
        output.collect(value);
      }
      if (this.#carry.length > 0) this.#carry = [];
      pos = newline + 1;
      this.#offset++;
      emitted++;
    }
    this.#pos = pos;
    return emitted;
  }

  /** Skips lines towards the starting offset; false when the chunk ran out first. */
  #skip(): boolean {
    const chunk = this.#chunk;
    let pos = this.#pos;
    for (let skipped = 0; this.#offset < this.#skipTo && skipped < SKIPPED_LINES_PER_POLL; skipped++) {
      const newline = chunk.indexOf(NEWLINE, pos);
      if (newline < 0) {
        this.#skippingMidLine = pos < chunk.length || this.#skippingMidLine;
        this.#pos = chunk.length;
        return false;
      }
      pos = newline + 1;
      this.#offset++;
      this.#skippingMidLine = false;
    }
    this.#pos = pos;
    return this.#offset >= this.#skipTo;
  }

  /** The end of a bounded file: its unterminated last line, if any, is a record too. */
  #finish(output: ReaderOutput<T>): number {
    this.finished = true;
    if (this.#offset < this.#skipTo) {
      if (this.#skippingMidLine) this.#offset++;
      return 0;
    }
    if (this.#carry.length === 0) return 0;
    const line = Buffer.concat(this.#carry).toString('utf8');
    let value: T;
    try {
      value = this.#settings.format === undefined ? (line as T) : this.#settings.format(line);
    } catch (error) {
      // Back to just before the end of the file, so the position still names the failed record.
      this.finished = false;
      this.#ready = null;
      throw this.#formatFailed(line, error);
    }
    output.collect(value);
    this.#carry = [];
    this.#chunkStart += this.#chunk.length;
    this.#chunk = EMPTY;
    this.#pos = 0;
    this.#offset++;
    return 1;
  }

  #formatFailed(line: string, cause: unknown): WeirError {
    const shown = line.length > 80 ? `${line.slice(0, 80)}...` : line;
    return new WeirError(
      'USER_FUNCTION_FAILED',
      `${this.#settings.description}: format failed on partition ${this.#split.partition} (${this.#file}) at record offset ${this.#offset}: ${describeCause(cause)}`,
      { cause, hint: `the line was ${JSON.stringify(shown)}; fix the format function, or start past this record with startingOffsets` },
    );
  }
}
