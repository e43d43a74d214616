/**
 * @module MiniCluster: local mode. The JobManager runs on the calling thread; each task slot is a
 * worker thread. It loads the job, assigns source splits, starts one worker per slot with a
 * MessagePort to every other slot, collects task reports and operator events, and tears every
 * worker down on the first failure so nothing hangs.
 */
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
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
import { JobSavepoints, type StopWithSavepointOptions, type TriggerSavepointOptions } from './job-savepoints.ts';
import { channelLimitsFrom } from './network-options.ts';
import { slotResourceLimits } from './slot-memory-options.ts';
import type { ChannelLimits } from '../runtime/channels.ts';
import { createRestartBackoffTimeStrategy, type RestartBackoffTimeStrategy } from './restart-backoff-time-strategy.ts';
import { Configuration } from '../core/configuration.ts';
import { systemClock } from '../core/clock.ts';
import { planRestore, restoreFromNewestIntact, type RestoredJobState } from './restore-assignment.ts';
import type { CheckpointStorage, CompletedCheckpointRef } from '../checkpoint/checkpoint-storage.ts';
import type { CheckpointStatsSnapshot } from '../checkpoint/checkpoint-stats-tracker.ts';
import type { CheckpointConfigData } from '../checkpoint/checkpoint-config.ts';
import { computePipelinedRegions, type PipelinedRegion } from './pipelined-regions.ts';
import { readFailoverStrategy, type FailoverStrategyName } from './restart-strategy-options.ts';
import { describeJobGraph, type JobGraphDescription } from '../graph/job-graph.ts';
import { TaskMetricsStore, type SubtaskMetrics } from './task-metrics.ts';

const WORKER_ENTRY = new URL('./slot-worker.mjs', import.meta.url);
const SHUTDOWN_GRACE_MS = 5000;
/** The least wait before a failed final checkpoint is taken again, ms (the minimum pause, when longer). */
const FINAL_CHECKPOINT_RETRY_MS = 100;

/** A handle on a submitted job. */
export interface JobClient {
  readonly jobId: JobId;
  readonly jobName: string;
  getJobStatus(): JobStatus;
  /**
   * Checkpoint statistics: counts of completed, failed, in-progress and restored checkpoints, the
   * latest of each, and recent history with per-subtask durations; undefined when checkpointing is off.
   */
  getCheckpointStats(): CheckpointStatsSnapshot | undefined;
  /** When the job was submitted, epoch ms. */
  readonly startTime: number;
  /** The job graph as `weir plan --json` prints it: vertices, chained operators, uids, edges. */
  getJobPlan(): JobGraphDescription;
  /** The job's checkpointing settings. */
  getCheckpointConfig(): CheckpointConfigData;
  /** Every subtask of the current attempt with its records in/out as of its slot's last report (at most a second old). */
  getTaskMetrics(): readonly SubtaskMetrics[];
  /** Asks every slot for its counters now; resolves with the fresh metrics, or the latest after `timeoutMs`. */
  requestTaskMetrics(timeoutMs?: number): Promise<readonly SubtaskMetrics[]>;
  /** Resolves when the job finishes; rejects with the job's error when it fails or is cancelled. */
  getJobExecutionResult(): Promise<JobExecutionResult>;
  cancel(): Promise<void>;
  /**
   * Takes a savepoint while the job runs on (Flink's `triggerSavepoint`) into a new
   * `savepoint-<job>-<random>/` directory under `targetDirectory`, else under `state.savepoints.dir`.
   * Resolves with the savepoint's directory. The savepoint is aligned, self-contained and never
   * deleted by weir. Rejects with CHECKPOINT_FAILED when the job is not running or the savepoint fails.
   */
  triggerSavepoint(options?: TriggerSavepointOptions): Promise<string>;
  /**
   * Stops the job with a savepoint (Flink's `stopWithSavepoint`): the sources stop right after the
   * savepoint's barrier, the savepoint completes, and the job ends FINISHED; resolves then with the
   * savepoint's directory. With `drain`, the sources first emit MAX_WATERMARK so every event-time timer
   * and window fires. When the savepoint fails, the job keeps running (a drained one fails over).
   */
  stopWithSavepoint(options?: StopWithSavepointOptions): Promise<string>;
}

