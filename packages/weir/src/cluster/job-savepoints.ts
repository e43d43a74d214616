/**
 * @module Savepoints of a running job in local mode (Flink's `triggerSavepoint` and `stopWithSavepoint`):
 * where they go (`state.savepoints.dir` or a target directory), when they may be taken (every task
 * running) and how a stop ends the job: sources stop after the savepoint's barrier and end their input
 * once it completed, so the job finishes.
 */
import path from 'node:path';
import type { Configuration } from '../core/configuration.ts';
import { WeirError, describeCause } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { SAVEPOINT_DIRECTORY } from '../checkpoint/checkpoint-config.ts';
import type { JobCheckpointing } from './job-checkpointing.ts';
import type { JobStatus } from './job-status.ts';

/** Flink's savepoint format types; weir writes the canonical format only. */
export type SavepointFormatType = 'CANONICAL';

/** Options of `JobClient.triggerSavepoint`. */
export interface TriggerSavepointOptions {
  /** The directory to create the savepoint in; `state.savepoints.dir` by default. */
  readonly targetDirectory?: string | undefined;
  /** Only 'CANONICAL' (the default): state in weir's own format, restorable at any parallelism. */
  readonly formatType?: SavepointFormatType | undefined;
}

/** Options of `JobClient.stopWithSavepoint`. */
export interface StopWithSavepointOptions {
  /** The directory to create the savepoint in; `state.savepoints.dir` by default. */
  readonly targetDirectory?: string | undefined;
  /**
   * Emit the final watermark (MAX_WATERMARK) before the savepoint, so every event-time timer and window
   * fires (Flink's `--drain`): for ending a job for good rather than for an upgrade.
   */
  readonly drain?: boolean | undefined;
}

/** How the tasks of the job's current attempt stand. */
export type TasksState = 'all-running' | 'starting' | 'some-finished';

export interface JobSavepointsOptions {
  readonly jobId: string;
  readonly jobName: string;
  readonly checkpointing: JobCheckpointing;
  /** Settings with Flink's keys (for `state.savepoints.dir`). */
  readonly configuration: Configuration;
  /** How long a savepoint may take, as a checkpoint (`execution.checkpointing.timeout`), ms. */
  readonly timeoutMs: number;
  readonly status: () => JobStatus;
  readonly tasks: () => TasksState;
  /** The job's result: settles when it ends. */
  readonly result: () => Promise<unknown>;
  /** Fails the job over (its restart strategy decides): a drained stop that failed left it past its final watermark. */
  readonly failover: (error: WeirError) => void;
  readonly logger: Logger;
}

/** Takes the savepoints of one job; `LocalJobRun` owns one and calls `onAllTasksRunning`. */
export class JobSavepoints {
  readonly #options: JobSavepointsOptions;
  readonly #waiting = new Set<() => void>();
  #stopping = false;
  #stopped = false;

  constructor(options: JobSavepointsOptions) {
    this.#options = options;
  }

