/**
 * @module Tests of the CheckpointCoordinator against MemoryCheckpointStorage (wrapped to inject failures),
 * a ManualClock and a ManualScheduler: triggering by interval, pause and concurrency; completion, abort,
 * timeout and failure counting; retention; ids; savepoints; shutdown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import { CheckpointId, newJobId } from '../core/ids.ts';
import { defaultCheckpointConfigData } from './checkpoint-config.ts';
import type { CheckpointConfigData } from './checkpoint-config.ts';
import { CheckpointCoordinator } from './checkpoint-coordinator.ts';
import type { CheckpointOptions, CheckpointShutdownStatus } from './checkpoint-coordinator.ts';
import type { CheckpointEvent } from './checkpoint-events.ts';
import type { CheckpointMetadata, StateHandle } from './checkpoint-metadata.ts';
import { ManualScheduler } from './checkpoint-scheduler.ts';
import type { FileBytes } from './checkpoint-file-system.ts';
import type { CheckpointLocation, CheckpointStorage, CompletedCheckpointRef } from './checkpoint-storage.ts';
import { CheckpointStatsTracker } from './checkpoint-stats-tracker.ts';
import { MemoryCheckpointStorage } from './memory-checkpoint-storage.ts';
import type { TaskAcknowledgeResult } from './pending-checkpoint.ts';

const START = 1_000_000;
const INTERVAL = 1000;

/** Two source subtasks chained in vertex v1, one counter subtask in vertex v2. */
const operators = [
  { uid: 'source', name: 'Source', parallelism: 2, maxParallelism: 128 },
  { uid: 'counter', name: 'Count', parallelism: 1, maxParallelism: 128 },
];
const tasks: Record<string, string> = { 'v1#0': 'source', 'v1#1': 'source', 'v2#0': 'counter' };

type StorageStep = 'initializeLocation' | 'commitMetadata' | 'discard';

/** MemoryCheckpointStorage that counts calls and fails a step on request. */
class FlakyStorage implements CheckpointStorage {
  readonly inner = new MemoryCheckpointStorage();
  readonly commits: number[] = [];
  readonly discarded: string[] = [];
  readonly #failures = new Map<StorageStep, number>();
  /** While set, commitMetadata waits for it. */
  commitGate: Promise<void> | undefined;

  /** The next `times` calls of `step` reject. */
  fail(step: StorageStep, times = 1): void {
    this.#failures.set(step, times);
  }

  #maybeFail(step: StorageStep): void {
    const left = this.#failures.get(step) ?? 0;
    if (left > 0) {
      this.#failures.set(step, left - 1);
      throw new WeirError('STORAGE_FAILED', `injected ${step} failure`, { retriable: true });
    }
  }

  async initializeLocation(jobId: string, checkpointId: number): Promise<CheckpointLocation> {
    this.#maybeFail('initializeLocation');
    return this.inner.initializeLocation(jobId, checkpointId);
  }
  async initializeSavepointLocation(jobId: string, checkpointId: number): Promise<CheckpointLocation> {
    this.#maybeFail('initializeLocation');
    return this.inner.initializeSavepointLocation(jobId, checkpointId);
  }
  async writeState(location: CheckpointLocation, name: string, bytes: FileBytes): Promise<StateHandle> {
    return this.inner.writeState(location, name, bytes);
  }
  async linkState(location: CheckpointLocation, fromDirectory: string, handle: StateHandle): Promise<StateHandle> {
    return this.inner.linkState(location, fromDirectory, handle);
  }
  async readState(directory: string, handle: StateHandle): Promise<Uint8Array> {
    return this.inner.readState(directory, handle);
  }
  async commitMetadata(location: CheckpointLocation, metadata: CheckpointMetadata): Promise<CompletedCheckpointRef> {
    this.commits.push(location.checkpointId);
    await this.commitGate;
    this.#maybeFail('commitMetadata');
    return this.inner.commitMetadata(location, metadata);
  }
  async discard(directory: string): Promise<void> {
    this.discarded.push(directory);
    this.#maybeFail('discard');
    return this.inner.discard(directory);
  }
  async loadCheckpoint(path: string): Promise<CompletedCheckpointRef> {
    return this.inner.loadCheckpoint(path);
  }
  async listCompleted(jobId: string | undefined, onInvalid?: (directory: string, reason: string) => void): Promise<CompletedCheckpointRef[]> {
    return this.inner.listCompleted(jobId, onInvalid);
  }
}

