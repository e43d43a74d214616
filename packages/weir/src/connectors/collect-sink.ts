/**
 * @module CollectSink: sends the records of a (bounded) job back to the JobManager, where the job's
 * result holds them under the sink's name; for tests and small results. It is a two-phase-commit sink:
 * what a subtask wrote since the last checkpoint reaches the result only when that checkpoint
 * completes (or at the end of input), so a job restored after a failure shows each record once. With
 * `upsertKey`, the result keeps only the latest record per key, so a rolling aggregate comes back as
 * its final table.
 */
import { randomBytes } from 'node:crypto';
import { checkNonEmptyString } from '../core/options.ts';
import type {
  CommittingSinkContext,
  CommittingSinkWriter,
  Committer,
  OperatorCoordinator,
  TwoPhaseCommittingSink,
} from '../operators/sink.ts';

export interface CollectSinkOptions<T> {
  /** Keep only the last record of each key (the key must identify the record across subtasks). */
  readonly upsertKey?: ((value: T) => unknown) | undefined;
}

/** What one subtask wrote between two checkpoints; `id` is unique across subtasks and attempts. */
export interface CollectBatch {
  readonly id: string;
  readonly subtask: number;
  /** The records, or with `upsertKey` the latest `[key, record]` of each key written. */
  readonly values: unknown[];
}

interface CommitEvent {
  readonly batches: readonly CollectBatch[];
}

export class CollectSink<T> implements TwoPhaseCommittingSink<T, CollectBatch> {
  readonly name: string;
  readonly deliveryGuarantee = 'EXACTLY_ONCE';
  readonly #options: CollectSinkOptions<T>;

  /** `name` identifies the results in the job result: `result.getCollected(name)`. */
  constructor(name: string, options: CollectSinkOptions<T> = {}) {
    this.name = checkNonEmptyString('name', name, 'new CollectSink()');
    this.#options = options;
  }

  createWriter(context: CommittingSinkContext): CommittingSinkWriter<T, CollectBatch> {
    const upsertKey = this.#options.upsertKey;
    return upsertKey === undefined ? new ListCollectWriter<T>(context) : new UpsertCollectWriter<T>(context, upsertKey);
  }

  createCommitter(context: CommittingSinkContext): Committer<CollectBatch> {
    return {
      commit(committables) {
        if (committables.length === 0) return Promise.resolve();
        const event: CommitEvent = { batches: committables };
        context.sendEventToCoordinator(event);
        return Promise.resolve();
      },
      close() {},
    };
  }

  createCoordinator(): OperatorCoordinator {
    return this.#options.upsertKey === undefined ? new ListCollectCoordinator() : new UpsertCollectCoordinator();
  }
}

/** Applies each committed batch once: a batch committed again after a restore is recognised by id. */
abstract class CollectCoordinator implements OperatorCoordinator {
  readonly #committed = new Set<string>();

  handleEventFromOperator(_subtaskIndex: number, event: unknown): void {
    for (const batch of (event as CommitEvent).batches) {
      if (this.#committed.has(batch.id)) continue;
      this.#committed.add(batch.id);
      this.apply(batch);
    }
  }

  protected abstract apply(batch: CollectBatch): void;
  abstract result(): unknown;
}

class ListCollectCoordinator extends CollectCoordinator {
  readonly #bySubtask = new Map<number, unknown[]>();

  protected apply(batch: CollectBatch): void {
    const list = this.#bySubtask.get(batch.subtask) ?? [];
    for (const value of batch.values) list.push(value);
    this.#bySubtask.set(batch.subtask, list);
  }

  result(): unknown[] {
    return [...this.#bySubtask.keys()].sort((a, b) => a - b).flatMap((subtask) => this.#bySubtask.get(subtask) ?? []);
  }
}

class UpsertCollectCoordinator extends CollectCoordinator {
  readonly #latest = new Map<unknown, unknown>();

  protected apply(batch: CollectBatch): void {
    for (const entry of batch.values) {
      const [key, value] = entry as [unknown, unknown];
      this.#latest.set(key, value);
    }
  }

  result(): unknown[] {
    return [...this.#latest.values()];
  }
}

/** A batch id: the subtask, the checkpoint and a token of this writer, so attempts never collide. */
function batchIds(context: CommittingSinkContext): (checkpointId: number) => string {
  const token = randomBytes(6).toString('hex');
  return (checkpointId) => `${context.subtaskIndex}:${checkpointId}:${token}`;
}

class ListCollectWriter<T> implements CommittingSinkWriter<T, CollectBatch> {
  readonly #subtask: number;
  readonly #id: (checkpointId: number) => string;
  #values: unknown[] = [];

  constructor(context: CommittingSinkContext) {
    this.#subtask = context.subtaskIndex;
    this.#id = batchIds(context);
  }

  write(value: T): void {
    this.#values.push(value);
  }

  flush(): void {}

  prepareCommit(checkpointId: number): CollectBatch[] {
    if (this.#values.length === 0) return [];
    const batch: CollectBatch = { id: this.#id(checkpointId), subtask: this.#subtask, values: this.#values };
    this.#values = [];
    return [batch];
  }

  close(): void {}
}

class UpsertCollectWriter<T> implements CommittingSinkWriter<T, CollectBatch> {
  readonly #subtask: number;
  readonly #id: (checkpointId: number) => string;
  readonly #key: (value: T) => unknown;
  #latest = new Map<unknown, T>();

  constructor(context: CommittingSinkContext, key: (value: T) => unknown) {
    this.#subtask = context.subtaskIndex;
    this.#id = batchIds(context);
    this.#key = key;
  }

  write(value: T): void {
    const key = this.#key(value);
    // Composite keys (tuples, objects) compare by content, not identity.
    this.#latest.set(typeof key === 'object' && key !== null ? JSON.stringify(key) : key, value);
  }

  flush(): void {}

  prepareCommit(checkpointId: number): CollectBatch[] {
    if (this.#latest.size === 0) return [];
    const batch: CollectBatch = { id: this.#id(checkpointId), subtask: this.#subtask, values: [...this.#latest] };
    this.#latest = new Map();
    return [batch];
  }

  close(): void {}
}
