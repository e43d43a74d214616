/**
 * @module The CheckpointCoordinator (JobMaster side): triggers checkpoints by the trigger policy, tracks a
 * PendingCheckpoint per id, aborts on decline or timeout, commits `_metadata` on the last
 * acknowledgement, keeps the newest N completed checkpoints and tells tasks. It carries out the decisions
 * of the pure protocol objects; every storage failure fails only the checkpoint concerned.
 */
import type { Clock } from '../core/clock.ts';
import { WeirError, describeCause } from '../core/errors.ts';
import { CheckpointId } from '../core/ids.ts';
import { CheckpointConfig } from './checkpoint-config.ts';
import type { CheckpointConfigData, CheckpointingMode, ExternalizedCheckpointRetention } from './checkpoint-config.ts';
import type { CheckpointEvent, CheckpointEventListener } from './checkpoint-events.ts';
import { countsTowardsTolerableFailures, describeFailureReason } from './checkpoint-failure-reason.ts';
import type { CheckpointFailureReason } from './checkpoint-failure-reason.ts';
import type { SnapshotType, StateHandle } from './checkpoint-metadata.ts';
import { EMPTY_CHECKPOINT_METRICS } from './checkpoint-metrics.ts';
import type { CheckpointMetrics, TaskStateSnapshot } from './checkpoint-metrics.ts';
import type { CheckpointScheduler } from './checkpoint-scheduler.ts';
import type { CheckpointLocation, CheckpointStorage, CompletedCheckpointRef } from './checkpoint-storage.ts';
import { CheckpointTriggerPolicy } from './checkpoint-trigger-policy.ts';
import type { CheckpointRequest, CheckpointTriggerState } from './checkpoint-trigger-policy.ts';
import { CompletedCheckpointStore } from './completed-checkpoint-store.ts';
import { metadataStateSize, subtaskStateHandles } from './completed-checkpoint.ts';
import type { CompletedCheckpoint } from './completed-checkpoint.ts';
import { PendingCheckpoint } from './pending-checkpoint.ts';
import type { CheckpointedOperator, TaskAcknowledgeResult } from './pending-checkpoint.ts';

/** What tasks need to take checkpoint n (Flink's CheckpointOptions plus where to write). */
export interface CheckpointOptions {
  readonly type: SnapshotType;
  readonly mode: CheckpointingMode;
  /** Savepoints are always aligned. */
  readonly unaligned: boolean;
  /** ms; with `unaligned`, align first and switch after this long (0: start unaligned). */
  readonly alignedCheckpointTimeout: number;
  /** Where the tasks write their state files (`storage.writeState(location, ...)`). */
  readonly location: CheckpointLocation;
  /** The storage `location` belongs to: the checkpoint storage, or a savepoint's target directory. */
  readonly storage: CheckpointStorage;
  /**
   * Set for a stop-with-savepoint (Flink's synchronous savepoint): the sources stop after injecting the
   * barrier and end their input once it completed; with `drain` they first emit MAX_WATERMARK so
   * every event-time timer and window fires before the snapshot. Sources resume when it is aborted.
   */
  readonly stop?: StopWithSavepoint | undefined;
  /**
   * Set for the final checkpoint of a bounded job: every task's input has ended and every task waits,
   * so each snapshots directly when it gets the trigger (no barriers). Always aligned.
   */
  readonly final?: boolean | undefined;
}

/** How a stop-with-savepoint ends the job: `drain` fires event-time timers first (Flink's `--drain`). */
export interface StopWithSavepoint {
  readonly drain: boolean;
}

/** What `triggerSavepoint` takes. */
export interface SavepointOptions {
  /**
   * Where the savepoint goes: a storage rooted at the target directory, in which it creates
   * `savepoint-<job>-<random>/` (`initializeSavepointLocation`). Savepoints are never deleted by the
   * coordinator once complete; an aborted one's directory is.
   */
  readonly storage: CheckpointStorage;
  /** Stop the job with this savepoint. */
  readonly stop?: StopWithSavepoint | undefined;
}

/**
 * How the coordinator reaches the tasks. Calls are fire-and-forget messages; each may be lost, which the
 * protocol tolerates (timeouts; idempotent committers on the task side).
 */
