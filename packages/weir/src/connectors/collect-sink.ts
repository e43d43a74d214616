/**
 * @module CollectSink: sends the records of a (bounded) job back to the JobManager, where the job's
 * result holds them under the sink's name; for tests and small results. With `upsertKey`, each writer
 * keeps only the latest record per key, so a rolling aggregate comes back as its final table.
 */
import { checkNonEmptyString } from '../core/options.ts';
import type { OperatorCoordinator, Sink, SinkWriter, SinkWriterContext } from '../operators/sink.ts';

export interface CollectSinkOptions<T> {
  /** Keep only the last record of each key (the key must identify the record across subtasks). */
  readonly upsertKey?: ((value: T) => unknown) | undefined;
}

interface CollectEvent {
  readonly values: unknown[];
}

const RECORDS_PER_EVENT = 4096;

export class CollectSink<T> implements Sink<T> {
  readonly name: string;
  readonly #options: CollectSinkOptions<T>;

  /** `name` identifies the results in the job result: `result.getCollected(name)`. */
  constructor(name: string, options: CollectSinkOptions<T> = {}) {
    this.name = checkNonEmptyString('name', name, 'new CollectSink()');
    this.#options = options;
  }

  createWriter(context: SinkWriterContext): SinkWriter<T> {
    const upsertKey = this.#options.upsertKey;
    return upsertKey === undefined ? new ListCollectWriter<T>(context) : new UpsertCollectWriter<T>(context, upsertKey);
  }

  createCoordinator(): OperatorCoordinator {
    const bySubtask = new Map<number, unknown[]>();
    return {
      handleEventFromOperator(subtaskIndex, event) {
        const list = bySubtask.get(subtaskIndex) ?? [];
        for (const value of (event as CollectEvent).values) list.push(value);
        bySubtask.set(subtaskIndex, list);
      },
      result() {
        return [...bySubtask.keys()].sort((a, b) => a - b).flatMap((subtask) => bySubtask.get(subtask) ?? []);
      },
    };
  }
}

class ListCollectWriter<T> implements SinkWriter<T> {
  readonly #context: SinkWriterContext;
  #values: unknown[] = [];

  constructor(context: SinkWriterContext) {
    this.#context = context;
  }

  write(value: T): void {
    this.#values.push(value);
    if (this.#values.length >= RECORDS_PER_EVENT) this.flush();
  }

  flush(): void {
    if (this.#values.length === 0) return;
    const event: CollectEvent = { values: this.#values };
    this.#values = [];
    this.#context.sendEventToCoordinator(event);
  }

  close(): void {}
}

class UpsertCollectWriter<T> implements SinkWriter<T> {
  readonly #context: SinkWriterContext;
  readonly #key: (value: T) => unknown;
  readonly #latest = new Map<unknown, T>();

  constructor(context: SinkWriterContext, key: (value: T) => unknown) {
    this.#context = context;
    this.#key = key;
  }

  write(value: T): void {
    this.#latest.set(this.#key(value), value);
  }

  flush(endOfInput: boolean): void {
    if (!endOfInput || this.#latest.size === 0) return;
    const event: CollectEvent = { values: [...this.#latest.values()] };
    this.#latest.clear();
    this.#context.sendEventToCoordinator(event);
  }

  close(): void {}
}
