/**
 * @module LogWriter: appends lines to the partition files of a topic directory in the format LogSource
 * reads, buffered so that examples, tests and benchmarks can write millions of lines in seconds.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { WeirError } from '../core/errors.ts';
import { checkInteger, checkNonEmptyString, invalidOption } from '../core/options.ts';
import { logPartitionFileName } from './log-source.ts';

/** A partition's buffered text is written once it reaches this many characters. */
const FLUSH_CHARS = 1 << 20;
const MAX_PARTITIONS = 100_000;

/**
 * Appends lines to `<dir>/partition-<n>.log` for n = 0..partitionCount-1, creating the directory and
 * the files (empty ones included, so the topic has no gaps). Existing files are appended to. Writes are
 * synchronous and buffered: lines reach the files when a buffer fills, on `flush()` and on `close()`,
 * so a continuous LogSource sees them only then.
 *
 * @example
 * const writer = new LogWriter('data/clicks', 2);
 * for (let i = 0; i < 1000; i++) writer.append(i % 2, JSON.stringify({ user: `u${i % 7}`, at: i }));
 * writer.close();
 */
export class LogWriter {
  readonly directory: string;
  readonly partitionCount: number;
  readonly #descriptors: number[];
  readonly #buffers: string[];
  #closed = false;

  constructor(directory: string, partitionCount: number) {
    this.directory = path.resolve(checkNonEmptyString('directory', directory, 'new LogWriter()'));
    this.partitionCount = checkInteger('partitionCount', partitionCount, 1, MAX_PARTITIONS, 'new LogWriter()');
    mkdirSync(this.directory, { recursive: true });
    this.#descriptors = Array.from({ length: partitionCount }, (_, partition) => openSync(path.join(this.directory, logPartitionFileName(partition)), 'a'));
    this.#buffers = Array.from({ length: partitionCount }, () => '');
  }

  /** Appends one record. The line must not contain "\n", which separates records. */
  append(partition: number, line: string): void {
    const buffer = this.#buffers[partition];
    if (buffer === undefined || !Number.isInteger(partition)) {
      invalidOption('partition', partition, `an integer from 0 to ${this.partitionCount - 1}`, `LogWriter for ${this.directory}`);
    }
    if (typeof line !== 'string') invalidOption('line', line, 'a string', `LogWriter for ${this.directory}`);
    if (line.includes('\n')) {
      throw new WeirError('SINK_FAILED', `LogWriter for ${this.directory}: a line for partition ${partition} contains "\\n", which would split it into two records`, {
        hint: 'encode records on one line, e.g. with JSON.stringify',
      });
    }
    if (this.#closed) throw new WeirError('SINK_FAILED', `LogWriter for ${this.directory} is closed`, { hint: 'append before close(), or open a new LogWriter' });
    const text = `${buffer}${line}\n`;
    if (text.length >= FLUSH_CHARS) {
      this.#buffers[partition] = '';
      this.#write(partition, text);
    } else {
      this.#buffers[partition] = text;
    }
  }

  /** Writes every buffered line to its file. */
  flush(): void {
    for (let partition = 0; partition < this.partitionCount; partition++) {
      const text = this.#buffers[partition] ?? '';
      if (text.length === 0) continue;
      this.#buffers[partition] = '';
      this.#write(partition, text);
    }
  }

  /** Flushes and closes the files; a second call does nothing. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    for (const descriptor of this.#descriptors) closeSync(descriptor);
  }

  #write(partition: number, text: string): void {
    const descriptor = this.#descriptors[partition] as number;
    const bytes = Buffer.from(text, 'utf8');
    // writeSync may write less than asked (a full disk, a signal); a torn line would corrupt the log.
    for (let written = 0; written < bytes.length; ) written += writeSync(descriptor, bytes, written);
  }
}

/** Writes a whole topic at once: `partitions[n]` holds the lines of partition n. */
export function writeLogPartitions(directory: string, partitions: readonly (readonly string[])[]): void {
  const writer = new LogWriter(directory, partitions.length);
  try {
    partitions.forEach((lines, partition) => {
      for (const line of lines) writer.append(partition, line);
    });
  } finally {
    writer.close();
  }
}
