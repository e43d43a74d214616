/**
 * @module Tests of ManualScheduler: tasks run in due order with the clock at their due time, and
 * cancelled tasks never run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { ManualScheduler } from './checkpoint-scheduler.ts';

test('tasks run in due-time order with the clock at their due time, including tasks they schedule', () => {
  const clock = new ManualClock(100);
  const scheduler = new ManualScheduler(clock);
  const ran: [string, number][] = [];
  scheduler.schedule(30, () => ran.push(['b', clock.now()]));
  scheduler.schedule(10, () => {
    ran.push(['a', clock.now()]);
    scheduler.schedule(5, () => ran.push(['a2', clock.now()]));
  });
  scheduler.schedule(30, () => ran.push(['c', clock.now()]));
  scheduler.schedule(60, () => ran.push(['late', clock.now()]));
  scheduler.advance(50);
  assert.deepEqual(ran, [
    ['a', 110],
    ['a2', 115],
    ['b', 130],
    ['c', 130],
  ]);
  assert.equal(clock.now(), 150);
  assert.deepEqual(scheduler.dueTimes(), [160]);
});

test('a cancelled task never runs', () => {
  const clock = new ManualClock();
  const scheduler = new ManualScheduler(clock);
  let ran = false;
  const cancel = scheduler.schedule(1, () => (ran = true));
  cancel();
  scheduler.advance(10);
  assert.equal(ran, false);
  assert.equal(scheduler.pendingCount, 0);
});