export interface MiniClusterOptions {
  readonly logger?: Logger | undefined;
  /**
   * Where jobs keep their checkpoints; by default files under `state.checkpoints.dir`, else memory.
   * Tests pass a storage over a FaultInjectingFileSystem here.
   */
  readonly checkpointStorage?: ((config: CheckpointConfigData) => CheckpointStorage) | undefined;
}

export class MiniCluster {
  readonly #logger: Logger;
  readonly #checkpointStorage: ((config: CheckpointConfigData) => CheckpointStorage) | undefined;

  constructor(options: MiniClusterOptions = {}) {
    this.#logger = options.logger ?? createConsoleLogger(logLevelFromEnv());
    this.#checkpointStorage = options.checkpointStorage;
  }

  /** Loads the job module, builds its graph and starts it. */
  async submit(submission: JobSubmission): Promise<JobClient> {
    // Slots start while the job loads: a worker spends most of its start-up loading the engine, which
    // does not depend on the job, so both overlap (as a TaskManager's slots exist before a job comes).
    const expectedSlots = submission.parallelism ?? defaultParallelism();
    const limits = slotResourceLimits(Configuration.fromEntries(submission.configuration ?? {}));
    const started = Array.from({ length: expectedSlots }, (_, slot) => startSlotWorker(slot, limits));
    let loaded;
    try {
      loaded = await loadJob(submission);
    } catch (error) {
      await Promise.all(started.map((worker) => worker.terminate()));
      throw error;
    }
    let restore: { ref: CompletedCheckpointRef; state: RestoredJobState } | undefined;
    try {
      if (submission.fromCheckpoint !== undefined && submission.fromSavepoint !== undefined) {
        throw new WeirError('INVALID_OPTION', 'a job starts from a checkpoint or from a savepoint, not both', { hint: 'pass either --from-checkpoint or -s / --fromSavepoint' });
      }
      const from = submission.fromSavepoint ?? submission.fromCheckpoint;
      if (from !== undefined) {
        restore = await planRestore(from, loaded.jobGraph, loaded.checkpointConfig, {
          fromSavepoint: submission.fromSavepoint !== undefined,
          allowNonRestoredState: submission.allowNonRestoredState === true,
          onSkipped: (ref, reason) => this.#logger.warn('skipping a damaged checkpoint', { directory: ref.directory, reason }),
          onInvalid: (directory, reason) => this.#logger.warn('skipping a directory that is not a complete checkpoint', { directory, reason }),
        });
        this.#logger.info(`restoring from ${restore.ref.metadata.type}`, { checkpointId: restore.ref.checkpointId, directory: restore.ref.directory });
      }
    } catch (error) {
      await Promise.all(started.map((worker) => worker.terminate()));
      throw error;
    }
    const run = new LocalJobRun(submission, loaded.jobGraph, loaded.checkpointConfig, this.#logger, started, restore, this.#checkpointStorage);
    await run.start();
    return run;
  }
}

function startSlotWorker(slot: number, resourceLimits: ResourceLimits): Worker {
  return new Worker(WORKER_ENTRY, { name: `weir slot ${slot}`, resourceLimits });
}

/** Runs a job module to completion in local mode and returns its result. */
export async function executeJob(submission: JobSubmission, options: MiniClusterOptions = {}): Promise<JobExecutionResult> {
  const client = await new MiniCluster(options).submit(submission);
  return client.getJobExecutionResult();
}

class LocalJobRun implements JobClient {
  readonly jobId = newJobId();
  readonly jobName: string;
  readonly startTime = Date.now();
  readonly #metrics = new TaskMetricsStore();
  readonly #metricsRequests = new Map<number, () => void>();
  readonly #submission: JobSubmission;
  readonly #graph: JobGraph<OperatorSpec>;
  readonly #logger: Logger;
  #status: JobStatus = 'INITIALIZING';
  readonly #workers: Worker[] = [];
  readonly #reports: TaskReport[] = [];
  readonly #coordinators = new Map<string, { readonly coordinator: OperatorCoordinator; readonly resultName: string | undefined }>();
  /**
   * Each task of the current attempt, by `vertexId/subtask`; checkpoints run while every task is running.
   * With checkpointing, a task whose input ended waits ('end-of-input') until the final checkpoint.
   */
  readonly #tasks = new Map<string, 'starting' | 'running' | 'end-of-input' | 'finished'>();
  readonly #regions: readonly PipelinedRegion[];
  readonly #regionOfVertex = new Map<string, PipelinedRegion>();
  readonly #failoverStrategy: FailoverStrategyName;
  /** Restarts of each region (full restarts count for every region): the attempt number of its tasks. */
  readonly #regionAttempts: number[];
  readonly #restartingRegions = new Set<number>();
  readonly #cancelRequests = new Map<number, { remaining: number; done: () => void }>();
  #nextRequestId = 0;
  #startedAt = 0;
  /** When every task of the current attempt was running, `performance.now()`. */
  #allRunningAt = 0;
  #workersMayExit = false;
  readonly #result: Promise<JobExecutionResult>;
  #resolve!: (result: JobExecutionResult) => void;
  #reject!: (error: unknown) => void;