/** Records what the coordinator tells the tasks. */
class RecordingGateway {
  readonly triggered = new Map<number, { timestamp: number; options: CheckpointOptions }>();
  readonly completed: number[] = [];
  readonly aborted: number[] = [];
  triggerCheckpoint(checkpointId: CheckpointId, timestamp: number, options: CheckpointOptions): void {
    this.triggered.set(checkpointId, { timestamp, options });
  }
  notifyCheckpointComplete(checkpointId: CheckpointId): void {
    this.completed.push(checkpointId);
  }
  notifyCheckpointAborted(checkpointId: CheckpointId): void {
    this.aborted.push(checkpointId);
  }
  triggeredIds(): number[] {
    return [...this.triggered.keys()];
  }
}

/** Lets storage promises (resolved at once by the memory storage) run to the end. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

function setup(config: Partial<CheckpointConfigData> = {}) {
  const clock = new ManualClock(START);
  const scheduler = new ManualScheduler(clock);
  const storage = new FlakyStorage();
  const gateway = new RecordingGateway();
  const events: CheckpointEvent[] = [];
  const stats = new CheckpointStatsTracker();
  const breaches: WeirError[] = [];
  const jobId = newJobId();
  const coordinator = new CheckpointCoordinator({
    jobId,
    jobName: 'pageviews',
    config: { ...defaultCheckpointConfigData(), checkpointInterval: INTERVAL, ...config },
    storage,
    clock,
    scheduler,
    taskGateway: gateway,
    tasksToAcknowledge: Object.keys(tasks),
    operators,
    events: (event) => {
      events.push(event);
      stats.record(event);
    },
    onTolerableFailuresExceeded: (error) => breaches.push(error),
  });

  /** Task `task` writes its state file for checkpoint `id` and acknowledges. */
  async function acknowledge(id: number, task: string): Promise<TaskAcknowledgeResult> {
    const uid = tasks[task]!;
    const subtask = Number(task.split('#')[1]);
    // A savepoint's files go to its own storage, as the task gateway is told.
    const { location, storage: target } = gateway.triggered.get(id)!.options;
    const handle = await target.writeState(location, `${uid}-${subtask}`, new TextEncoder().encode(`${uid}@${id}/${subtask}`));
    return coordinator.receiveAcknowledge(CheckpointId(id), task, [{ uid, state: { subtask, operatorState: handle } }]);
  }

  /** Every task acknowledges checkpoint `id`; then the commit runs. */
  async function acknowledgeAll(id: number): Promise<void> {
    for (const task of Object.keys(tasks)) await acknowledge(id, task);
    await settle();
  }

  /** Moves time forward and lets the storage calls it started finish. */
  async function advance(ms: number): Promise<void> {
    scheduler.advance(ms);
    await settle();
  }

  /** Triggers like a caller that awaits later: the rejection is observed now, so it is never unhandled. */
  function trigger(type: 'checkpoint' | 'savepoint' = 'checkpoint'): Promise<CompletedCheckpointRef> {
    const done = coordinator.triggerCheckpoint(type);
    done.catch(() => undefined);
    return done;
  }

  function failures(): CheckpointEvent[] {
    return events.filter((e) => e.type === 'checkpoint-failed');
  }

  async function exists(directory: string): Promise<boolean> {
    return storage.loadCheckpoint(directory).then(
      () => true,
      () => false,
    );
  }

  return { clock, scheduler, storage, gateway, events, stats, breaches, jobId, coordinator, trigger, acknowledge, acknowledgeAll, advance, failures, exists };
}

