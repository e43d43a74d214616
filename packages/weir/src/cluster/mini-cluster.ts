/**
 * @module MiniCluster: local mode. The JobManager runs on the calling thread; each task slot is a
 * worker thread. It loads the job, assigns source splits, starts one worker per slot with a
 * MessagePort to every other slot, collects task reports and operator events, and tears every
 * worker down on the first failure so nothing hangs.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { WeirError, describeCause, errorFromData } from '../core/errors.ts';
import { newJobId, type JobId } from '../core/ids.ts';
import { createConsoleLogger, logLevelFromEnv, type Logger } from '../core/logger.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import type { OperatorCoordinator } from '../operators/sink.ts';
import type { SourceSplit } from '../operators/source.ts';
import type { TaskReport } from '../runtime/stream-task.ts';
import { JobExecutionResult } from './job-execution-result.ts';
import { defaultParallelism, loadJob, type JobSubmission } from './job-loader.ts';
import { isGloballyTerminal, moveJob, type JobStatus } from './job-status.ts';
import type { FromWorker, SlotDeployment, ToWorker } from './worker-protocol.ts';
import { JobCheckpointing } from './job-checkpointing.ts';
import type { CheckpointConfigData } from '../checkpoint/checkpoint-config.ts';

const WORKER_ENTRY = new URL('./slot-worker.mjs', import.meta.url);
const SHUTDOWN_GRACE_MS = 5000;

/** A handle on a submitted job. */
export interface JobClient {
  readonly jobId: JobId;
  readonly jobName: string;
  getJobStatus(): JobStatus;
  /** Resolves when the job finishes; rejects with the job's error when it fails or is cancelled. */
  getJobExecutionResult(): Promise<JobExecutionResult>;
  cancel(): Promise<void>;
}

export interface MiniClusterOptions {
  readonly logger?: Logger | undefined;
}

export class MiniCluster {
  readonly #logger: Logger;

  constructor(options: MiniClusterOptions = {}) {
    this.#logger = options.logger ?? createConsoleLogger(logLevelFromEnv());
  }

  /** Loads the job module, builds its graph and starts it. */
  async submit(submission: JobSubmission): Promise<JobClient> {
    // Slots start while the job loads: a worker spends most of its start-up loading the engine, which
    // does not depend on the job, so both overlap (as a TaskManager's slots exist before a job comes).
    const expectedSlots = submission.parallelism ?? defaultParallelism();
    const started = Array.from({ length: expectedSlots }, (_, slot) => startSlotWorker(slot));
    let loaded;
    try {
      loaded = await loadJob(submission);
    } catch (error) {
      await Promise.all(started.map((worker) => worker.terminate()));
      throw error;
    }
    const run = new LocalJobRun(submission, loaded.jobGraph, loaded.checkpointConfig, this.#logger, started);
    await run.start();
    return run;
  }
}

function startSlotWorker(slot: number): Worker {
  return new Worker(WORKER_ENTRY, { name: `weir slot ${slot}` });
}

/** Runs a job module to completion in local mode and returns its result. */
export async function executeJob(submission: JobSubmission, options: MiniClusterOptions = {}): Promise<JobExecutionResult> {
  const client = await new MiniCluster(options).submit(submission);
  return client.getJobExecutionResult();
}

class LocalJobRun implements JobClient {
  readonly jobId = newJobId();
  readonly jobName: string;
  readonly #submission: JobSubmission;
  readonly #graph: JobGraph<OperatorSpec>;
  readonly #logger: Logger;
  #status: JobStatus = 'INITIALIZING';
  readonly #workers: Worker[] = [];
  readonly #reports: TaskReport[] = [];
  readonly #coordinators = new Map<string, { readonly coordinator: OperatorCoordinator; readonly resultName: string | undefined }>();
  #tasksRunning = 0;
  /** Tasks not yet running; checkpoints start when every task is (Flink's precondition). */
  #tasksStarting = 0;
  #startedAt = 0;
  #workersMayExit = false;
  readonly #result: Promise<JobExecutionResult>;
  #resolve!: (result: JobExecutionResult) => void;
  #reject!: (error: unknown) => void;

  readonly #started: Worker[];
  readonly #checkpointing: JobCheckpointing | undefined;
  readonly #checkpointConfig: CheckpointConfigData;