  readonly #started: Worker[];
  readonly #checkpointing: JobCheckpointing | undefined;
  readonly #savepoints: JobSavepoints;
  readonly #checkpointConfig: CheckpointConfigData;
  readonly #restartStrategy: RestartBackoffTimeStrategy;
  readonly #channelLimits: ChannelLimits;
  /** The worker threads' memory settings (taskmanager.memory.*), for the slots of later attempts. */
  readonly #slotLimits: ResourceLimits;
  /** The state the current attempt starts from. */
  #restore: { ref: CompletedCheckpointRef; state: RestoredJobState } | undefined;
  /** 0 for the first run, incremented by every restart. */
  #attempt = 0;
  /** Full and region restarts so far: a final checkpoint that ends after one no longer speaks for the tasks. */
  #failovers = 0;
  #finalCheckpointPending = false;
  #splits: Record<string, SourceSplit[][]> = {};

  /** `started` are workers already starting; the run uses them for its first slots and stops the rest. */
  constructor(
    submission: JobSubmission,
    graph: JobGraph<OperatorSpec>,
    checkpointConfig: CheckpointConfigData,
    logger: Logger,
    started: Worker[],
    restore?: { ref: CompletedCheckpointRef; state: RestoredJobState },
    checkpointStorage?: (config: CheckpointConfigData) => CheckpointStorage,
  ) {
    this.#started = started;
    this.#restore = restore;
    const configuration = Configuration.fromEntries(submission.configuration ?? {});
    this.#channelLimits = channelLimitsFrom(configuration);
    this.#slotLimits = slotResourceLimits(configuration);
    this.#failoverStrategy = readFailoverStrategy(configuration);
    this.#regions = computePipelinedRegions(graph);
    this.#regionAttempts = this.#regions.map(() => 0);
    for (const region of this.#regions) for (const vertex of region.vertices) this.#regionOfVertex.set(vertex, region);
    this.#restartStrategy = createRestartBackoffTimeStrategy(configuration, {
      checkpointingEnabled: checkpointConfig.checkpointInterval !== null,
      clock: systemClock,
    });
    this.#checkpointConfig = checkpointConfig;
    // Without periodic checkpoints too: savepoints go through the same coordinator.
    const checkpointing = new JobCheckpointing({
      jobId: this.jobId,
      graph,
      config: checkpointConfig,
      storage: checkpointStorage?.(checkpointConfig),
      workers: () => this.#workers,
      logger,
      onFatal: (error) => {
        this.#fail(error);
      },
    });
    this.#checkpointing = checkpointing;
    this.#savepoints = new JobSavepoints({
      jobId: this.jobId,
      jobName: graph.jobName,
      checkpointing,
      configuration,
      timeoutMs: checkpointConfig.checkpointTimeout,
      status: () => this.#status,
      tasks: () => {
        const states = [...this.#tasks.values()];
        if (states.includes('finished') || states.includes('end-of-input')) return 'some-finished';
        return this.#restartingRegions.size === 0 && states.every((t) => t === 'running') ? 'all-running' : 'starting';
      },
      result: () => this.#result,
      failover: (error) => {
        this.#fail(error);
      },
      logger,
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

  getCheckpointStats(): CheckpointStatsSnapshot | undefined {
    return this.#checkpointConfig.checkpointInterval === null ? undefined : this.#checkpointing?.stats.snapshot();
  }

  triggerSavepoint(options?: TriggerSavepointOptions): Promise<string> {
    return this.#savepoints.trigger(options);
  }

  stopWithSavepoint(options?: StopWithSavepointOptions): Promise<string> {
    return this.#savepoints.stop(options);
  }

  getJobPlan(): JobGraphDescription {
    return describeJobGraph(this.#graph);
  }

  getCheckpointConfig(): CheckpointConfigData {
    return this.#checkpointConfig;
  }

  getTaskMetrics(): readonly SubtaskMetrics[] {
    return this.#metrics.snapshot();
  }

  requestTaskMetrics(timeoutMs = 500): Promise<readonly SubtaskMetrics[]> {
    const workers = this.#workers;
    if (this.#status !== 'RUNNING' || workers.length === 0) return Promise.resolve(this.#metrics.snapshot());
    const requestId = this.#nextRequestId++;
    return new Promise((resolve) => {
      let remaining = workers.length;
      const done = (): void => {
        clearTimeout(timer);
        this.#metricsRequests.delete(requestId);
        resolve(this.#metrics.snapshot());
      };
      const timer = setTimeout(done, timeoutMs);
      this.#metricsRequests.set(requestId, () => {
        if (--remaining === 0) done();
      });
      const message: ToWorker = { type: 'report-metrics', requestId };
      for (const worker of workers) worker.postMessage(message);
    });
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
    if (this.#restore !== undefined) this.#checkpointing?.coordinator.restoreFrom(this.#restore.ref);
    const graph = this.#graph;
    this.#splits = await this.#assignSplits();
    for (const vertex of graph.vertices) {
      for (const operator of vertex.operators) {
        const spec = operator.node.payload;
        if (spec.kind === 'one-input' && spec.createCoordinator !== undefined) {
          this.#coordinators.set(operator.uid, { coordinator: spec.createCoordinator(), resultName: spec.resultName });
        }
      }
    }
    this.#move('CREATED');
    this.#deploy();
    this.#move('RUNNING');
    this.#logger.info('job running', { jobId: this.jobId, job: this.jobName, deployMs: Math.round(performance.now() - this.#startedAt) });
  }

  /** Starts one worker per slot and deploys the current attempt to them. */
  #deploy(): void {
    const graph = this.#graph;
    const attempt = this.#attempt;
    const numSlots = Math.max(...graph.vertices.map((v) => v.parallelism));
    this.#reports.length = 0;
    this.#tasks.clear();
    for (const vertex of graph.vertices) {
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        this.#tasks.set(`${vertex.id}/${subtask}`, 'starting');
        this.#metrics.deploying(vertex.id, subtask);
      }
    }
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
    // Workers started while the job loaded serve the first attempt; later attempts start fresh ones.
    const prestarted = this.#started.splice(0);
    for (const spare of prestarted.splice(numSlots)) void spare.terminate();
    for (let slot = 0; slot < numSlots; slot++) {
      const worker = prestarted[slot] ?? startSlotWorker(slot, this.#slotLimits);
      this.#workers.push(worker);
      // Messages of an earlier attempt's workers (still draining while they are terminated) are ignored.
      worker.on('message', (message: FromWorker) => {
        if (attempt === this.#attempt) this.#onMessage(message);
      });
      worker.on('error', (error) => {
        if (attempt === this.#attempt) {
          this.#fail(new WeirError('WORKER_CRASHED', `the worker thread of slot ${slot} crashed: ${describeCause(error)}`, { cause: error, retriable: true }));
        }
      });
      worker.on('exit', (code) => {
        if (attempt === this.#attempt && !this.#workersMayExit && this.#status === 'RUNNING') {
          this.#fail(new WeirError('WORKER_CRASHED', `the worker thread of slot ${slot} exited unexpectedly with code ${code}`, { retriable: true }));
        }
      });
      const deployment: SlotDeployment = {
        jobId: this.jobId,
        attemptNumber: attempt,
        slot,
        numSlots,
        submission: this.#submission,
        fingerprint: graph.fingerprint,
        splits: this.#splits,
        peers: peers[slot] ?? [],
        channelLimits: this.#channelLimits,
        checkpointing: {
          mode: this.#checkpointConfig.checkpointingMode,
          unaligned: this.#checkpointConfig.unalignedCheckpointsEnabled,
          alignedCheckpointTimeout: this.#checkpointConfig.alignedCheckpointTimeout,
          incremental: this.#checkpointConfig.incrementalCheckpoints,
          finalCheckpoint: this.#checkpointConfig.checkpointInterval !== null,
        },
        restored: this.#restore === undefined ? undefined : restoredForSlot(this.#restore.state, slot),
        restoredCheckpointId: this.#restore?.ref.checkpointId,
        vertexAttempts: this.#vertexAttempts(),
      };
      const message: ToWorker = { type: 'deploy', deployment };
      worker.postMessage(message, ports[slot] ?? []);
    }
  }

  /** The attempt number of every vertex's tasks: its region's. */
  #vertexAttempts(): Record<string, number> {
    const attempts: Record<string, number> = {};
    for (const region of this.#regions) {
      for (const vertex of region.vertices) attempts[vertex] = this.#regionAttempts[region.index] ?? 0;
    }
    return attempts;
  }

  /** True for a message of a task attempt that a region restart already replaced. */
  #isStale(vertexId: string, attemptNumber: number): boolean {
    const region = this.#regionOfVertex.get(vertexId);
    return region === undefined || this.#regionAttempts[region.index] !== attemptNumber;
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
      case 'task-metrics':
        for (const sample of message.tasks) if (!this.#isStale(sample.vertexId, sample.attemptNumber)) this.#metrics.sample(sample);
        if (message.requestId !== undefined) this.#metricsRequests.get(message.requestId)?.();
        return;
      case 'tasks-cancelled': {
        const request = this.#cancelRequests.get(message.requestId);
        if (request !== undefined && --request.remaining === 0) request.done();
        return;
      }
      case 'task-running':
        if (this.#isStale(message.vertexId, message.attemptNumber)) return;
        this.#tasks.set(`${message.vertexId}/${message.subtaskIndex}`, 'running');
        this.#metrics.running(message.vertexId, message.subtaskIndex);
        if (this.#restartingRegions.size === 0 && [...this.#tasks.values()].every((t) => t === 'running')) {
          if (this.#allRunningAt === 0) this.#allRunningAt = performance.now();
          this.#checkpointing?.start();
          this.#savepoints.onAllTasksRunning();
        }
        return;
      case 'checkpoint-ack':
        void this.#checkpointing?.receiveAck(message.ack);
        return;
      case 'checkpoint-decline':
        this.#checkpointing?.receiveDecline(message.checkpointId, message.vertexId, message.subtaskIndex, message.reason, message.taskNotRunning);
        return;
      case 'task-end-of-input':
        if (this.#isStale(message.vertexId, message.attemptNumber)) return;
        this.#tasks.set(`${message.vertexId}/${message.subtaskIndex}`, 'end-of-input');
        this.#checkpointing?.onTaskFinished();
        this.#afterEndOfInput();
        return;
      case 'task-finished':
        if (this.#isStale(message.report.vertexId, message.attemptNumber)) return;
        this.#checkpointing?.onTaskFinished();
        this.#reports.push(message.report);
        this.#metrics.finished(message.report);
        this.#tasks.set(`${message.report.vertexId}/${message.report.subtaskIndex}`, 'finished');
        if ([...this.#tasks.values()].every((t) => t === 'finished')) void this.#finish();
        return;
      case 'task-failed':
        if (this.#isStale(message.vertexId, message.attemptNumber)) return;
        this.#failTask(message.vertexId, errorFromData(message.error));
        return;
      case 'slot-failed':
        this.#fail(errorFromData(message.error));
        return;
    }
  }

  /**
   * Once the input of every task has ended (in every region, none restarting), takes the final
   * checkpoint and, when it completed (the tasks were notified: two-phase-commit sinks commit), tells the
   * tasks to finish. A final checkpoint that fails is taken again after the minimum pause (at least
   * FINAL_CHECKPOINT_RETRY_MS); its failures count towards the tolerable checkpoint failures, past which
   * the job fails over. No final checkpoint is needed when tasks already finished (the waiting ones
   * restarted from the completed final checkpoint, so they read nothing new) or when a stop-with-savepoint
   * ended the input (its savepoint covers everything).
   */
  #afterEndOfInput(): void {
    if (this.#status !== 'RUNNING' || this.#restartingRegions.size > 0 || this.#finalCheckpointPending) return;
    const states = [...this.#tasks.values()];
    if (!states.includes('end-of-input') || !states.every((t) => t === 'end-of-input' || t === 'finished')) return;
    const checkpointing = this.#checkpointing;
    if (states.includes('finished') || this.#savepoints.stoppedWithSavepoint || checkpointing === undefined) {
      this.#finishTasks();
      return;
    }
    const failovers = this.#failovers;
    const current = (): boolean => failovers === this.#failovers && this.#status === 'RUNNING';
    this.#finalCheckpointPending = true;
    this.#logger.info('the input of every task ended, taking the final checkpoint', { job: this.jobName });
    checkpointing.coordinator.triggerFinalCheckpoint().then(
      (ref) => {
        this.#finalCheckpointPending = false;
        if (!current()) return;
        this.#logger.info('final checkpoint completed', { job: this.jobName, checkpointId: ref.checkpointId });
        this.#finishTasks();
      },
      (error: unknown) => {
        this.#finalCheckpointPending = false;
        if (!current()) return;
        const delay = Math.max(this.#checkpointConfig.minPauseBetweenCheckpoints, FINAL_CHECKPOINT_RETRY_MS);
        this.#logger.warn('final checkpoint failed, taking it again', { job: this.jobName, delayMs: delay, cause: describeCause(error) });
        setTimeout(() => {
          if (current()) this.#afterEndOfInput();
        }, delay).unref();
      },
    );
  }

  /** The tasks waiting at the end of their input close and report finished. */
  #finishTasks(): void {
    const message: ToWorker = { type: 'finish-tasks' };
    for (const worker of this.#workers) worker.postMessage(message);
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
    const startup = this.#allRunningAt === 0 ? runtime : this.#allRunningAt - this.#startedAt;
    this.#resolve(new JobExecutionResult(this.jobId, this.jobName, runtime, this.#reports, results, startup));
  }

  /**
   * A task failed. With the `region` failover strategy, only its pipelined region restarts when the
   * job has other regions; otherwise (or with `full`) the whole job does.
   */
  #failTask(vertexId: string, error: unknown): void {
    if (this.#status !== 'RUNNING' || this.#failoverStrategy !== 'region' || this.#regions.length < 2 || failsEveryRestart(error)) {
      this.#fail(error);
      return;
    }
    const region = this.#regionOfVertex.get(vertexId);
    if (region === undefined) {
      this.#fail(error);
      return;
    }
    // A failure inside a region already restarting is a consequence of the first one.
    if (this.#restartingRegions.has(region.index)) return;
    this.#restartStrategy.notifyFailure(error);
    if (!this.#restartStrategy.canRestart()) {
      this.#logger.info('job cannot restart', { job: this.jobName, why: this.#restartStrategy.whyNotRestartable() });
      this.#failJob(error);
      return;
    }
    void this.#restartRegion(region, error);
  }

  /**
   * Region failover (Flink's RestartPipelinedRegionFailoverStrategy): cancels the region's tasks in
   * every slot, waits the restart strategy's backoff and starts them again from the latest completed
   * checkpoint, while the job's other regions keep running. The job stays RUNNING.
   */
  async #restartRegion(region: PipelinedRegion, cause: unknown): Promise<void> {
    const attempt = this.#attempt;
    this.#failovers++;
    this.#savepoints.onFailover();
    const vertices = new Set<string>(region.vertices);
    this.#restartingRegions.add(region.index);
    // From here on, messages of the region's old tasks are stale.
    this.#regionAttempts[region.index] = (this.#regionAttempts[region.index] ?? 0) + 1;
    const delay = this.#restartStrategy.getBackoffTime();
    const names = this.#graph.vertices.filter((v) => vertices.has(v.id)).map((v) => v.name);
    this.#logger.warn('task failed, restarting its pipelined region', {
      job: this.jobName,
      region: names.join(', '),
      attempt: this.#regionAttempts[region.index],
      delayMs: delay,
      cause: describeCause(cause),
    });
    this.#checkpointing?.coordinator.stopCheckpointScheduler();
    this.#checkpointing?.coordinator.abortPendingCheckpoints('JOB_FAILOVER_REGION');
    for (const key of this.#tasks.keys()) if (vertices.has(key.slice(0, key.lastIndexOf('/')))) this.#tasks.set(key, 'starting');
    for (const task of this.#metrics.snapshot()) if (vertices.has(task.vertexId)) this.#metrics.deploying(task.vertexId, task.subtaskIndex);
    for (let i = this.#reports.length - 1; i >= 0; i--) if (vertices.has(this.#reports[i]?.vertexId ?? '')) this.#reports.splice(i, 1);
    await this.#cancelInWorkers([...vertices]);
    // A checkpoint past aborting may still complete: it is the newest to restore, and it subsumes older ones.
    await this.#checkpointing?.coordinator.whenFinalized();
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (this.#attempt !== attempt || this.#status !== 'RUNNING') return;
    let restore = this.#restore;
    try {
      restore = (await this.#newestIntactCheckpoint()) ?? restore;
    } catch (error) {
      this.#failJob(error);
      return;
    }
    if (this.#attempt !== attempt || this.#status !== 'RUNNING') return;
    if (restore !== undefined && restore !== this.#restore) this.#checkpointing?.coordinator.restoreFrom(restore.ref);
    const vertexAttempts = this.#vertexAttempts();
    this.#restartingRegions.delete(region.index);
    this.#workers.forEach((worker, slot) => {
      const regionState: RestoredJobState = {};
      if (restore !== undefined) {
        for (const [vertexId, bySubtask] of Object.entries(restoredForSlot(restore.state, slot))) if (vertices.has(vertexId)) regionState[vertexId] = bySubtask;
      }
      const message: ToWorker = {
        type: 'deploy-tasks',
        deployment: { vertices: [...vertices], vertexAttempts, restored: restore === undefined ? undefined : regionState, restoredCheckpointId: restore?.ref.checkpointId },
      };
      worker.postMessage(message);
    });
  }

  /** Asks every slot to cancel the tasks of `vertices` and waits until all of them did. */
  #cancelInWorkers(vertices: string[]): Promise<void> {
    const requestId = this.#nextRequestId++;
    const workers = this.#workers;
    return new Promise<void>((resolve) => {
      if (workers.length === 0) {
        resolve();
        return;
      }
      this.#cancelRequests.set(requestId, {
        remaining: workers.length,
        done: () => {
          this.#cancelRequests.delete(requestId);
          resolve();
        },
      });
      const message: ToWorker = { type: 'cancel-tasks', requestId, vertices };
      for (const worker of workers) worker.postMessage(message);
    });
  }

  /** The newest retained checkpoint that reads back intact, planned for this job's graph. */
  async #newestIntactCheckpoint(): Promise<{ ref: CompletedCheckpointRef; state: RestoredJobState } | undefined> {
    const checkpointing = this.#checkpointing;
    if (checkpointing === undefined) return undefined;
    const retained = [...checkpointing.coordinator.getRetainedCheckpoints()]
      .sort((a, b) => b.checkpointId - a.checkpointId)
      .map((c) => ({ checkpointId: c.checkpointId, directory: c.directory, metadata: c.metadata }));
    return restoreFromNewestIntact(retained, checkpointing.storage, this.#graph, {
      allowNonRestoredState: true,
      onSkipped: (ref, reason) => this.#logger.warn('skipping a damaged checkpoint', { directory: ref.directory, reason }),
    });
  }

  #fail(error: unknown): void {
    if (isGloballyTerminal(this.#status) || this.#status === 'FAILING' || this.#status === 'CANCELLING' || this.#status === 'RESTARTING') return;
    if (this.#status === 'RUNNING' && !failsEveryRestart(error)) {
      this.#restartStrategy.notifyFailure(error);
      if (this.#restartStrategy.canRestart()) {
        void this.#restart(error);
        return;
      }
      if (this.#attempt > 0 || this.#checkpointConfig.checkpointInterval !== null) {
        this.#logger.info('job cannot restart', { job: this.jobName, why: this.#restartStrategy.whyNotRestartable() });
      }
    }
    this.#failJob(error);
  }

  /** Fails the job for good: stops every worker and reports the cause. */
  #failJob(error: unknown): void {
    if (isGloballyTerminal(this.#status) || this.#status === 'FAILING' || this.#status === 'CANCELLING') return;
    this.#move('FAILING');
    this.#logger.info('job failing', { jobId: this.jobId, job: this.jobName, cause: describeCause(error) });
    void this.#terminateWorkers().then(async () => {
      await this.#checkpointing?.shutdown('FAILED');
      this.#move('FAILED');
      this.#reject(error);
    });
  }

  /**
   * Full failover: stops every task, waits the restart strategy's backoff, and deploys a new attempt
   * from the latest completed checkpoint (or from the start, when there is none yet).
   */
  async #restart(cause: unknown): Promise<void> {
    this.#move('RESTARTING');
    this.#failovers++;
    this.#savepoints.onFailover();
    const delay = this.#restartStrategy.getBackoffTime();
    this.#logger.warn('job failed, restarting', { job: this.jobName, attempt: this.#attempt + 1, delayMs: delay, cause: describeCause(cause) });
    this.#checkpointing?.coordinator.stopCheckpointScheduler();
    this.#checkpointing?.coordinator.abortPendingCheckpoints('JOB_FAILOVER_REGION');
    await this.#checkpointing?.coordinator.whenFinalized();
    const previous = this.#workers.splice(0);
    this.#restartingRegions.clear();
    for (const request of [...this.#cancelRequests.values()]) request.done();
    await Promise.all(previous.map((worker) => worker.terminate()));
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (this.#status !== 'RESTARTING') return;
    try {
      const plan = await this.#newestIntactCheckpoint();
      if (plan !== undefined) {
        this.#restore = plan;
        this.#checkpointing?.coordinator.restoreFrom(plan.ref);
      }
    } catch (error) {
      this.#move('FAILING');
      await this.#checkpointing?.shutdown('FAILED');
      this.#move('FAILED');
      this.#reject(error);
      return;
    }
    if (this.#status !== 'RESTARTING') return;
    this.#attempt++;
    for (let i = 0; i < this.#regionAttempts.length; i++) this.#regionAttempts[i] = (this.#regionAttempts[i] ?? 0) + 1;
    this.#deploy();
    this.#move('RUNNING');
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

/**
 * True for a failure a restart would only repeat: state that cannot be restored into the job as it is
 * (an incompatible type, a changed key type). The job fails at once instead of restarting forever.
 */
function failsEveryRestart(error: unknown): boolean {
  return error instanceof WeirError && error.code === 'RESTORE_FAILED';
}

/** The restored state of the subtasks slot `slot` runs (subtask i runs in slot i). */
function restoredForSlot(state: RestoredJobState, slot: number): RestoredJobState {
  const mine: RestoredJobState = {};
  for (const [vertexId, bySubtask] of Object.entries(state)) {
    const subtaskState = bySubtask[slot];
    if (subtaskState !== undefined) mine[vertexId] = { [slot]: subtaskState };
  }
  return mine;
}