test('periodic checkpoints are triggered once per interval, the first one an interval after the start', async () => {
  const t = setup();
  t.coordinator.startCheckpointScheduler();
  await t.advance(INTERVAL - 1);
  assert.deepEqual(t.gateway.triggeredIds(), []);
  await t.advance(1);
  assert.deepEqual(t.gateway.triggeredIds(), [1]);
  assert.equal(t.gateway.triggered.get(1)?.timestamp, START + INTERVAL);
  await t.acknowledgeAll(1);
  await t.advance(INTERVAL - 1);
  assert.deepEqual(t.gateway.triggeredIds(), [1]);
  await t.advance(1);
  assert.deepEqual(t.gateway.triggeredIds(), [1, 2]);
  assert.equal(t.gateway.triggered.get(2)?.timestamp, START + 2 * INTERVAL);
});

test('the minimum pause is measured from the end of the last checkpoint', async () => {
  const minPause = 800;
  const took = 700;
  const t = setup({ minPauseBetweenCheckpoints: minPause });
  t.coordinator.startCheckpointScheduler();
  await t.advance(INTERVAL);
  await t.advance(took);
  await t.acknowledgeAll(1);
  const ended = START + INTERVAL + took;
  const next = Math.max(START + 2 * INTERVAL, ended + minPause);
  await t.advance(next - t.clock.now() - 1);
  assert.deepEqual(t.gateway.triggeredIds(), [1]);
  await t.advance(1);
  assert.deepEqual(t.gateway.triggeredIds(), [1, 2]);
  assert.equal(t.gateway.triggered.get(2)?.timestamp, next);
});

test('with max concurrent 1 the next checkpoint waits until the pending one completes', async () => {
  const t = setup({ maxConcurrentCheckpoints: 1 });
  t.coordinator.startCheckpointScheduler();
  await t.advance(INTERVAL);
  await t.advance(5 * INTERVAL);
  assert.deepEqual(t.gateway.triggeredIds(), [1]);
  await t.acknowledgeAll(1);
  await t.advance(0);
  assert.deepEqual(t.gateway.triggeredIds(), [1, 2]);
});

test('with max concurrent 2 a second checkpoint starts while the first is pending, a third does not', async () => {
  const t = setup({ maxConcurrentCheckpoints: 2 });
  t.coordinator.startCheckpointScheduler();
  await t.advance(3 * INTERVAL);
  assert.deepEqual(t.gateway.triggeredIds(), [1, 2]);
  assert.deepEqual(t.coordinator.getPendingCheckpointIds(), [1, 2]);
});

test('the last acknowledgement commits the metadata once, notifies the tasks and resolves the trigger', async () => {
  const t = setup({ checkpointInterval: null });
  const done = t.trigger();
  await settle();
  assert.deepEqual(t.gateway.triggeredIds(), [1]);
  const options = t.gateway.triggered.get(1)!.options;
  assert.equal(options.type, 'checkpoint');
  assert.equal(options.mode, 'EXACTLY_ONCE');
  assert.equal(options.unaligned, false);

  assert.equal(await t.acknowledge(1, 'v2#0'), 'SUCCESS');
  assert.equal(await t.acknowledge(1, 'v1#1'), 'SUCCESS');
  await settle();
  assert.deepEqual(t.storage.commits, []);
  assert.equal(await t.acknowledge(1, 'v1#0'), 'SUCCESS');
  const ref = await done;
  await settle();

  assert.deepEqual(t.storage.commits, [1]);
  assert.deepEqual(t.gateway.completed, [1]);
  assert.equal(ref.checkpointId, 1);
  const loaded = await t.storage.loadCheckpoint(ref.directory);
  assert.deepEqual(
    loaded.metadata.operators.map((o) => [o.uid, o.subtasks.map((s) => s.subtask)]),
    [
      ['counter', [0]],
      ['source', [0, 1]],
    ],
  );
  assert.equal(t.coordinator.getLatestCompletedCheckpoint()?.checkpointId, 1);
  assert.equal(t.coordinator.getNumberOfPendingCheckpoints(), 0);
});

