/**
 * @module PrintSink: writes each record to stdout (or stderr), one line each, prefixed like Flink's
 * print(): `prefix:2> record` for subtask 2 of a parallel sink.
 */
import { inspect } from 'node:util';
import type { Sink, SinkWriter, SinkWriterContext } from '../operators/sink.ts';

export interface PrintSinkOptions {
  readonly prefix?: string | undefined;
  /** Print to stderr instead of stdout. */
  readonly stdErr?: boolean | undefined;
}

export class PrintSink<T> implements Sink<T> {
  readonly name = 'Print';
  readonly #options: PrintSinkOptions;

  constructor(options: PrintSinkOptions = {}) {
    this.#options = options;
  }

  createWriter(context: SinkWriterContext): SinkWriter<T> {
    const subtask = context.parallelism > 1 ? `${context.subtaskIndex + 1}> ` : '';
    const prefix = this.#options.prefix === undefined ? subtask : `${this.#options.prefix}:${subtask === '' ? ' ' : subtask}`;
    return new PrintWriter<T>(prefix, this.#options.stdErr === true ? process.stderr : process.stdout);
  }
}

class PrintWriter<T> implements SinkWriter<T> {
  readonly #prefix: string;
  readonly #stream: NodeJS.WriteStream;
  #buffer = '';

  constructor(prefix: string, stream: NodeJS.WriteStream) {
    this.#prefix = prefix;
    this.#stream = stream;
  }

  write(value: T): void {
    this.#buffer += `${this.#prefix}${format(value)}\n`;
    if (this.#buffer.length > 16_384) void this.#drain();
  }

  flush(): Promise<void> {
    return this.#drain();
  }

  close(): Promise<void> {
    return this.#drain();
  }

  #drain(): Promise<void> {
    if (this.#buffer.length === 0) return Promise.resolve();
    const text = this.#buffer;
    this.#buffer = '';
    return new Promise((resolve) => {
      this.#stream.write(text, () => {
        resolve();
      });
    });
  }
}

function format(value: unknown): string {
  if (typeof value === 'string') return value;
  return inspect(value, { depth: 6, breakLength: Number.POSITIVE_INFINITY, colors: false });
}
