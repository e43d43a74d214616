/**
 * @module The Dispatcher (Flink's name) of a long-lived local JobManager: it accepts job submissions,
 * runs them on its MiniCluster, keeps every job (running and ended) by id, and carries out savepoints,
 * stops and cancellations for the REST handlers. Paths a request names stay inside the directories the
 * cluster was configured with.
 */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WeirError, describeCause } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { isGloballyTerminal } from '../cluster/job-status.ts';
import type { JobClient } from '../cluster/mini-cluster.ts';
import type { JobSubmission } from '../cluster/job-loader.ts';
import type { JobSnapshot } from './job-responses.ts';
import { OperationCache, type OperationResult } from './operation-cache.ts';
import { confinePath, type AllowedDirectory } from './path-confinement.ts';
import { RestHandlerException } from './rest-handler-exception.ts';
import type { JobSubmitRequestBody, SavepointTriggerRequestBody, StopWithSavepointRequestBody } from './request-schemas.ts';

/** File types a job module may have. */
const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
const JOB_ID = /^[0-9a-f]{32}$/;

export interface DispatcherOptions {
  /** Runs a job (a MiniCluster's `submit`). */
  readonly submit: (submission: JobSubmission) => Promise<JobClient>;
  /** Settings with Flink's keys (the cluster's weir.yaml), given to every job. */
  readonly configuration: Readonly<Record<string, unknown>>;
  /** Job modules must lie inside this directory (`--jobs-dir`, else the working directory). */
  readonly jobsDirectory: string;
  /** `state.savepoints.dir`: target directories and savepoints to restore from must lie inside. */
  readonly savepointsDirectory?: string | undefined;
  /** `state.checkpoints.dir`: retained checkpoints to restore from may lie inside. */
  readonly checkpointsDirectory?: string | undefined;
  readonly logger: Logger;
}

interface JobEntry {
  readonly client: JobClient;
  endTime: number | null;
  failureCause: string | null;
}