test('a duplicate acknowledgement is DUPLICATE and one from a task outside the job is UNKNOWN', async () => {
  const t = setup({ checkpointInterval: null });
  void t.trigger();
  await settle();
  assert.equal(await t.acknowledge(1, 'v1#0'), 'SUCCESS');
  assert.equal(t.coordinator.receiveAcknowledge(CheckpointId(1), 'v1#0', []), 'DUPLICATE');
  assert.equal(t.coordinator.receiveAcknowledge(CheckpointId(1), 'v9#0', []), 'UNKNOWN');
  assert.equal(t.coordinator.receiveAcknowledge(CheckpointId(99), 'v1#0', [{ uid: 'source', state: { subtask: 0 } }]), 'UNKNOWN');
  assert.deepEqual(
    t.events.filter((e) => e.type === 'acknowledge-ignored').map((e) => (e.type === 'acknowledge-ignored' ? [e.checkpointId, e.result] : [])),
    [
      [1, 'DUPLICATE'],
      [1, 'UNKNOWN'],
      [99, 'UNKNOWN'],
    ],
  );
});

test('a decline aborts the checkpoint, deletes its directory and tells the tasks', async () => {
  const t = setup({ checkpointInterval: null, tolerableCheckpointFailureNumber: 5 });
  const done = t.trigger();
  await settle();
  await t.acknowledge(1, 'v1#0');
  const directory = t.gateway.triggered.get(1)!.options.location.directory;
  t.coordinator.receiveDecline(CheckpointId(1), 'v2#0', new Error('disk full'));
  await assert.rejects(done, (error: unknown) => error instanceof WeirError && error.code === 'CHECKPOINT_FAILED' && /declined/.test(error.message));
  await settle();

  assert.deepEqual(t.gateway.aborted, [1]);
  assert.deepEqual(t.storage.discarded, [directory]);
  assert.deepEqual(
    t.storage.inner.listFiles().filter((f) => f.startsWith(`${directory}/`)),
    [],
  );
  assert.deepEqual(
    t.failures().map((e) => (e.type === 'checkpoint-failed' ? e.reason : '')),
    ['CHECKPOINT_DECLINED'],
  );
  // A late acknowledgement with files is DISCARDED and the directory is deleted again.
  const late = t.coordinator.receiveAcknowledge(CheckpointId(1), 'v1#1', [{ uid: 'source', state: { subtask: 1, operatorState: { path: 'late', size: 1, checksum: 'x' } } }]);
  assert.equal(late, 'DISCARDED');
  await settle();
  assert.deepEqual(t.storage.discarded, [directory, directory]);
  assert.equal(t.coordinator.getNumberOfPendingCheckpoints(), 0);
});