export interface CheckpointTaskGateway {
  /** Starts checkpoint n: the runtime sends it to the source tasks, which inject barrier n. */
  triggerCheckpoint(checkpointId: CheckpointId, timestamp: number, options: CheckpointOptions): void;
  /** Checkpoint n is complete; it subsumes every lower id (commit side effects up to n). */
  notifyCheckpointComplete(checkpointId: CheckpointId): void;
  /** Checkpoint n was aborted (drop what was prepared for it). */
  notifyCheckpointAborted(checkpointId: CheckpointId): void;
}

export interface CheckpointCoordinatorOptions {
  readonly jobId: string;
  readonly jobName: string;
  readonly config: CheckpointConfigData;
  readonly storage: CheckpointStorage;
  readonly clock: Clock;
  readonly scheduler: CheckpointScheduler;
  readonly taskGateway: CheckpointTaskGateway;
  /** Every task that must acknowledge: `taskName(vertexId, subtask)`. */
  readonly tasksToAcknowledge: readonly string[];
  /** Every operator of the job, for `_metadata`. */
  readonly operators: readonly CheckpointedOperator[];
  readonly events?: CheckpointEventListener;
  /** Called (once per breach) when consecutive counted failures exceed `tolerableCheckpointFailureNumber`; fail the job. */
  readonly onTolerableFailuresExceeded: (error: WeirError) => void;
}

/** How the job ended, for the externalized-retention decision. SUSPENDED (lost leadership) never deletes. */
export type CheckpointShutdownStatus = 'FINISHED' | 'CANCELED' | 'FAILED' | 'SUSPENDED';

// Flink's CheckpointProperties.discardOn*: which retention deletes retained checkpoints for which ending.
const discardOnShutdown: Record<ExternalizedCheckpointRetention, Record<CheckpointShutdownStatus, boolean>> = {
  NO_EXTERNALIZED_CHECKPOINTS: { FINISHED: true, CANCELED: true, FAILED: true, SUSPENDED: false },
  DELETE_ON_CANCELLATION: { FINISHED: true, CANCELED: true, FAILED: false, SUSPENDED: false },
  RETAIN_ON_CANCELLATION: { FINISHED: false, CANCELED: false, FAILED: false, SUSPENDED: false },
};

/** Recently ended checkpoints kept to classify late acknowledgements. */
const RECENT_CHECKPOINTS = 32;

interface Waiter {
  resolve(ref: CompletedCheckpointRef): void;
  reject(error: WeirError): void;
}

/** The coordinator's I/O bookkeeping around one PendingCheckpoint. */
interface InFlight {
  readonly pending: PendingCheckpoint;
  /** Where its files go: the checkpoint storage, or a savepoint's target. */
  readonly storage: CheckpointStorage;
  readonly savepointLocation: boolean;
  readonly stop: StopWithSavepoint | undefined;
  readonly final: boolean;
  location: CheckpointLocation | undefined;
  /** True once the trigger went out to the tasks, so an abort must tell them. */
  triggered: boolean;
  cancelTimeout: () => void;
  finalizing: Promise<void> | undefined;
  readonly waiter: Waiter | undefined;
}

interface Recent {
  readonly pending: PendingCheckpoint;
  readonly directory: string | undefined;
  readonly storage: CheckpointStorage;
}

/**
 * Coordinates checkpoints of one job.
 *
 * @example
 * const coordinator = new CheckpointCoordinator({ jobId, jobName, config: checkpointConfig.toJSON(), storage,
 *   clock: systemClock, scheduler: timerScheduler, taskGateway, tasksToAcknowledge, operators,
 *   events: (e) => stats.record(e), onTolerableFailuresExceeded: (error) => jobMaster.failJob(error) });
 * coordinator.startCheckpointScheduler();
 * // from the tasks: coordinator.receiveAcknowledge(id, task, states, metrics) / receiveDecline(id, task, cause)
 * const savepoint = await coordinator.triggerCheckpoint('savepoint');
 * await coordinator.shutdown('CANCELED');
 */
