/**
 * @module The JobManager's side of checkpointing in local mode: a CheckpointCoordinator whose task
 * gateway messages the slots' workers, and which writes the state the tasks report into checkpoint
 * storage before it counts their acknowledgement.
 */
import { createHash } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { describeCause, errorFromData, type ErrorData, type WeirError } from '../core/errors.ts';
import { CheckpointId } from '../core/ids.ts';
import { systemClock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { CheckpointConfigData } from '../checkpoint/checkpoint-config.ts';
import { CheckpointCoordinator, type StopWithSavepoint } from '../checkpoint/checkpoint-coordinator.ts';
import type { SubtaskState } from '../checkpoint/checkpoint-metadata.ts';
import type { CheckpointLocation, CheckpointStorage, CompletedCheckpointRef } from '../checkpoint/checkpoint-storage.ts';
import { CheckpointStatsTracker } from '../checkpoint/checkpoint-stats-tracker.ts';
import { FileCheckpointStorage } from '../checkpoint/file-checkpoint-storage.ts';
import { MemoryCheckpointStorage } from '../checkpoint/memory-checkpoint-storage.ts';
import { taskName } from '../checkpoint/pending-checkpoint.ts';
import { timerScheduler } from '../checkpoint/checkpoint-scheduler.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import type { TaskCheckpointAck } from '../runtime/stream-task.ts';
import { KeyedFileChains } from './keyed-file-chains.ts';
import type { ToWorker } from './worker-protocol.ts';

export interface JobCheckpointingOptions {
  readonly jobId: string;
  readonly graph: JobGraph<OperatorSpec>;
  readonly config: CheckpointConfigData;
  /** The storage to use instead of the one the config names. */
  readonly storage?: CheckpointStorage | undefined;
  readonly workers: () => readonly Worker[];
  readonly logger: Logger;
  readonly onFatal: (error: WeirError) => void;
}

/** The storage a checkpoint config names: files under `state.checkpoints.dir`, else JobManager memory (Flink's default). */
export function createCheckpointStorage(config: CheckpointConfigData): CheckpointStorage {
  return config.checkpointStorage === null ? new MemoryCheckpointStorage() : new FileCheckpointStorage({ directory: config.checkpointStorage });
}

export class JobCheckpointing {
  readonly coordinator: CheckpointCoordinator;
  readonly stats = new CheckpointStatsTracker();
  readonly storage: CheckpointStorage;
  /** Where each checkpoint in progress writes: its location, in the checkpoint storage or a savepoint's. */
  readonly #locations = new Map<number, { readonly location: CheckpointLocation; readonly storage: CheckpointStorage }>();
  readonly #options: JobCheckpointingOptions;
  readonly #keyedFiles = new KeyedFileChains();
  /** Per task, the writing of its latest acknowledgement (see `receiveAck`). */
  readonly #acksInProgress = new Map<string, Promise<void>>();

  constructor(options: JobCheckpointingOptions) {
    this.#options = options;
    this.storage = options.storage ?? createCheckpointStorage(options.config);
    const broadcast = (message: ToWorker): void => {
      for (const worker of options.workers()) worker.postMessage(message);
    };
    const graph = options.graph;
    this.coordinator = new CheckpointCoordinator({
      jobId: options.jobId,
      jobName: graph.jobName,
      config: options.config,
      storage: this.storage,
      clock: systemClock,
      scheduler: timerScheduler,
      taskGateway: {
        triggerCheckpoint: (checkpointId, timestamp, triggerOptions) => {
          this.#locations.set(checkpointId, { location: triggerOptions.location, storage: triggerOptions.storage });
          broadcast({
            type: 'trigger-checkpoint',
            barrier: { kind: 'barrier', checkpointId, timestamp, type: triggerOptions.type, unaligned: triggerOptions.unaligned },
            stop: triggerOptions.stop,
            final: triggerOptions.final,
          });
        },
        notifyCheckpointComplete: (checkpointId) => {
          this.#forget(checkpointId);
          broadcast({ type: 'checkpoint-complete', checkpointId });
        },
        notifyCheckpointAborted: (checkpointId) => {
          this.#locations.delete(checkpointId);
          broadcast({ type: 'checkpoint-aborted', checkpointId });
        },
      },
      tasksToAcknowledge: graph.vertices.flatMap((v) => Array.from({ length: v.parallelism }, (_, i) => taskName(v.id, i))),
      operators: graph.vertices.flatMap((v) =>
        v.operators.map((o) => ({ uid: o.uid, name: o.node.name, parallelism: v.parallelism, maxParallelism: v.maxParallelism })),
      ),
      events: (event) => {
        this.stats.record(event);
        options.logger.debug('checkpoint event', { ...event });
      },
      onTolerableFailuresExceeded: (error) => {
        options.onFatal(error);
      },
    });
  }

  start(): void {
    if (this.#options.config.checkpointInterval !== null) this.coordinator.startCheckpointScheduler();
  }

  /**
   * Takes a savepoint into a new `savepoint-<job>-<random>` directory under `targetDirectory`; with
   * `stop`, the sources stop after its barrier and end the job once it completed.
   */
  triggerSavepoint(targetDirectory: string, stop?: StopWithSavepoint): Promise<CompletedCheckpointRef> {
    return this.coordinator.triggerSavepoint({ storage: new FileCheckpointStorage({ directory: targetDirectory }), stop });
  }

  /**
   * Writes what a task reported, then acknowledges it; a write failure declines the checkpoint. One
   * task's acknowledgements are written in the order they came, as incremental files build on the
   * ones before.
   */
  receiveAck(ack: TaskCheckpointAck): Promise<void> {
    const task = taskName(ack.vertexId, ack.subtaskIndex);
    const write = (): Promise<void> => this.#writeAndAcknowledge(ack);
    const written = (this.#acksInProgress.get(task) ?? Promise.resolve()).then(write, write);
    this.#acksInProgress.set(task, written);
    const forget = (): void => {
      if (this.#acksInProgress.get(task) === written) this.#acksInProgress.delete(task);
    };
    written.then(forget, forget);
    return written;
  }

  async #writeAndAcknowledge(ack: TaskCheckpointAck): Promise<void> {
    const id = CheckpointId(ack.checkpointId);
    const task = taskName(ack.vertexId, ack.subtaskIndex);
    const target = this.#locations.get(id);
    if (target === undefined) return;
    const { location, storage } = target;
    try {
      const states: { uid: string; state: SubtaskState }[] = [];
      for (const part of ack.states) {
        const base = `${fileSafe(part.uid)}-${ack.subtaskIndex}`;
        const keyedState =
          part.keyed === undefined ? undefined : await this.#keyedFiles.write(storage, location, id, { uid: part.uid, subtask: ack.subtaskIndex, fileName: base }, part.keyed);
        const operatorState = part.operator === undefined ? undefined : await storage.writeState(location, `${base}-operator`, part.operator);
        const channelState = part.channel === undefined ? undefined : await storage.writeState(location, `${base}-channel`, part.channel);
        states.push({ uid: part.uid, state: { subtask: ack.subtaskIndex, keyedState, operatorState, channelState } });
      }
      this.coordinator.receiveAcknowledge(id, task, states, ack.metrics);
    } catch (error) {
      this.coordinator.receiveDecline(id, task, error);
    }
  }

  receiveDecline(checkpointId: number, vertexId: string, subtaskIndex: number, reason: ErrorData, taskNotRunning: boolean): void {
    // A task that finished its input cannot take part: the checkpoint ends, but it is not a failure (Flink's rule).
    if (taskNotRunning) this.coordinator.abortPendingCheckpoints('NOT_ALL_REQUIRED_TASKS_RUNNING');
    else this.coordinator.receiveDecline(CheckpointId(checkpointId), taskName(vertexId, subtaskIndex), errorFromData(reason));
  }

  /**
   * A task finished, or its input ended and it waits for the final checkpoint: it takes part in no
   * barrier-aligned checkpoint any more, so periodic checkpoints stop (the final checkpoint comes once
   * every task's input ended).
   */
  onTaskFinished(): void {
    this.coordinator.stopCheckpointScheduler();
    this.coordinator.abortPendingCheckpoints('NOT_ALL_REQUIRED_TASKS_RUNNING');
  }

  async shutdown(status: 'FINISHED' | 'CANCELED' | 'FAILED'): Promise<void> {
    this.coordinator.stopCheckpointScheduler();
    try {
      await this.coordinator.shutdown(status);
    } catch (error) {
      this.#options.logger.warn('checkpoint coordinator shutdown failed', { cause: describeCause(error) });
    }
  }

  #forget(completed: number): void {
    for (const id of this.#locations.keys()) if (id <= completed) this.#locations.delete(id);
  }
}

/** A state file name for a uid: readable, safe on every file system, and unique (a hash of the uid). */
function fileSafe(uid: string): string {
  const readable = uid.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${readable}-${createHash('sha256').update(uid).digest('hex').slice(0, 8)}`;
}