test('a checkpoint not complete within the timeout is aborted as expired', async () => {
  const timeout = 5000;
  const t = setup({ checkpointInterval: null, checkpointTimeout: timeout, tolerableCheckpointFailureNumber: 5 });
  const done = t.trigger();
  await settle();
  await t.acknowledge(1, 'v1#0');
  await t.advance(timeout - 1);
  assert.deepEqual(t.gateway.aborted, []);
  await t.advance(1);
  await assert.rejects(done, /expired/);
  assert.deepEqual(t.gateway.aborted, [1]);
  const failed = t.failures()[0];
  assert.equal(failed?.type === 'checkpoint-failed' ? failed.reason : undefined, 'CHECKPOINT_EXPIRED');
  assert.match(failed?.type === 'checkpoint-failed' ? failed.message : '', /v1#1, v2#0/);
  assert.equal(await t.exists(t.gateway.triggered.get(1)!.options.location.directory), false);
});

test('consecutive failures beyond the tolerable number fail the job, and a success resets the count', async () => {
  const tolerable = 2;
  const t = setup({ checkpointInterval: null, tolerableCheckpointFailureNumber: tolerable });
  const outcomes = ['fail', 'fail', 'complete', 'fail', 'fail', 'fail', 'fail'] as const;
  let expectedBreaches = 0;
  let consecutive = 0;
  for (const [index, outcome] of outcomes.entries()) {
    const id = index + 1;
    const done = t.trigger();
    await settle();
    if (outcome === 'complete') {
      await t.acknowledgeAll(id);
      await done;
      consecutive = 0;
    } else {
      t.coordinator.receiveDecline(CheckpointId(id), 'v1#0', 'snapshot failed');
      await done.catch(() => undefined);
      consecutive++;
      if (consecutive > tolerable) {
        expectedBreaches++;
        consecutive = 0;
      }
    }
    assert.equal(t.breaches.length, expectedBreaches, `after checkpoint ${id}`);
  }
  assert.equal(t.breaches.length, 1);
  assert.equal(t.breaches[0]?.code, 'CHECKPOINT_FAILED');
  assert.match(t.breaches[0]?.message ?? '', /tolerable failure threshold \(2\)/);
});

test('failures that are not the job’s fault (shutdown, subsumed, savepoints) do not count', async () => {
  const t = setup({ checkpointInterval: null, maxConcurrentCheckpoints: 2 });
  const first = t.trigger();
  const second = t.trigger();
  await settle();
  await t.acknowledgeAll(2);
  await second;
  await assert.rejects(first, /newer checkpoint completed/);
  const savepoint = t.trigger('savepoint');
  await settle();
  t.coordinator.receiveDecline(CheckpointId(3), 'v1#0', 'no');
  await assert.rejects(savepoint);
  assert.equal(t.coordinator.getConsecutiveFailures(), 0);
  assert.deepEqual(t.breaches, []);
  assert.deepEqual(t.gateway.aborted, [1, 3]);
});

test('only the newest N completed checkpoints are retained and older directories are deleted', async () => {
  const retained = 2;
  const completedCount = 5;
  const t = setup({ checkpointInterval: null, numRetainedCheckpoints: retained });
  const refs: CompletedCheckpointRef[] = [];
  for (let id = 1; id <= completedCount; id++) {
    const done = t.trigger();
    await settle();
    await t.acknowledgeAll(id);
    refs.push(await done);
  }
  await settle();
  const kept = refs.slice(-retained);
  assert.deepEqual(
    t.coordinator.getRetainedCheckpoints().map((c) => c.checkpointId),
    kept.map((r) => r.checkpointId),
  );
  for (const ref of refs) assert.equal(await t.exists(ref.directory), kept.includes(ref), ref.directory);
  assert.deepEqual(t.gateway.completed, refs.map((r) => r.checkpointId));
});

test('checkpoint ids start at 1, strictly increase and continue after a restored checkpoint', async () => {
  const t = setup({ checkpointInterval: null });
  const first = t.trigger();
  await settle();
  await t.acknowledgeAll(1);
  const restored = await first;

  const other = setup({ checkpointInterval: null });
  const restoredId = 41;
  other.coordinator.restoreFrom({ ...restored, checkpointId: restoredId, metadata: { ...restored.metadata, checkpointId: restoredId } });
  void other.trigger('savepoint');
  await settle();
  // A restore of an older checkpoint never moves ids back.
  other.coordinator.restoreFrom(restored);
  void other.trigger('savepoint');
  await settle();
  assert.deepEqual(other.gateway.triggeredIds(), [restoredId + 1, restoredId + 2]);
  assert.equal(other.stats.snapshot().counts.restored, 2);
});

test('a savepoint ignores the interval and the concurrency limit and is never retained or deleted', async () => {
  const t = setup({ checkpointInterval: 60_000, maxConcurrentCheckpoints: 1, minPauseBetweenCheckpoints: 10_000 });
  void t.trigger();
  await settle();
  await assert.rejects(t.trigger(), (error: unknown) => error instanceof WeirError && error.retriable && /concurrent/.test(error.message));
  const savepoint = t.trigger('savepoint');
  await settle();
  assert.deepEqual(t.gateway.triggeredIds(), [1, 2]);
  const options = t.gateway.triggered.get(2)!.options;
  assert.equal(options.type, 'savepoint');
  await t.acknowledgeAll(2);
  const ref = await savepoint;
  assert.equal(ref.metadata.type, 'savepoint');
  assert.equal(t.coordinator.getLatestCompletedCheckpoint(), undefined);
  await t.coordinator.shutdown('CANCELED');
  assert.equal(await t.exists(ref.directory), true);
});

test('triggerSavepoint writes into a savepoint-<job>-<random> directory of its own storage, aligned, and it survives every shutdown', async () => {
  const t = setup({ unalignedCheckpointsEnabled: true });
  const target = new MemoryCheckpointStorage({ directory: 'memory:/savepoints' });
  const savepoint = t.coordinator.triggerSavepoint({ storage: target, stop: { drain: true } });
  await settle();
  const options = t.gateway.triggered.get(1)!.options;
  assert.equal(options.type, 'savepoint');
  assert.equal(options.unaligned, false);
  assert.equal(options.storage, target);
  assert.deepEqual(options.stop, { drain: true });
  assert.match(options.location.directory, new RegExp(`^memory:/savepoints/savepoint-${t.jobId.slice(0, 6)}-[0-9a-f]{12}$`));
  await t.acknowledgeAll(1);
  const ref = await savepoint;
  assert.equal(ref.directory, options.location.directory);
  assert.equal((await target.loadCheckpoint(ref.directory)).metadata.type, 'savepoint');
  assert.deepEqual(t.storage.inner.listFiles(), [], 'nothing went to the checkpoint storage');
  assert.deepEqual(t.gateway.completed, [1], 'tasks hear that it completed (a stop ends the job then)');
  await t.coordinator.shutdown('FAILED');
  assert.equal((await target.loadCheckpoint(ref.directory)).checkpointId, 1);
  assert.deepEqual(t.storage.discarded, []);
});

test("an aborted savepoint's directory is deleted from its storage and the tasks are told", async () => {
  const t = setup();
  const target = new MemoryCheckpointStorage({ directory: 'memory:/savepoints' });
  const savepoint = t.coordinator.triggerSavepoint({ storage: target, stop: { drain: false } });
  savepoint.catch(() => undefined);
  await settle();
  await t.acknowledge(1, 'v1#0');
  t.coordinator.receiveDecline(CheckpointId(1), 'v2#0', new Error('disk full'));
  await assert.rejects(savepoint, (error: unknown) => error instanceof WeirError && /savepoint 1 .* failed/.test(error.message));
  await settle();
  assert.deepEqual(t.gateway.aborted, [1]);
  assert.deepEqual(target.listFiles(), []);
});

test('a storage failure while committing fails that checkpoint only; the next one completes', async () => {
  const t = setup({ checkpointInterval: null, tolerableCheckpointFailureNumber: 1 });
  t.storage.fail('commitMetadata');
  const first = t.trigger();
  await settle();
  await t.acknowledgeAll(1);
  await assert.rejects(first, /writing the checkpoint metadata failed/);
  assert.deepEqual(t.gateway.aborted, [1]);
  assert.equal(await t.exists(t.gateway.triggered.get(1)!.options.location.directory), false);

  const second = t.trigger();
  await settle();
  await t.acknowledgeAll(2);
  assert.equal((await second).checkpointId, 2);
  assert.deepEqual(t.storage.commits, [1, 2]);
  assert.deepEqual(t.breaches, []);
});

test('a storage failure creating the location fails that checkpoint as an I/O failure', async () => {
  const t = setup({ checkpointInterval: null, tolerableCheckpointFailureNumber: 3 });
  t.storage.fail('initializeLocation');
  await assert.rejects(t.trigger(), /could not create the location/);
  assert.deepEqual(t.gateway.triggeredIds(), []);
  assert.deepEqual(t.gateway.aborted, []);
  assert.equal(t.coordinator.getConsecutiveFailures(), 1);
});

test('a failure to delete a directory is a warning, not an error', async () => {
  const t = setup({ checkpointInterval: null, tolerableCheckpointFailureNumber: 3 });
  const done = t.trigger();
  await settle();
  t.storage.fail('discard');
  t.coordinator.receiveDecline(CheckpointId(1), 'v1#0', 'no');
  await assert.rejects(done);
  await settle();
  assert.equal(t.events.filter((e) => e.type === 'checkpoint-warning').length, 1);
});

test('shutdown applies the externalized retention to the retained checkpoints', async () => {
  const cases: [CheckpointConfigData['externalizedCheckpointRetention'], CheckpointShutdownStatus, boolean][] = [
    ['NO_EXTERNALIZED_CHECKPOINTS', 'CANCELED', false],
    ['NO_EXTERNALIZED_CHECKPOINTS', 'FINISHED', false],
    ['NO_EXTERNALIZED_CHECKPOINTS', 'FAILED', false],
    ['NO_EXTERNALIZED_CHECKPOINTS', 'SUSPENDED', true],
    ['DELETE_ON_CANCELLATION', 'CANCELED', false],
    ['DELETE_ON_CANCELLATION', 'FINISHED', false],
    ['DELETE_ON_CANCELLATION', 'FAILED', true],
    ['RETAIN_ON_CANCELLATION', 'CANCELED', true],
    ['RETAIN_ON_CANCELLATION', 'FINISHED', true],
    ['RETAIN_ON_CANCELLATION', 'FAILED', true],
  ];
  for (const [retention, status, kept] of cases) {
    const t = setup({ checkpointInterval: null, externalizedCheckpointRetention: retention });
    const done = t.trigger();
    await settle();
    await t.acknowledgeAll(1);
    const ref = await done;
    await t.coordinator.shutdown(status);
    assert.equal(await t.exists(ref.directory), kept, `${retention} on ${status}`);
  }
});

test('shutdown aborts pending checkpoints without counting them and refuses new triggers', async () => {
  const t = setup({ checkpointInterval: null });
  const pending = t.trigger();
  await settle();
  await t.coordinator.shutdown('CANCELED');
  await assert.rejects(pending, /shut down/);
  await assert.rejects(t.trigger('savepoint'), /shut down/);
  assert.deepEqual(t.breaches, []);
  assert.equal(await t.exists(t.gateway.triggered.get(1)!.options.location.directory), false);
});

test('a checkpoint completing while an older one is pending subsumes the older one', async () => {
  const t = setup({ maxConcurrentCheckpoints: 2 });
  t.coordinator.startCheckpointScheduler();
  await t.advance(2 * INTERVAL);
  assert.deepEqual(t.gateway.triggeredIds(), [1, 2]);
  await t.acknowledgeAll(2);
  assert.deepEqual(t.gateway.completed, [2]);
  assert.deepEqual(t.gateway.aborted, [1]);
  assert.equal(await t.acknowledge(1, 'v1#0').catch(() => 'write refused'), 'write refused');
  assert.equal(t.coordinator.receiveAcknowledge(CheckpointId(1), 'v1#1', []), 'DISCARDED');
});

test('a checkpoint writing its metadata is past aborting on failover, and whenFinalized waits until it completed', async () => {
  const t = setup({ checkpointInterval: null });
  let open = (): void => undefined;
  t.storage.commitGate = new Promise((resolve) => (open = resolve));
  const first = t.trigger();
  await settle();
  await t.acknowledgeAll(1);
  assert.deepEqual(t.storage.commits, [1]);
  t.coordinator.abortPendingCheckpoints('JOB_FAILOVER_REGION');
  assert.deepEqual(t.gateway.aborted, []);
  let finalized = false;
  const waiting = t.coordinator.whenFinalized().then(() => (finalized = true));
  await settle();
  assert.equal(finalized, false, 'whenFinalized resolved while the metadata was still being written');
  assert.equal(t.coordinator.getLatestCompletedCheckpoint(), undefined);
  open();
  await waiting;
  assert.equal(t.coordinator.getLatestCompletedCheckpoint()?.checkpointId, 1);
  assert.equal((await first).checkpointId, 1);
  assert.deepEqual(t.gateway.completed, [1]);
});

test('unaligned checkpoints reach the tasks with the aligned-checkpoint timeout, savepoints stay aligned', async () => {
  const t = setup({ checkpointInterval: null, unalignedCheckpointsEnabled: true, alignedCheckpointTimeout: 30, maxConcurrentCheckpoints: 2 });
  void t.trigger();
  void t.trigger('savepoint');
  await settle();
  assert.deepEqual(
    [1, 2].map((id) => {
      const o = t.gateway.triggered.get(id)!.options;
      return [o.type, o.unaligned, o.alignedCheckpointTimeout];
    }),
    [
      ['checkpoint', true, 30],
      ['savepoint', false, 0],
    ],
  );
});

test('the stats tracker counts what happened to each checkpoint', async () => {
  const t = setup({ checkpointInterval: null, tolerableCheckpointFailureNumber: 10 });
  const first = t.trigger();
  await settle();
  await t.acknowledgeAll(1);
  const ref = await first;
  const second = t.trigger();
  await settle();
  t.coordinator.receiveDecline(CheckpointId(2), 'v2#0', 'boom');
  await second.catch(() => undefined);
  void t.trigger();
  await settle();
  await t.acknowledge(3, 'v1#0');
  t.coordinator.restoreFrom(ref);

  const snapshot = t.stats.snapshot();
  assert.deepEqual(snapshot.counts, { triggered: 3, inProgress: 1, completed: 1, failed: 1, restored: 1 });
  assert.deepEqual(
    snapshot.history.map((h) => [h.checkpointId, h.status, h.numberOfAcknowledgedSubtasks]),
    [
      [3, 'IN_PROGRESS', 1],
      [2, 'FAILED', 0],
      [1, 'COMPLETED', Object.keys(tasks).length],
    ],
  );
  const expectedSize = ref.metadata.operators.flatMap((o) => o.subtasks).reduce((sum, s) => sum + (s.operatorState?.size ?? 0), 0);
  assert.equal(snapshot.latest.completed?.stateSize, expectedSize);
  assert.equal(snapshot.latest.failed?.failureReason, 'CHECKPOINT_DECLINED');
  assert.equal(snapshot.latest.restored?.checkpointId, 1);
  assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot);
});

