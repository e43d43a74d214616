/**
 * @module Tests of the trigger policy: interval from the last periodic trigger, minimum pause from the
 * end of the last checkpoint, the concurrency limit, and savepoints that ignore all three.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointTriggerPolicy } from './checkpoint-trigger-policy.ts';
import type { CheckpointTriggerState } from './checkpoint-trigger-policy.ts';

const idle: CheckpointTriggerState = { nowMs: 0, pendingCount: 0, periodicStartMs: 0, lastPeriodicTriggerMs: null, lastEndMs: null };

test('a periodic checkpoint waits one interval after the start, then one interval after each trigger', () => {
  const policy = new CheckpointTriggerPolicy({ intervalMs: 1000, minPauseMs: 0, maxConcurrent: 1 });
  assert.deepEqual(policy.decide('periodic', { ...idle, nowMs: 999 }), { kind: 'wait', untilMs: 1000, reason: 'interval' });
  assert.deepEqual(policy.decide('periodic', { ...idle, nowMs: 1000 }), { kind: 'trigger' });
  const afterFirst = { ...idle, lastPeriodicTriggerMs: 1000, lastEndMs: 1200 };
  assert.deepEqual(policy.decide('periodic', { ...afterFirst, nowMs: 1500 }), { kind: 'wait', untilMs: 2000, reason: 'interval' });
  assert.deepEqual(policy.decide('periodic', { ...afterFirst, nowMs: 2000 }), { kind: 'trigger' });
});

test('the minimum pause counts from the end of the last checkpoint and wins when it ends later', () => {
  const policy = new CheckpointTriggerPolicy({ intervalMs: 1000, minPauseMs: 800, maxConcurrent: 1 });
  const state = { ...idle, lastPeriodicTriggerMs: 1000, lastEndMs: 1700 };
  assert.deepEqual(policy.decide('periodic', { ...state, nowMs: 2000 }), { kind: 'wait', untilMs: 1700 + 800, reason: 'min-pause' });
  assert.deepEqual(policy.decide('periodic', { ...state, nowMs: 2500 }), { kind: 'trigger' });
});

test('reaching max concurrent checkpoints waits for one to end', () => {
  const policy = new CheckpointTriggerPolicy({ intervalMs: 100, minPauseMs: 0, maxConcurrent: 2 });
  assert.deepEqual(policy.decide('periodic', { ...idle, nowMs: 500, pendingCount: 1 }), { kind: 'trigger' });
  assert.deepEqual(policy.decide('periodic', { ...idle, nowMs: 500, pendingCount: 2 }), { kind: 'wait', untilMs: null, reason: 'max-concurrent' });
  assert.deepEqual(policy.decide('manual', { ...idle, nowMs: 500, pendingCount: 2 }), { kind: 'wait', untilMs: null, reason: 'max-concurrent' });
});

test('a minimum pause above zero allows one checkpoint at a time whatever max concurrent says', () => {
  const policy = new CheckpointTriggerPolicy({ intervalMs: 100, minPauseMs: 1, maxConcurrent: 5 });
  assert.deepEqual(policy.decide('periodic', { ...idle, nowMs: 500, pendingCount: 1 }), { kind: 'wait', untilMs: null, reason: 'min-pause' });
});

test('without an interval or before the scheduler starts, periodic checkpoints are disabled but manual ones are not', () => {
  const off = new CheckpointTriggerPolicy({ intervalMs: null, minPauseMs: 0, maxConcurrent: 1 });
  assert.deepEqual(off.decide('periodic', idle), { kind: 'disabled' });
  assert.deepEqual(off.decide('manual', idle), { kind: 'trigger' });
  const on = new CheckpointTriggerPolicy({ intervalMs: 100, minPauseMs: 0, maxConcurrent: 1 });
  assert.deepEqual(on.decide('periodic', { ...idle, nowMs: 1000, periodicStartMs: null }), { kind: 'disabled' });
});

test('a manual checkpoint ignores the interval but respects the minimum pause', () => {
  const policy = new CheckpointTriggerPolicy({ intervalMs: 60_000, minPauseMs: 500, maxConcurrent: 1 });
  const state = { ...idle, lastPeriodicTriggerMs: 900, lastEndMs: 950 };
  assert.deepEqual(policy.decide('manual', { ...state, nowMs: 1450 }), { kind: 'trigger' });
  assert.deepEqual(policy.decide('manual', { ...state, nowMs: 1000 }), { kind: 'wait', untilMs: 950 + 500, reason: 'min-pause' });
});

test('a savepoint ignores interval, minimum pause and concurrency', () => {
  const policy = new CheckpointTriggerPolicy({ intervalMs: 60_000, minPauseMs: 10_000, maxConcurrent: 1 });
  assert.deepEqual(policy.decide('savepoint', { ...idle, nowMs: 1, pendingCount: 3, lastEndMs: 0, periodicStartMs: null }), { kind: 'trigger' });
});