  /** `started` are workers already starting; the run uses them for its first slots and stops the rest. */
  constructor(submission: JobSubmission, graph: JobGraph<OperatorSpec>, checkpointConfig: CheckpointConfigData, logger: Logger, started: Worker[]) {
    this.#started = started;
    this.#checkpointConfig = checkpointConfig;
    this.#checkpointing =
      checkpointConfig.checkpointInterval === null
        ? undefined
        : new JobCheckpointing({
            jobId: this.jobId,
            graph,
            config: checkpointConfig,
            workers: () => this.#workers,
            logger,
            onFatal: (error) => {
              this.#fail(error);
            },
          });
    this.#submission = submission;
    this.#graph = graph;
    this.#logger = logger;
    this.jobName = graph.jobName;
    this.#result = new Promise<JobExecutionResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // The caller may only await the result later; an early failure must not be reported as unhandled.
    this.#result.catch(() => {});
  }

  getJobStatus(): JobStatus {
    return this.#status;
  }

  getJobExecutionResult(): Promise<JobExecutionResult> {
    return this.#result;
  }

  async cancel(): Promise<void> {
    if (isGloballyTerminal(this.#status) || this.#status === 'CANCELLING' || this.#status === 'FAILING') return;
    this.#move('CANCELLING');
    await this.#terminateWorkers();
    await this.#checkpointing?.shutdown('CANCELED');
    this.#move('CANCELED');
    this.#reject(new WeirError('JOB_CANCELLED', `job '${this.jobName}' (${this.jobId}) was cancelled`));
  }

  async start(): Promise<void> {
    this.#startedAt = performance.now();
    const graph = this.#graph;
    const splits = await this.#assignSplits();
    for (const vertex of graph.vertices) {
      for (const operator of vertex.operators) {
        const spec = operator.node.payload;
        if (spec.kind === 'one-input' && spec.createCoordinator !== undefined) {
          this.#coordinators.set(operator.uid, { coordinator: spec.createCoordinator(), resultName: spec.resultName });
        }
      }
    }
    this.#move('CREATED');
    const numSlots = Math.max(...graph.vertices.map((v) => v.parallelism));
    this.#tasksRunning = graph.vertices.reduce((sum, v) => sum + v.parallelism, 0);
    this.#tasksStarting = this.#tasksRunning;
    const ports: MessagePort[][] = Array.from({ length: numSlots }, () => []);
    const peers: { slot: number; port: MessagePort }[][] = Array.from({ length: numSlots }, () => []);
    for (let a = 0; a < numSlots; a++) {
      for (let b = a + 1; b < numSlots; b++) {
        const { port1, port2 } = new MessageChannel();
        peers[a]?.push({ slot: b, port: port1 });
        peers[b]?.push({ slot: a, port: port2 });
        ports[a]?.push(port1);
        ports[b]?.push(port2);
      }
    }
    for (const spare of this.#started.splice(numSlots)) void spare.terminate();
    for (let slot = 0; slot < numSlots; slot++) {
      const worker = this.#started[slot] ?? startSlotWorker(slot);
      this.#workers.push(worker);
      worker.on('message', (message: FromWorker) => {
        this.#onMessage(message);
      });
      worker.on('error', (error) => {
        this.#fail(new WeirError('WORKER_CRASHED', `the worker thread of slot ${slot} crashed: ${describeCause(error)}`, { cause: error, retriable: true }));
      });
      worker.on('exit', (code) => {
        if (!this.#workersMayExit && !isGloballyTerminal(this.#status) && this.#status !== 'CANCELLING' && this.#status !== 'FAILING') {
          this.#fail(new WeirError('WORKER_CRASHED', `the worker thread of slot ${slot} exited unexpectedly with code ${code}`, { retriable: true }));
        }
      });
      const deployment: SlotDeployment = {
        jobId: this.jobId,
        attemptNumber: 0,
        slot,
        numSlots,
        submission: this.#submission,
        fingerprint: graph.fingerprint,
        splits,
        peers: peers[slot] ?? [],
        checkpointing: { mode: this.#checkpointConfig.checkpointingMode },
      };
      const message: ToWorker = { type: 'deploy', deployment };
      worker.postMessage(message, ports[slot] ?? []);
    }
    this.#move('RUNNING');
    this.#logger.info('job running', { jobId: this.jobId, job: this.jobName, slots: numSlots, deployMs: Math.round(performance.now() - this.#startedAt) });
  }

  async #assignSplits(): Promise<Record<string, SourceSplit[][]>> {
    const splits: Record<string, SourceSplit[][]> = {};
    for (const vertex of this.#graph.vertices) {
      const head = vertex.operators[0];
      const spec = head?.node.payload;
      if (head === undefined || spec?.kind !== 'source') continue;
      const description = `source '${head.node.name}' (uid ${head.uid})`;
      let assignment: SourceSplit[][];
      try {
        const enumerator = spec.source.createEnumerator({ parallelism: vertex.parallelism, description });
        assignment = await enumerator.assignInitialSplits();
      } catch (error) {
        if (error instanceof WeirError) throw error;
        throw new WeirError('SOURCE_FAILED', `${description} could not list its splits: ${describeCause(error)}`, { cause: error });
      }
      splits[vertex.id] = Array.from({ length: vertex.parallelism }, (_, i) => assignment[i] ?? []);
    }
    return splits;
  }

  #onMessage(message: FromWorker): void {
    if (isGloballyTerminal(this.#status) || this.#status === 'FAILING' || this.#status === 'CANCELLING') return;
    switch (message.type) {
      case 'deployed':
        this.#logger.debug('slot deployed', { ms: Math.round(performance.now() - this.#startedAt) });
        return;
      case 'operator-event': {
        const entry = this.#coordinators.get(message.uid);
        if (entry === undefined) {
          this.#fail(new WeirError('INTERNAL', `operator event from uid ${message.uid}, which has no coordinator`));
          return;
        }
        try {
          entry.coordinator.handleEventFromOperator(message.subtaskIndex, message.event);
        } catch (error) {
          this.#fail(error);
        }
        return;
      }
      case 'task-running':
        if (--this.#tasksStarting === 0) this.#checkpointing?.start();
        return;
      case 'checkpoint-ack':
        void this.#checkpointing?.receiveAck(message.ack);
        return;
      case 'checkpoint-decline':
        this.#checkpointing?.receiveDecline(message.checkpointId, message.vertexId, message.subtaskIndex, message.reason);
        return;
      case 'task-finished':
        this.#checkpointing?.onTaskFinished();
        this.#reports.push(message.report);
        if (--this.#tasksRunning === 0) void this.#finish();
        return;
      case 'task-failed':
      case 'slot-failed':
        this.#fail(errorFromData(message.error));
        return;
    }
  }

  async #finish(): Promise<void> {
    const results = new Map<string, unknown>();
    for (const { coordinator, resultName } of this.#coordinators.values()) {
      if (resultName !== undefined && coordinator.result !== undefined) results.set(resultName, coordinator.result());
    }
    const shutdownStarted = performance.now();
    await this.#shutdownWorkers();
    this.#logger.debug('workers stopped', { ms: Math.round(performance.now() - shutdownStarted) });
    await this.#checkpointing?.shutdown('FINISHED');
    if (this.#status !== 'RUNNING') return;
    this.#move('FINISHED');
    const runtime = performance.now() - this.#startedAt;
    this.#logger.info('job finished', { jobId: this.jobId, job: this.jobName, ms: Math.round(runtime) });
    this.#resolve(new JobExecutionResult(this.jobId, this.jobName, runtime, this.#reports, results));
  }

  #fail(error: unknown): void {
    if (isGloballyTerminal(this.#status) || this.#status === 'FAILING' || this.#status === 'CANCELLING') return;
    this.#move('FAILING');
    this.#logger.info('job failing', { jobId: this.jobId, job: this.jobName, cause: describeCause(error) });
    void this.#terminateWorkers().then(async () => {
      await this.#checkpointing?.shutdown('FAILED');
      this.#move('FAILED');
      this.#reject(error);
    });
  }

  /** Asks each worker to stop and waits for it to exit on its own (its stdout drained), then forces it. */
  async #shutdownWorkers(): Promise<void> {
    this.#workersMayExit = true;
    await Promise.all(
      this.#workers.map(async (worker) => {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        const message: ToWorker = { type: 'shutdown' };
        worker.postMessage(message);
        const timer = setTimeout(() => void worker.terminate(), SHUTDOWN_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  async #terminateWorkers(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #move(to: JobStatus): void {
    this.#status = moveJob(this.#status, to, `'${this.jobName}' (${this.jobId})`);
  }
}