test('the final checkpoint ignores the limits, reaches the tasks aligned and marked final, and is a retained, counted checkpoint', async () => {
  const t = setup({ unalignedCheckpointsEnabled: true, minPauseBetweenCheckpoints: 10_000, tolerableCheckpointFailureNumber: 0 });
  const manual = t.trigger();
  await settle();
  const first = t.coordinator.triggerFinalCheckpoint();
  first.catch(() => undefined);
  await settle();
  // Triggered beside a pending checkpoint despite the pause and the concurrency limit of 1.
  assert.deepEqual(t.gateway.triggeredIds(), [1, 2]);
  const options = t.gateway.triggered.get(2)!.options;
  assert.deepEqual([options.type, options.final, options.unaligned], ['checkpoint', true, false]);
  assert.equal(t.gateway.triggered.get(1)!.options.final, false);
  // A failed final checkpoint counts like any checkpoint: past the tolerable number, the job fails.
  t.coordinator.receiveDecline(CheckpointId(2), 'v1#0', 'snapshot failed');
  await assert.rejects(first, /checkpoint 2 .*declined/);
  assert.equal(t.breaches.length, 1);
  const again = t.coordinator.triggerFinalCheckpoint();
  await settle();
  await t.acknowledgeAll(3);
  const ref = await again;
  assert.equal(ref.checkpointId, 3);
  assert.deepEqual(t.gateway.completed, [3]);
  await assert.rejects(manual, /newer checkpoint completed/);
  assert.equal(t.coordinator.getLatestCompletedCheckpoint()?.checkpointId, 3);
  assert.equal(t.stats.snapshot().counts.completed, 1);
});
