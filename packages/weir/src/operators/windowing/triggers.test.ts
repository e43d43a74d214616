/**
 * @module Tests of the built-in triggers against a recording TriggerContext: what each decides on
 * elements and timers, which timers it sets and clears, and CountTrigger's state across merges.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyGroupRange } from '../../core/key-groups.ts';
import { HeapKeyedStateBackend } from '../../state/heap-keyed-state-backend.ts';
import type { InternalMergingState } from '../../state/internal-kv-state.ts';
import type { StateDescriptor } from '../../state/state-descriptors.ts';
import type { StateOf } from '../../state/state.ts';
import { CountTrigger } from './count-trigger.ts';
import { EventTimeTrigger } from './event-time-trigger.ts';
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import { PurgingTrigger } from './purging-trigger.ts';
import { TriggerResult, type OnMergeContext } from './trigger.ts';
import { TimeWindow } from './window.ts';

class RecordingContext implements OnMergeContext {
  watermark = Number.NEGATIVE_INFINITY;
  processingTime = 0;
  window = new TimeWindow(0, 10);
  merged: TimeWindow[] = [];
  readonly timers = new Set<string>();
  readonly backend = new HeapKeyedStateBackend({ keyGroupRange: new KeyGroupRange(0, 127), maxParallelism: 128 });

  constructor() {
    this.backend.setCurrentKey('k');
  }

  getCurrentProcessingTime(): number {
    return this.processingTime;
  }
  getCurrentWatermark(): number {
    return this.watermark;
  }
  registerProcessingTimeTimer(time: number): void {
    this.timers.add(`processing ${time}`);
  }
  registerEventTimeTimer(time: number): void {
    this.timers.add(`event ${time}`);
  }
  deleteProcessingTimeTimer(time: number): void {
    this.timers.delete(`processing ${time}`);
  }
  deleteEventTimeTimer(time: number): void {
    this.timers.delete(`event ${time}`);
  }
  getPartitionedState<D extends StateDescriptor>(descriptor: D): StateOf<D> {
    const state: unknown = this.backend.getPartitionedState(descriptor, this.window);
    return state as StateOf<D>;
  }
  mergePartitionedState(descriptor: StateDescriptor): void {
    (this.backend.getPartitionedState(descriptor, this.window) as unknown as InternalMergingState).mergeNamespaces(this.window, this.merged);
  }
}

test('EventTimeTrigger waits for the watermark to reach the window end - 1, and fires at once for a window the watermark passed', () => {
  const trigger = EventTimeTrigger.create();
  const ctx = new RecordingContext();
  assert.equal(trigger.onElement(null, 3, ctx.window, ctx), TriggerResult.CONTINUE);
  assert.deepEqual([...ctx.timers], ['event 9']);
  assert.equal(trigger.onEventTime(8, ctx.window, ctx), TriggerResult.CONTINUE);
  assert.equal(trigger.onEventTime(9, ctx.window, ctx), TriggerResult.FIRE);
  ctx.watermark = 20;
  assert.equal(trigger.onElement(null, 3, ctx.window, ctx), TriggerResult.FIRE, 'a late element within the allowed lateness');
  trigger.clear(ctx.window, ctx);
  assert.deepEqual([...ctx.timers], []);
});

test('EventTimeTrigger sets the merged window\'s timer on merge unless the watermark passed it', () => {
  const trigger = EventTimeTrigger.create();
  const ctx = new RecordingContext();
  ctx.window = new TimeWindow(0, 30);
  trigger.onMerge(ctx.window, ctx);
  assert.deepEqual([...ctx.timers], ['event 29']);
  ctx.timers.clear();
  ctx.watermark = 40;
  trigger.onMerge(ctx.window, ctx);
  assert.deepEqual([...ctx.timers], []);
});

test('ProcessingTimeTrigger fires on its processing-time timer', () => {
  const trigger = ProcessingTimeTrigger.create();
  const ctx = new RecordingContext();
  assert.equal(trigger.onElement(null, 0, ctx.window, ctx), TriggerResult.CONTINUE);
  assert.deepEqual([...ctx.timers], ['processing 9']);
  assert.equal(trigger.onProcessingTime(9, ctx.window, ctx), TriggerResult.FIRE);
  assert.equal(trigger.onEventTime(9, ctx.window, ctx), TriggerResult.CONTINUE);
});

test('CountTrigger fires every n elements per window and merges its counts', () => {
  const trigger = CountTrigger.of<TimeWindow>(3);
  const ctx = new RecordingContext();
  const results = Array.from({ length: 7 }, () => trigger.onElement(null, 0, ctx.window, ctx));
  assert.deepEqual(results, ['CONTINUE', 'CONTINUE', 'FIRE', 'CONTINUE', 'CONTINUE', 'FIRE', 'CONTINUE']);
  // Two windows with one element each merge into a third: their counts add up.
  const a = new TimeWindow(0, 10);
  const b = new TimeWindow(5, 15);
  ctx.window = b;
  trigger.onElement(null, 0, b, ctx);
  ctx.window = new TimeWindow(0, 15);
  ctx.merged = [a, b];
  trigger.onMerge(ctx.window, ctx);
  assert.equal(trigger.onElement(null, 0, ctx.window, ctx), TriggerResult.FIRE, '1 + 1 merged, + 1 = 3');
  trigger.clear(ctx.window, ctx);
  assert.throws(() => CountTrigger.of(0));
});

test('PurgingTrigger turns every FIRE of its trigger into FIRE_AND_PURGE', () => {
  const trigger = PurgingTrigger.of(CountTrigger.of<TimeWindow>(2));
  const ctx = new RecordingContext();
  assert.deepEqual([0, 1, 2, 3].map(() => trigger.onElement(null, 0, ctx.window, ctx)), ['CONTINUE', 'FIRE_AND_PURGE', 'CONTINUE', 'FIRE_AND_PURGE']);
  assert.equal(trigger.canMerge(), true);
  assert.equal(String(trigger), 'PurgingTrigger(CountTrigger(2))');
});
