/**
 * @module Tests of CheckpointStatsTracker: counts, per-checkpoint aggregates of task metrics, latest
 * entries, summaries and the bounded history.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointId } from '../core/ids.ts';
import type { CheckpointEvent } from './checkpoint-events.ts';
import { EMPTY_CHECKPOINT_METRICS } from './checkpoint-metrics.ts';
import { CheckpointStatsTracker } from './checkpoint-stats-tracker.ts';

function triggered(id: number, at: number, numberOfTasks = 2): CheckpointEvent {
  return { type: 'checkpoint-triggered', checkpointId: CheckpointId(id), checkpointType: 'checkpoint', triggeredAt: at, numberOfTasks };
}

function completed(id: number, triggeredAt: number, completedAt: number, stateSize: number): CheckpointEvent {
  return { type: 'checkpoint-completed', checkpointId: CheckpointId(id), checkpointType: 'checkpoint', triggeredAt, completedAt, stateSize, directory: `d/chk-${id}` };
}

test('task acknowledgements aggregate into the checkpoint: longest phases, any unaligned, summed bytes', () => {
  const stats = new CheckpointStatsTracker();
  const acks = [
    { syncDurationMs: 3, asyncDurationMs: 40, alignmentDurationMs: 7, checkpointStartDelayMs: 2, unalignedCheckpoint: false, bytesPersistedDuringAlignment: 0 },
    { syncDurationMs: 5, asyncDurationMs: 10, alignmentDurationMs: 1, checkpointStartDelayMs: 9, unalignedCheckpoint: true, bytesPersistedDuringAlignment: 300 },
  ];
  stats.record(triggered(1, 100));
  acks.forEach((metrics, i) => stats.record({ type: 'task-acknowledged', checkpointId: CheckpointId(1), task: `v#${i}`, acknowledgedAt: 150 + i, stateSize: 10 * (i + 1), checkpointedSize: 4 * (i + 1), metrics }));
  const entry = stats.snapshot().history[0]!;
  assert.equal(entry.status, 'IN_PROGRESS');
  assert.equal(entry.numberOfAcknowledgedSubtasks, acks.length);
  assert.equal(entry.syncDurationMs, Math.max(...acks.map((a) => a.syncDurationMs)));
  assert.equal(entry.asyncDurationMs, Math.max(...acks.map((a) => a.asyncDurationMs)));
  assert.equal(entry.alignmentDurationMs, Math.max(...acks.map((a) => a.alignmentDurationMs)));
  assert.equal(entry.checkpointStartDelayMs, Math.max(...acks.map((a) => a.checkpointStartDelayMs)));
  assert.equal(entry.unalignedCheckpoint, acks.some((a) => a.unalignedCheckpoint));
  assert.equal(entry.bytesPersistedDuringAlignment, acks.reduce((sum, a) => sum + a.bytesPersistedDuringAlignment, 0));
  assert.equal(entry.stateSize, 30);
  assert.equal(entry.checkpointedSize, 12);
  assert.equal(entry.latestAcknowledgedAt, 151);
  assert.equal(entry.endToEndDurationMs, 51);
});

test('counts, summaries and latest entries follow completions, failures and restores', () => {
  const stats = new CheckpointStatsTracker();
  const runs = [
    { id: 1, at: 0, end: 50, size: 100 },
    { id: 2, at: 100, end: 180, size: 300 },
  ];
  for (const run of runs) {
    stats.record(triggered(run.id, run.at));
    stats.record(completed(run.id, run.at, run.end, run.size));
  }
  stats.record(triggered(3, 200));
  stats.record({ type: 'checkpoint-failed', checkpointId: CheckpointId(3), checkpointType: 'checkpoint', triggeredAt: 200, failedAt: 260, reason: 'CHECKPOINT_EXPIRED', message: 'expired' });
  stats.record({ type: 'checkpoint-triggered', checkpointId: CheckpointId(4), checkpointType: 'savepoint', triggeredAt: 300, numberOfTasks: 2 });
  stats.record({ type: 'checkpoint-restored', checkpointId: CheckpointId(2), checkpointType: 'checkpoint', timestamp: 100, restoredAt: 400, directory: 'd/chk-2' });

  const snapshot = stats.snapshot();
  assert.deepEqual(snapshot.counts, { triggered: 4, inProgress: 1, completed: 2, failed: 1, restored: 1 });
  const sizes = runs.map((r) => r.size);
  const durations = runs.map((r) => r.end - r.at);
  assert.deepEqual(snapshot.summary.stateSize, { min: Math.min(...sizes), max: Math.max(...sizes), avg: (sizes[0]! + sizes[1]!) / 2 });
  assert.deepEqual(snapshot.summary.endToEndDurationMs, { min: Math.min(...durations), max: Math.max(...durations), avg: (durations[0]! + durations[1]!) / 2 });
  assert.equal(snapshot.latest.completed?.checkpointId, 2);
  assert.equal(snapshot.latest.savepoint, null);
  assert.equal(snapshot.latest.failed?.failureReason, 'CHECKPOINT_EXPIRED');
  assert.equal(snapshot.latest.failed?.endToEndDurationMs, 60);
  assert.equal(snapshot.latest.restored?.directory, 'd/chk-2');
  assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot);
});

test('the history keeps the newest entries only, 10 by default, and still counts those that left it', () => {
  const total = 13;
  const stats = new CheckpointStatsTracker();
  for (let id = 1; id <= total; id++) stats.record(triggered(id, id * 10));
  assert.deepEqual(
    stats.snapshot().history.map((h) => h.checkpointId),
    Array.from({ length: 10 }, (_, i) => total - i),
  );
  stats.record(completed(1, 10, 500, 1));
  const snapshot = stats.snapshot();
  assert.equal(snapshot.counts.completed, 1);
  assert.equal(snapshot.counts.inProgress, total - 1);
  assert.equal(snapshot.latest.completed?.checkpointId, 1);
  assert.equal(snapshot.history.length, 10);

  const small = new CheckpointStatsTracker({ historySize: 2 });
  for (let id = 1; id <= 3; id++) small.record(triggered(id, id));
  assert.deepEqual(
    small.snapshot().history.map((h) => h.checkpointId),
    [3, 2],
  );
});

test('acknowledgements without metrics count as zero durations', () => {
  const stats = new CheckpointStatsTracker();
  stats.record(triggered(1, 0, 1));
  stats.record({ type: 'task-acknowledged', checkpointId: CheckpointId(1), task: 'v#0', acknowledgedAt: 5, stateSize: 0, checkpointedSize: 0, metrics: EMPTY_CHECKPOINT_METRICS });
  assert.equal(stats.snapshot().history[0]?.syncDurationMs, 0);
});