export class CheckpointCoordinator {
  readonly #options: CheckpointCoordinatorOptions;
  readonly #config: CheckpointConfigData;
  readonly #policy: CheckpointTriggerPolicy;
  readonly #store: CompletedCheckpointStore;
  readonly #inFlight = new Map<number, InFlight>();
  readonly #recent = new Map<number, Recent>();
  readonly #cleanups = new Set<Promise<void>>();
  #nextId = 1;
  #lastCompletedId = 0;
  #consecutiveFailures = 0;
  #periodicStartMs: number | null = null;
  #lastPeriodicTriggerMs: number | null = null;
  #lastEndMs: number | null = null;
  #cancelTimer: (() => void) | undefined;
  #shutdown = false;

  constructor(options: CheckpointCoordinatorOptions) {
    this.#options = options;
    // Validated again: the data may come from another process or from code that bypassed the setters.
    this.#config = CheckpointConfig.fromJSON(options.config).toJSON();
    this.#policy = new CheckpointTriggerPolicy({
      intervalMs: options.config.checkpointInterval,
      minPauseMs: options.config.minPauseBetweenCheckpoints,
      maxConcurrent: options.config.maxConcurrentCheckpoints,
    });
    this.#store = new CompletedCheckpointStore(options.config.numRetainedCheckpoints);
  }

  /** Starts periodic checkpoints (first one an interval from now). A no-op when the interval is unset. */
  startCheckpointScheduler(): void {
    if (this.#shutdown || this.#config.checkpointInterval === null || this.#periodicStartMs !== null) return;
    this.#periodicStartMs = this.#options.clock.now();
    this.#lastPeriodicTriggerMs = null;
    this.#scheduleNext();
  }

  /** Stops periodic checkpoints; checkpoints in progress go on. */
  stopCheckpointScheduler(): void {
    this.#periodicStartMs = null;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  isPeriodicCheckpointingStarted(): boolean {
    return this.#periodicStartMs !== null;
  }

  /**
   * Triggers a checkpoint now. A savepoint ignores the interval, the minimum pause and the concurrency
   * limit; a checkpoint ignores only the interval and is refused (retriable CHECKPOINT_FAILED) while the
   * others hold. Resolves with the committed checkpoint; rejects with CHECKPOINT_FAILED when it fails,
   * so attach a handler even when the outcome does not matter (`.catch(...)`): an unhandled rejection
   * ends a Node process.
   */
  triggerCheckpoint(type: SnapshotType = 'checkpoint'): Promise<CompletedCheckpointRef> {
    return new Promise((resolve, reject) => {
      this.#startCheckpoint(type === 'savepoint' ? 'savepoint' : 'manual', { resolve, reject });
    });
  }

  /**
   * Triggers a savepoint into its own directory under `options.storage` (Flink's layout
   * `savepoint-<job>-<random>/`, self-contained). It ignores the interval, the minimum pause and the
   * concurrency limit, is always aligned, is not retained among the checkpoints and is never deleted
   * once complete. With `stop`, the sources stop after its barrier (see {@link CheckpointOptions.stop}).
   * Resolves with the committed savepoint; rejects with CHECKPOINT_FAILED.
   */
  triggerSavepoint(options: SavepointOptions): Promise<CompletedCheckpointRef> {
    return new Promise((resolve, reject) => {
      this.#startCheckpoint('savepoint', { resolve, reject }, options);
    });
  }

  /**
   * Triggers the final checkpoint of a bounded job (FLIP-147's checkpoint after tasks finished): a
   * normal checkpoint, numbered, acknowledged by every task, committed with `_metadata`, retained and
   * counted, whose trigger tells the tasks to snapshot at once (see {@link CheckpointOptions.final}).
   * Call it once every task's input ended; it ignores the interval, the minimum pause and the
   * concurrency limit. Resolves with the committed checkpoint once the tasks were notified; rejects
   * with CHECKPOINT_FAILED (its failure counts towards the tolerable failures like any checkpoint's).
   */
  triggerFinalCheckpoint(): Promise<CompletedCheckpointRef> {
    return new Promise((resolve, reject) => {
      this.#startCheckpoint('final', { resolve, reject });
    });
  }

  /**
   * Records a task's acknowledgement of checkpoint n with its operators' state. On the last one, commits
   * the checkpoint. An acknowledgement of an aborted checkpoint is DISCARDED and the checkpoint's directory
   * is deleted again (removing files written late); one for an id the coordinator does not know is UNKNOWN
   * and reported through an `acknowledge-ignored` event with its handles, for the caller to delete.
   */
  receiveAcknowledge(
    checkpointId: CheckpointId,
    task: string,
    states: TaskStateSnapshot,
    metrics: CheckpointMetrics = EMPTY_CHECKPOINT_METRICS,
  ): TaskAcknowledgeResult {
    const inFlight = this.#inFlight.get(checkpointId);
    const pending = inFlight?.pending ?? this.#recent.get(checkpointId)?.pending;
    const handles = states.flatMap(({ state }) => subtaskStateHandles(state));
    if (pending === undefined) {
      this.#ignored(checkpointId, task, 'UNKNOWN', handles, false);
      return 'UNKNOWN';
    }
    const result = pending.acknowledgeTask(task, states);
    switch (result) {
      case 'SUCCESS': {
        const stateSize = handles.reduce((sum, h) => sum + h.size, 0);
        // Without the files an incremental checkpoint links from the previous one: what this one wrote.
        const linked = states.reduce((sum, { state }) => sum + (state.keyedState?.base ?? []).reduce((s, h) => s + h.size, 0), 0);
        this.#emit({ type: 'task-acknowledged', checkpointId, task, acknowledgedAt: this.#options.clock.now(), stateSize, checkpointedSize: stateSize - linked, metrics });
        if (inFlight !== undefined && pending.isFullyAcknowledged()) this.#finalize(inFlight);
        break;
      }
      case 'DISCARDED': {
        const recent = this.#recent.get(checkpointId);
        const directory = recent?.directory ?? inFlight?.location?.directory;
        const storage = recent?.storage ?? inFlight?.storage ?? this.#options.storage;
        if (handles.length > 0 && directory !== undefined) this.#discard(directory, checkpointId, storage);
        this.#ignored(checkpointId, task, result, handles, handles.length > 0 && directory !== undefined);
        break;
      }
      case 'DUPLICATE':
      case 'UNKNOWN':
        // The files sit in the checkpoint's directory: committed with it (unreferenced) or deleted with it.
        this.#ignored(checkpointId, task, result, handles, false);
        break;
    }
    return result;
  }

  /** A task declined checkpoint n (its snapshot failed): aborts the checkpoint. Unknown ids are ignored. */
  receiveDecline(checkpointId: CheckpointId, task: string, reason: unknown): void {
    const inFlight = this.#inFlight.get(checkpointId);
    if (inFlight === undefined) return;
    this.#abort(inFlight, 'CHECKPOINT_DECLINED', new WeirError('CHECKPOINT_FAILED', `task ${task} declined checkpoint ${checkpointId}: ${describeCause(reason)}`, { cause: reason }));
  }

  /**
   * Aborts every checkpoint in progress, e.g. when the job fails over (not counted as checkpoint
   * failures). One already writing its `_metadata` is past aborting: {@link whenFinalized} waits for it.
   */
  abortPendingCheckpoints(reason: CheckpointFailureReason = 'JOB_FAILOVER_REGION'): void {
    for (const inFlight of [...this.#inFlight.values()]) this.#abort(inFlight, reason);
  }

  /**
   * Resolves once every checkpoint writing its `_metadata` now has completed or failed; never rejects.
   * A restart calls it after aborting the pending ones and before choosing what to restore: a checkpoint
   * completing later would subsume (and delete) the one being read, and its completion was already
   * announced to the tasks, so it is the one to restore.
   */
  async whenFinalized(): Promise<void> {
    await Promise.all([...this.#inFlight.values()].flatMap((f) => (f.finalizing === undefined ? [] : [f.finalizing])));
  }

  /**
   * Continues from a restored checkpoint or savepoint: later ids are above it. With `claim`, a checkpoint
   * joins the retained ones and is deleted when subsumed (Flink's CLAIM mode); by default it is never
   * touched (NO_CLAIM).
   */
  restoreFrom(ref: CompletedCheckpointRef, options: { readonly claim?: boolean } = {}): void {
    this.#nextId = Math.max(this.#nextId, ref.checkpointId + 1);
    if (options.claim === true && ref.metadata.type === 'checkpoint' && ref.checkpointId > this.#lastCompletedId) {
      const result = this.#store.add(this.#completedFromRef(ref, ref.metadata.timestamp));
      if (result.kind === 'added') {
        this.#lastCompletedId = ref.checkpointId;
        for (const old of result.subsumed) this.#discard(old.directory, old.checkpointId);
      }
    }
    this.#emit({
      type: 'checkpoint-restored',
      checkpointId: CheckpointId(ref.checkpointId),
      checkpointType: ref.metadata.type,
      timestamp: ref.metadata.timestamp,
      restoredAt: this.#options.clock.now(),
      directory: ref.directory,
    });
  }

  /** The newest retained checkpoint: what an automatic restart restores. */
  getLatestCompletedCheckpoint(): CompletedCheckpoint | undefined {
    return this.#store.latest();
  }

  /** Retained checkpoints, oldest first. */
  getRetainedCheckpoints(): readonly CompletedCheckpoint[] {
    return this.#store.all();
  }

  getNumberOfPendingCheckpoints(): number {
    return this.#inFlight.size;
  }

  /** Ids of the checkpoints in progress, ascending. */
  getPendingCheckpointIds(): CheckpointId[] {
    return [...this.#inFlight.keys()].sort((a, b) => a - b).map(CheckpointId);
  }

  /** Consecutive counted failures since the last completed checkpoint. */
  getConsecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  isShutdown(): boolean {
    return this.#shutdown;
  }

  /**
   * Stops triggering, aborts checkpoints still collecting acknowledgements, waits for metadata writes in
   * flight, then applies the externalized retention for how the job ended: NO_EXTERNALIZED_CHECKPOINTS
   * deletes retained checkpoints when the job finishes, is cancelled or fails; DELETE_ON_CANCELLATION when
   * it finishes or is cancelled; RETAIN_ON_CANCELLATION never. Savepoints are never deleted. Never rejects.
   */
  async shutdown(jobStatus: CheckpointShutdownStatus): Promise<void> {
    if (this.#shutdown) return;
    this.#shutdown = true;
    this.stopCheckpointScheduler();
    for (const inFlight of [...this.#inFlight.values()]) this.#abort(inFlight, 'CHECKPOINT_COORDINATOR_SHUTDOWN');
    await this.whenFinalized();
    if (discardOnShutdown[this.#config.externalizedCheckpointRetention][jobStatus]) {
      for (const checkpoint of this.#store.removeAll()) this.#discard(checkpoint.directory, checkpoint.checkpointId);
    }
    while (this.#cleanups.size > 0) await Promise.all([...this.#cleanups]);
  }

  #startCheckpoint(request: CheckpointRequest, waiter: Waiter | undefined, savepoint?: SavepointOptions): void {
    const type: SnapshotType = request === 'savepoint' ? 'savepoint' : 'checkpoint';
    if (this.#shutdown) {
      waiter?.reject(new WeirError('CHECKPOINT_FAILED', `cannot trigger a ${type} of job ${this.#describeJob()}: the checkpoint coordinator is shut down`));
      return;
    }
    const decision = this.#policy.decide(request, this.#triggerState());
    if (decision.kind !== 'trigger') {
      const reason: CheckpointFailureReason = decision.kind === 'wait' && decision.reason === 'max-concurrent' ? 'TOO_MANY_CHECKPOINT_REQUESTS' : 'MINIMUM_TIME_BETWEEN_CHECKPOINTS';
      waiter?.reject(
        new WeirError('CHECKPOINT_FAILED', `checkpoint of job ${this.#describeJob()} not triggered: ${describeFailureReason(reason)}`, {
          retriable: true,
          hint: 'try again when the checkpoint in progress has ended, or take a savepoint',
        }),
      );
      return;
    }

    const checkpointId = CheckpointId(this.#nextId++);
    const timestamp = this.#options.clock.now();
    const pending = new PendingCheckpoint({ checkpointId, type, timestamp, tasksToAcknowledge: this.#options.tasksToAcknowledge });
    const inFlight: InFlight = {
      pending,
      storage: savepoint?.storage ?? this.#options.storage,
      savepointLocation: savepoint !== undefined,
      stop: savepoint?.stop,
      final: request === 'final',
      location: undefined,
      triggered: false,
      cancelTimeout: () => undefined,
      finalizing: undefined,
      waiter,
    };
    this.#inFlight.set(checkpointId, inFlight);
    if (request === 'periodic') this.#lastPeriodicTriggerMs = timestamp;
    inFlight.cancelTimeout = this.#options.scheduler.schedule(this.#config.checkpointTimeout, () => {
      this.#abort(
        inFlight,
        'CHECKPOINT_EXPIRED',
        new WeirError('CHECKPOINT_FAILED', `checkpoint ${checkpointId} expired after ${this.#config.checkpointTimeout} ms; not acknowledged by ${pending.notYetAcknowledgedTasks().join(', ')}`),
      );
    });
    this.#emit({ type: 'checkpoint-triggered', checkpointId, checkpointType: type, triggeredAt: timestamp, numberOfTasks: pending.numberOfTasks });
    void this.#initializeAndTrigger(inFlight);
  }

  async #initializeAndTrigger(inFlight: InFlight): Promise<void> {
    const { pending } = inFlight;
    let location: CheckpointLocation;
    try {
      location = inFlight.savepointLocation
        ? await inFlight.storage.initializeSavepointLocation(this.#options.jobId, pending.checkpointId)
        : await inFlight.storage.initializeLocation(this.#options.jobId, pending.checkpointId);
    } catch (cause) {
      this.#abort(inFlight, 'IO_EXCEPTION', cause);
      return;
    }
    inFlight.location = location;
    if (pending.status !== 'PENDING') {
      // Aborted while the location was being created (timeout, shutdown): nobody else will delete it.
      this.#discard(location.directory, pending.checkpointId, inFlight.storage);
      this.#rememberDirectory(pending.checkpointId, location.directory);
      return;
    }
    const unaligned = pending.type === 'checkpoint' && !inFlight.final && this.#config.checkpointingMode === 'EXACTLY_ONCE' && this.#config.unalignedCheckpointsEnabled;
    inFlight.triggered = true;
    try {
      this.#options.taskGateway.triggerCheckpoint(pending.checkpointId, pending.timestamp, {
        type: pending.type,
        mode: this.#config.checkpointingMode,
        unaligned,
        alignedCheckpointTimeout: unaligned ? this.#config.alignedCheckpointTimeout : 0,
        location,
        storage: inFlight.storage,
        stop: inFlight.stop,
        final: inFlight.final,
      });
    } catch (cause) {
      this.#abort(inFlight, 'TRIGGER_CHECKPOINT_FAILURE', cause);
      return;
    }
    // A job without tasks to acknowledge (or one whose acks raced ahead) completes at once.
    if (pending.isFullyAcknowledged()) this.#finalize(inFlight);
  }

  #finalize(inFlight: InFlight): void {
    if (inFlight.pending.status !== 'PENDING') return;
    inFlight.pending.startFinalizing();
    inFlight.cancelTimeout();
    inFlight.finalizing = this.#commit(inFlight);
  }

  async #commit(inFlight: InFlight): Promise<void> {
    const { pending } = inFlight;
    const location = inFlight.location;
    let ref: CompletedCheckpointRef;
    try {
      if (location === undefined) throw new WeirError('INTERNAL', `checkpoint ${pending.checkpointId} was acknowledged before its location existed`);
      const metadata = pending.toMetadata({ jobId: this.#options.jobId, jobName: this.#options.jobName, operators: this.#options.operators });
      ref = await inFlight.storage.commitMetadata(location, metadata);
    } catch (cause) {
      pending.failFinalization();
      this.#afterAbort(inFlight, 'FINALIZE_CHECKPOINT_FAILURE', cause);
      return;
    }
    pending.complete();
    const completedAt = this.#options.clock.now();
    this.#inFlight.delete(pending.checkpointId);
    this.#remember(pending, ref.directory, inFlight.storage);
    this.#lastEndMs = completedAt;
    const completed = this.#completedFromRef(ref, completedAt);

    if (pending.type === 'checkpoint') {
      const result = this.#store.add(completed);
      if (result.kind === 'rejected') {
        // A newer checkpoint completed while this one wrote its metadata: it is subsumed already.
        this.#discard(ref.directory, pending.checkpointId, inFlight.storage);
        this.#failed(pending, 'CHECKPOINT_SUBSUMED', result.reason, inFlight.waiter, undefined);
        this.#scheduleNext();
        return;
      }
      for (const old of result.subsumed) this.#discard(old.directory, old.checkpointId);
      this.#lastCompletedId = Math.max(this.#lastCompletedId, pending.checkpointId);
      this.#consecutiveFailures = 0;
      for (const other of [...this.#inFlight.values()]) {
        if (other.pending.type === 'checkpoint' && other.pending.checkpointId < pending.checkpointId) this.#abort(other, 'CHECKPOINT_SUBSUMED');
      }
    }
    try {
      this.#options.taskGateway.notifyCheckpointComplete(pending.checkpointId);
    } catch (cause) {
      this.#warn(pending.checkpointId, `notifying tasks that checkpoint ${pending.checkpointId} completed failed: ${describeCause(cause)}`);
    }
    this.#emit({
      type: 'checkpoint-completed',
      checkpointId: pending.checkpointId,
      checkpointType: pending.type,
      triggeredAt: pending.timestamp,
      completedAt,
      stateSize: completed.stateSize,
      directory: ref.directory,
    });
    inFlight.waiter?.resolve(ref);
    this.#scheduleNext();
  }

  #abort(inFlight: InFlight, reason: CheckpointFailureReason, cause?: unknown): void {
    if (!inFlight.pending.abort(reason)) return;
    this.#afterAbort(inFlight, reason, cause);
  }

  /** Carries out an abort the PendingCheckpoint has recorded: cleanup, notification, failure counting. */
  #afterAbort(inFlight: InFlight, reason: CheckpointFailureReason, cause: unknown): void {
    const { pending } = inFlight;
    inFlight.cancelTimeout();
    this.#inFlight.delete(pending.checkpointId);
    this.#remember(pending, inFlight.location?.directory, inFlight.storage);
    this.#lastEndMs = this.#options.clock.now();
    // Without a location yet, #initializeAndTrigger deletes it when it arrives.
    if (inFlight.location !== undefined) this.#discard(inFlight.location.directory, pending.checkpointId, inFlight.storage);
    if (inFlight.triggered && reason !== 'CHECKPOINT_COORDINATOR_SHUTDOWN') {
      try {
        this.#options.taskGateway.notifyCheckpointAborted(pending.checkpointId);
      } catch (notifyCause) {
        this.#warn(pending.checkpointId, `notifying tasks that checkpoint ${pending.checkpointId} was aborted failed: ${describeCause(notifyCause)}`);
      }
    }
    const error = this.#failed(pending, reason, cause === undefined ? undefined : describeCause(cause), inFlight.waiter, cause);
    this.#countFailure(pending, reason, error);
    this.#scheduleNext();
  }

  #failed(pending: PendingCheckpoint, reason: CheckpointFailureReason, detail: string | undefined, waiter: Waiter | undefined, cause: unknown): WeirError {
    const what = pending.type === 'savepoint' ? 'savepoint' : 'checkpoint';
    const message = `${what} ${pending.checkpointId} of job ${this.#describeJob()} failed: ${describeFailureReason(reason)}${detail === undefined ? '' : ` (${detail})`}`;
    const error = new WeirError('CHECKPOINT_FAILED', message, { retriable: true, cause });
    this.#emit({
      type: 'checkpoint-failed',
      checkpointId: pending.checkpointId,
      checkpointType: pending.type,
      triggeredAt: pending.timestamp,
      failedAt: this.#options.clock.now(),
      reason,
      message,
    });
    waiter?.reject(error);
    return error;
  }

  // Flink's CheckpointFailureManager: only checkpoints newer than the last completed one count, savepoint
  // failures never do, and the counter restarts after a breach is reported.
  #countFailure(pending: PendingCheckpoint, reason: CheckpointFailureReason, error: WeirError): void {
    if (pending.type !== 'checkpoint' || !countsTowardsTolerableFailures(reason) || pending.checkpointId <= this.#lastCompletedId) return;
    this.#consecutiveFailures++;
    const tolerable = this.#config.tolerableCheckpointFailureNumber;
    if (this.#consecutiveFailures <= tolerable) return;
    this.#consecutiveFailures = 0;
    const breach = new WeirError('CHECKPOINT_FAILED', `job ${this.#describeJob()}: exceeded the checkpoint tolerable failure threshold (${tolerable}); the latest failure: ${error.message}`, {
      cause: error,
      hint: 'raise execution.checkpointing.tolerable-failed-checkpoints or execution.checkpointing.timeout, or fix the failing snapshots',
    });
    try {
      this.#options.onTolerableFailuresExceeded(breach);
    } catch (cause) {
      this.#warn(pending.checkpointId, `onTolerableFailuresExceeded threw: ${describeCause(cause)}`);
    }
  }

  #scheduleNext(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (this.#shutdown || this.#periodicStartMs === null) return;
    const decision = this.#policy.decide('periodic', this.#triggerState());
    switch (decision.kind) {
      case 'disabled':
        return;
      case 'trigger':
        this.#cancelTimer = this.#options.scheduler.schedule(0, () => this.#tick());
        return;
      case 'wait':
        // `null`: no timer; the end of a checkpoint in progress calls #scheduleNext again.
        if (decision.untilMs !== null) this.#cancelTimer = this.#options.scheduler.schedule(decision.untilMs - this.#options.clock.now(), () => this.#tick());
        return;
    }
  }

  #tick(): void {
    this.#cancelTimer = undefined;
    if (this.#shutdown || this.#periodicStartMs === null) return;
    if (this.#policy.decide('periodic', this.#triggerState()).kind === 'trigger') this.#startCheckpoint('periodic', undefined);
    this.#scheduleNext();
  }

  #triggerState(): CheckpointTriggerState {
    return {
      nowMs: this.#options.clock.now(),
      pendingCount: this.#inFlight.size,
      periodicStartMs: this.#periodicStartMs,
      lastPeriodicTriggerMs: this.#lastPeriodicTriggerMs,
      lastEndMs: this.#lastEndMs,
    };
  }

  #completedFromRef(ref: CompletedCheckpointRef, completedAt: number): CompletedCheckpoint {
    return {
      checkpointId: CheckpointId(ref.checkpointId),
      type: ref.metadata.type,
      timestamp: ref.metadata.timestamp,
      completedAt,
      directory: ref.directory,
      metadata: ref.metadata,
      stateSize: metadataStateSize(ref.metadata),
    };
  }

  #remember(pending: PendingCheckpoint, directory: string | undefined, storage: CheckpointStorage): void {
    this.#recent.set(pending.checkpointId, { pending, directory, storage });
    if (this.#recent.size > RECENT_CHECKPOINTS) {
      const oldest = this.#recent.keys().next();
      if (oldest.done !== true) this.#recent.delete(oldest.value);
    }
  }

  #rememberDirectory(checkpointId: number, directory: string): void {
    const recent = this.#recent.get(checkpointId);
    if (recent !== undefined) this.#recent.set(checkpointId, { pending: recent.pending, directory, storage: recent.storage });
  }

  /** Deletes a directory in the background; failures become warnings, never errors. */
  #discard(directory: string, checkpointId: CheckpointId, storage: CheckpointStorage = this.#options.storage): void {
    const cleanup = (async () => {
      try {
        await storage.discard(directory);
      } catch (cause) {
        this.#warn(checkpointId, `deleting ${directory} failed: ${describeCause(cause)}`);
      }
    })();
    this.#cleanups.add(cleanup);
    void cleanup.finally(() => this.#cleanups.delete(cleanup));
  }

  #ignored(checkpointId: CheckpointId, task: string, result: Exclude<TaskAcknowledgeResult, 'SUCCESS'>, handles: readonly StateHandle[], cleanedUp: boolean): void {
    this.#emit({ type: 'acknowledge-ignored', checkpointId, task, result, handles, cleanedUp });
  }

  #warn(checkpointId: CheckpointId | null, message: string): void {
    this.#emit({ type: 'checkpoint-warning', checkpointId, message });
  }

  #emit(event: CheckpointEvent): void {
    try {
      this.#options.events?.(event);
    } catch {
      // A listener's failure must not break the protocol (it is documented not to throw).
    }
  }

  #describeJob(): string {
    return `${this.#options.jobName} (${this.#options.jobId})`;
  }
}

/** Creates a CheckpointCoordinator from its collaborators (the factory form of `new CheckpointCoordinator`). */
export function createCheckpointCoordinator(options: CheckpointCoordinatorOptions): CheckpointCoordinator {
  return new CheckpointCoordinator(options);
}