export class Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #jobs = new Map<string, JobEntry>();
  readonly #operations = new OperationCache();

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  /** Submits a job; resolves once it is deployed. A module or savepoint outside the allowed directories is refused. */
  async submit(body: JobSubmitRequestBody): Promise<JobClient> {
    const modulePath = confinePath(body.module, 'module', [{ name: '--jobs-dir', path: this.#options.jobsDirectory }]);
    const stat = statSync(modulePath, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isFile()) {
      throw new RestHandlerException(400, `field 'module': job file not found: ${body.module} (relative to the jobs directory ${this.#options.jobsDirectory})`);
    }
    if (!MODULE_EXTENSIONS.includes(extname(modulePath))) {
      throw new RestHandlerException(400, `field 'module': ${body.module} is not a job module (accepted: ${MODULE_EXTENSIONS.join(', ')} files)`);
    }
    const restoreFrom = body.savepointPath === undefined ? undefined : confinePath(body.savepointPath, 'savepointPath', this.#stateDirectories());
    // The module's modification time in its URL: a changed module is loaded anew, an unchanged one from the cache.
    const url = new URL(pathToFileURL(modulePath));
    url.searchParams.set('mtime', String(Math.floor(stat.mtimeMs)));
    const submission: JobSubmission = {
      module: url.href,
      exportName: body.job,
      args: body.args === undefined ? {} : { ...body.args },
      parallelism: body.parallelism,
      configuration: this.#options.configuration,
      fromSavepoint: restoreFrom,
      allowNonRestoredState: body.allowNonRestoredState === true,
    };
    let client: JobClient;
    try {
      client = await this.#options.submit(submission);
    } catch (error) {
      if (error instanceof WeirError && error.code !== 'INTERNAL') throw new RestHandlerException(400, error.describe());
      throw error;
    }
    const entry: JobEntry = { client, endTime: null, failureCause: null };
    this.#jobs.set(client.jobId, entry);
    client.getJobExecutionResult().then(
      () => {
        entry.endTime = Date.now();
      },
      (error: unknown) => {
        entry.endTime = Date.now();
        if (client.getJobStatus() === 'FAILED') entry.failureCause = error instanceof WeirError ? error.describe() : describeCause(error);
      },
    );
    this.#options.logger.info('job submitted', { jobId: client.jobId, job: client.jobName, module: modulePath });
    return client;
  }

  /** Every job, oldest first. */
  jobs(): JobClient[] {
    return [...this.#jobs.values()].map((entry) => entry.client);
  }

  /** The job with `jobId`; 404 when there is none. */
  job(jobId: string): JobClient {
    return this.#entry(jobId).client;
  }

  /** Everything the responses show of a job; `fresh` asks the slots for their counters first. */
  async snapshot(jobId: string, fresh = false): Promise<JobSnapshot> {
    const entry = this.#entry(jobId);
    const { client } = entry;
    const tasks = fresh && client.getJobStatus() === 'RUNNING' ? await client.requestTaskMetrics(300) : client.getTaskMetrics();
    return {
      jobId: client.jobId,
      jobName: client.jobName,
      status: client.getJobStatus(),
      startTime: client.startTime,
      endTime: isGloballyTerminal(client.getJobStatus()) ? (entry.endTime ?? Date.now()) : null,
      failureCause: entry.failureCause,
      plan: client.getJobPlan(),
      tasks,
    };
  }

  /** Starts a savepoint (and with `cancel-job`, a cancellation after it); returns the trigger id. */
  triggerSavepoint(jobId: string, body: SavepointTriggerRequestBody): string {
    const client = this.#running(jobId, 'take a savepoint of');
    const targetDirectory = this.#targetDirectory(body['target-directory'], 'target-directory');
    return this.#operations.start(client.jobId, async () => {
      const location = await client.triggerSavepoint({ targetDirectory, formatType: body.formatType });
      if (body['cancel-job'] === true) await client.cancel();
      return location;
    });
  }

  /** Starts a stop with savepoint; returns the trigger id, polled like a savepoint's. */
  stopWithSavepoint(jobId: string, body: StopWithSavepointRequestBody): string {
    const client = this.#running(jobId, 'stop');
    const targetDirectory = this.#targetDirectory(body.targetDirectory, 'targetDirectory');
    return this.#operations.start(client.jobId, () => client.stopWithSavepoint({ targetDirectory, drain: body.drain }));
  }

  /** The state of a savepoint or stop; 404 for an unknown trigger id. */
  operation(jobId: string, triggerId: string): OperationResult {
    const client = this.job(jobId);
    const result = this.#operations.get(client.jobId, triggerId);
    if (result === undefined) throw new RestHandlerException(404, `job ${jobId} has no savepoint operation with trigger id ${triggerId}`);
    return result;
  }

  /** Cancels the job; 409 when it already ended. */
  async cancel(jobId: string): Promise<void> {
    const client = this.job(jobId);
    if (isGloballyTerminal(client.getJobStatus())) {
      throw new RestHandlerException(409, `job ${jobId} is ${client.getJobStatus()}; only a job that has not ended can be cancelled`);
    }
    await client.cancel();
  }

  /** Cancels every job that has not ended (the JobManager is shutting down). */
  async shutdown(): Promise<void> {
    await Promise.all(this.jobs().filter((client) => !isGloballyTerminal(client.getJobStatus())).map((client) => client.cancel()));
  }

  #entry(jobId: string): JobEntry {
    if (!JOB_ID.test(jobId)) throw new RestHandlerException(404, `job ${JSON.stringify(jobId)} not found: a job id is 32 hexadecimal digits`);
    const entry = this.#jobs.get(jobId);
    if (entry === undefined) throw new RestHandlerException(404, `job ${jobId} not found`);
    return entry;
  }

  #running(jobId: string, what: string): JobClient {
    const client = this.job(jobId);
    const status = client.getJobStatus();
    if (status !== 'RUNNING') throw new RestHandlerException(409, `cannot ${what} job ${jobId}: it is ${status}, not RUNNING`);
    return client;
  }

  #targetDirectory(requested: string | undefined, field: string): string | undefined {
    const savepoints = this.#options.savepointsDirectory;
    if (savepoints === undefined) {
      throw new RestHandlerException(400, `the cluster has no state.savepoints.dir, where savepoints taken through the REST API go; set it in the cluster's weir.yaml`);
    }
    return requested === undefined ? undefined : confinePath(requested, field, [{ name: 'state.savepoints.dir', path: savepoints }]);
  }

  #stateDirectories(): AllowedDirectory[] {
    const dirs: AllowedDirectory[] = [];
    if (this.#options.savepointsDirectory !== undefined) dirs.push({ name: 'state.savepoints.dir', path: this.#options.savepointsDirectory });
    if (this.#options.checkpointsDirectory !== undefined) dirs.push({ name: 'state.checkpoints.dir', path: this.#options.checkpointsDirectory });
    return dirs;
  }
}
