import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TaskMetricsStore } from './task-metrics.ts';

test('a subtask moves from deploying to running to finished; samples update it until its final report', () => {
  let now = 1000;
  const store = new TaskMetricsStore(() => now);
  store.deploying('v', 0);
  assert.deepEqual(store.snapshot(), [{ vertexId: 'v', subtaskIndex: 0, status: 'DEPLOYING', recordsIn: 0, recordsOut: 0, startTime: null, endTime: null }]);
  now = 1500;
  store.running('v', 0);
  store.sample({ vertexId: 'v', subtaskIndex: 0, attemptNumber: 0, recordsIn: 10, recordsOut: 4 });
  assert.deepEqual(store.snapshot()[0], { vertexId: 'v', subtaskIndex: 0, status: 'RUNNING', recordsIn: 10, recordsOut: 4, startTime: 1500, endTime: null });
  now = 2500;
  store.finished({ vertexId: 'v', subtaskIndex: 0, recordsIn: 12, recordsOut: 5, durationMs: 1000 });
  // A sample that arrives after the final report does not overwrite it.
  store.sample({ vertexId: 'v', subtaskIndex: 0, attemptNumber: 0, recordsIn: 11, recordsOut: 4 });
  assert.deepEqual(store.snapshot()[0], { vertexId: 'v', subtaskIndex: 0, status: 'FINISHED', recordsIn: 12, recordsOut: 5, startTime: 1500, endTime: 2500 });
});

test('a redeployed subtask counts from zero; samples of unknown subtasks are ignored', () => {
  const store = new TaskMetricsStore(() => 0);
  store.deploying('v', 1);
  store.running('v', 1);
  store.sample({ vertexId: 'v', subtaskIndex: 1, attemptNumber: 0, recordsIn: 7, recordsOut: 7 });
  store.deploying('v', 1);
  store.sample({ vertexId: 'w', subtaskIndex: 0, attemptNumber: 0, recordsIn: 3, recordsOut: 3 });
  assert.deepEqual(store.snapshot(), [{ vertexId: 'v', subtaskIndex: 1, status: 'DEPLOYING', recordsIn: 0, recordsOut: 0, startTime: null, endTime: null }]);
});