  /** Every task of the job runs (again): savepoints waiting for that go ahead. */
  onAllTasksRunning(): void {
    for (const resume of [...this.#waiting]) resume();
  }

  /**
   * True once the savepoint of a stop completed and no failover came since: the sources ended their
   * input right after it, so the savepoint covers the job's end and no final checkpoint is taken (what
   * the tasks emitted after it, from processing-time timers, comes again when the job resumes from it).
   */
  get stoppedWithSavepoint(): boolean {
    return this.#stopped;
  }

  /** The job (or a region) restarted from a checkpoint: its sources read on, so a final checkpoint is needed again. */
  onFailover(): void {
    this.#stopped = false;
  }

  /** Takes a savepoint while the job runs on; resolves with its directory. */
  async trigger(options: TriggerSavepointOptions = {}): Promise<string> {
    const format = options.formatType ?? 'CANONICAL';
    if (format !== 'CANONICAL') {
      throw new WeirError('INVALID_OPTION', `invalid savepoint formatType ${JSON.stringify(format)}: weir writes savepoints in the CANONICAL format only`, {
        hint: "leave formatType out, or pass 'CANONICAL'",
      });
    }
    const what = `take a savepoint of job ${this.#describeJob()}`;
    const directory = this.#targetDirectory(options.targetDirectory, what);
    await this.#whenRunning(what);
    const ref = await this.#options.checkpointing.triggerSavepoint(directory);
    this.#options.logger.info('savepoint completed', { job: this.#options.jobName, savepointId: ref.checkpointId, directory: ref.directory });
    return ref.directory;
  }

  /**
   * Stops the job with a savepoint: the sources stop after its barrier (with `drain`, after the final
   * watermark), it completes, and the job finishes. Resolves with the savepoint's directory once the
   * job is FINISHED. When the savepoint fails the job keeps running (a drained one fails over).
   */
  async stop(options: StopWithSavepointOptions = {}): Promise<string> {
    const drain = options.drain ?? false;
    if (typeof drain !== 'boolean') throw new WeirError('INVALID_OPTION', `invalid value for drain: ${JSON.stringify(drain)}; accepted: true or false`);
    const what = `stop job ${this.#describeJob()} with a savepoint`;
    const directory = this.#targetDirectory(options.targetDirectory, what);
    if (this.#stopping) {
      throw new WeirError('CHECKPOINT_FAILED', `job ${this.#describeJob()} is already stopping with a savepoint`, { hint: 'wait for the stop in progress to end' });
    }
    this.#stopping = true;
    const { checkpointing } = this.#options;
    let savepoint: string;
    try {
      await this.#whenRunning(what);
      // No checkpoint may start between the savepoint and the end of the job.
      checkpointing.coordinator.stopCheckpointScheduler();
      try {
        savepoint = (await checkpointing.triggerSavepoint(directory, { drain })).directory;
        this.#stopped = true;
      } catch (error) {
        if (drain && this.#options.status() === 'RUNNING') {
          this.#options.failover(
            new WeirError('CHECKPOINT_FAILED', `the savepoint of a stop with drain of job ${this.#describeJob()} failed after the sources emitted their final watermark: ${describeCause(error)}`, {
              cause: error,
              retriable: true,
            }),
          );
        } else if (this.#options.status() === 'RUNNING' && this.#options.tasks() === 'all-running') {
          // Otherwise the job starts its checkpoints again once every task runs.
          checkpointing.start();
        }
        throw new WeirError('CHECKPOINT_FAILED', `could not stop job ${this.#describeJob()} with a savepoint: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
          retriable: true,
          hint: drain ? 'the job restarts from its latest checkpoint (its restart strategy permitting); try again once it runs' : 'the job keeps running; try again',
        });
      }
    } finally {
      this.#stopping = false;
    }
    this.#options.logger.info('stopping with savepoint', { job: this.#options.jobName, directory: savepoint, drain });
    try {
      await this.#options.result();
    } catch (error) {
      throw new WeirError('CHECKPOINT_FAILED', `job ${this.#describeJob()} took savepoint ${savepoint} but then failed instead of finishing: ${describeCause(error)}`, {
        cause: error,
        hint: 'the savepoint is complete: restore from it with weir run -s',
      });
    }
    return savepoint;
  }

  #targetDirectory(given: string | undefined, what: string): string {
    if (given !== undefined) {
      if (typeof given !== 'string' || given.length === 0) {
        throw new WeirError('INVALID_OPTION', `invalid savepoint targetDirectory ${JSON.stringify(given)}: expected a non-empty path`);
      }
      return path.resolve(given);
    }
    const configured = this.#options.configuration.get(SAVEPOINT_DIRECTORY);
    if (configured === undefined) {
      throw new WeirError('INVALID_OPTION', `cannot ${what}: no savepoint directory was given and ${SAVEPOINT_DIRECTORY.key} is not set`, {
        hint: `pass a target directory (targetDirectory, or weir savepoint <jobId> <dir>), or set ${SAVEPOINT_DIRECTORY.key} in weir.yaml`,
      });
    }
    return path.resolve(configured);
  }

  /** Resolves once every task runs; rejects when the job is not running or some task finished (Flink's rule). */
  async #whenRunning(what: string): Promise<void> {
    const deadline = Date.now() + this.#options.timeoutMs;
    for (;;) {
      const status = this.#options.status();
      if (status !== 'RUNNING') {
        throw new WeirError('CHECKPOINT_FAILED', `cannot ${what}: the job is ${status}, not RUNNING`);
      }
      const tasks = this.#options.tasks();
      if (tasks === 'all-running') return;
      if (tasks === 'some-finished') {
        throw new WeirError('CHECKPOINT_FAILED', `cannot ${what}: some of its tasks have finished their input, and a savepoint needs every task running`, {
          hint: 'a bounded job near its end cannot be savepointed; take savepoints of jobs whose sources are still reading',
        });
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new WeirError('CHECKPOINT_FAILED', `cannot ${what}: its tasks did not all start within ${this.#options.timeoutMs} ms`, { retriable: true });
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#waiting.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 100));
        this.#waiting.add(done);
      });
    }
  }

  #describeJob(): string {
    return `'${this.#options.jobName}' (${this.#options.jobId})`;
  }
}

