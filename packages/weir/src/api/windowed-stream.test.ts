/**
 * @module Tests of which window operator a windowed stream builds: the SlicingWindowOperator for
 * tumbling and sliding time windows with their own trigger, no evictor and a reduce or aggregate;
 * WindowOperator for everything else, and for a job restored from WindowOperator's state.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyGroupRange } from '../core/key-groups.ts';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import type { AggregateFunction } from '../state/aggregate-function.ts';
import { snapshotBytes, testOperatorContext } from '../operators/operator-test-support.ts';
import type { OneInputStreamOperator, Output } from '../operators/stream-operator.ts';
import { CountEvictor } from '../operators/windowing/count-evictor.ts';
import { CountTrigger } from '../operators/windowing/count-trigger.ts';
import { EventTimeSessionWindows } from '../operators/windowing/event-time-session-windows.ts';
import { SlicingWindowOperator } from '../operators/windowing/slicing-window-operator.ts';
import { SlidingEventTimeWindows } from '../operators/windowing/sliding-event-time-windows.ts';
import { SlidingProcessingTimeWindows } from '../operators/windowing/sliding-processing-time-windows.ts';
import { TumblingEventTimeWindows } from '../operators/windowing/tumbling-event-time-windows.ts';
import { TumblingProcessingTimeWindows } from '../operators/windowing/tumbling-processing-time-windows.ts';
import type { TimeWindow, Window } from '../operators/windowing/window.ts';
import type { WindowAssigner } from '../operators/windowing/window-assigner.ts';
import { WindowOperator } from '../operators/windowing/window-operator.ts';
import { aggregatePlan, createWindowSettings, processPlan, reducePlan, type WindowOperatorPlan, type WindowSettings } from './windowed-stream.ts';

interface Event {
  readonly key: string;
  readonly time: number;
}

const count: AggregateFunction<Event, number, number> = { createAccumulator: () => 0, add: (_e, n) => n + 1, getResult: (n) => n, merge: (a, b) => a + b };

function instantiate(plan: WindowOperatorPlan<Event, unknown>, backend = new HeapKeyedStateBackend({ keyGroupRange: new KeyGroupRange(0, 127), maxParallelism: 128 })): OneInputStreamOperator<Event, unknown> {
  const output: Output<unknown> = { collect: () => {}, collectSide: () => {}, emitWatermark: () => {}, emitWatermarkStatus: () => {} };
  const context = testOperatorContext({ keyed: { keySelector: (value) => (value as Event).key, backend } });
  return plan.factory(context, output);
}

function settings(assigner: WindowAssigner<unknown, TimeWindow>): WindowSettings<Event, Window> {
  return createWindowSettings(assigner as WindowAssigner<Event, Window>, undefined);
}

test('tumbling and sliding time windows with their own trigger run a reduce or an aggregate on slices', () => {
  for (const assigner of [SlidingEventTimeWindows.of(10_000, 2_000), TumblingEventTimeWindows.of(1_000), SlidingProcessingTimeWindows.of(60, 20), TumblingProcessingTimeWindows.of(50)]) {
    assert.ok(instantiate(aggregatePlan(settings(assigner), count, undefined)) instanceof SlicingWindowOperator, String(assigner));
    assert.ok(instantiate(reducePlan(settings(assigner), (a: Event) => a, undefined)) instanceof SlicingWindowOperator, String(assigner));
  }
});

test('custom triggers, evictors, session windows and process over all elements keep WindowOperator', () => {
  const withTrigger = settings(SlidingEventTimeWindows.of(100, 20));
  withTrigger.trigger = CountTrigger.of(3);
  const withEvictor = settings(TumblingEventTimeWindows.of(100));
  withEvictor.evictor = CountEvictor.of(2);
  const sessions = createWindowSettings(EventTimeSessionWindows.withGap(10) as unknown as WindowAssigner<Event, Window>, undefined);
  for (const plan of [aggregatePlan(withTrigger, count, undefined), aggregatePlan(withEvictor, count, undefined), aggregatePlan(sessions, count, undefined)]) {
    assert.ok(instantiate(plan) instanceof WindowOperator, plan.name);
  }
  assert.ok(instantiate(processPlan(settings(TumblingEventTimeWindows.of(100)), () => {})) instanceof WindowOperator);
});

test('a job restored from WindowOperator state keeps WindowOperator, one restored from slices keeps slicing', () => {
  const plan = aggregatePlan(settings(TumblingEventTimeWindows.of(100)), count, undefined);
  const snapshotOf = (operator: (backend: HeapKeyedStateBackend) => OneInputStreamOperator<Event, unknown>): Uint8Array => {
    const backend = new HeapKeyedStateBackend({ keyGroupRange: new KeyGroupRange(0, 127), maxParallelism: 128 });
    operator(backend).processElement({ key: 'a', time: 5 }, 5);
    return snapshotBytes(backend);
  };
  const restored = (bytes: Uint8Array): HeapKeyedStateBackend => {
    const backend = new HeapKeyedStateBackend({ keyGroupRange: new KeyGroupRange(0, 127), maxParallelism: 128 });
    backend.restore([bytes]);
    return backend;
  };
  const withCountTrigger = settings(TumblingEventTimeWindows.of(100));
  withCountTrigger.trigger = CountTrigger.of(1000);
  const windowOperatorState = snapshotOf((backend) => instantiate(aggregatePlan(withCountTrigger, count, undefined), backend));
  assert.ok(instantiate(plan, restored(windowOperatorState)) instanceof WindowOperator);
  const sliceState = snapshotOf((backend) => instantiate(plan, backend));
  assert.ok(instantiate(plan, restored(sliceState)) instanceof SlicingWindowOperator);
});
