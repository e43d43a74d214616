/**
 * @module Tests of MergingWindowSet: which state window a merged window keeps, what the merge function
 * is told to merge, retiring windows, and the mapping surviving a round trip through its list state.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyGroupRange } from '../../core/key-groups.ts';
import { HeapKeyedStateBackend } from '../../state/heap-keyed-state-backend.ts';
import { ListStateDescriptor } from '../../state/state-descriptors.ts';
import type { ListState } from '../../state/state.ts';
import { Types } from '../../types/types.ts';
import { EventTimeSessionWindows } from './event-time-session-windows.ts';
import { MergingWindowSet } from './merging-window-set.ts';
import { TimeWindow, timeWindowSerializer } from './window.ts';

function setUp(): { state: ListState<[TimeWindow, TimeWindow]>; open: () => MergingWindowSet<TimeWindow> } {
  const backend = new HeapKeyedStateBackend({ keyGroupRange: new KeyGroupRange(0, 127), maxParallelism: 128 });
  backend.setCurrentKey('k');
  const state = backend.getState(new ListStateDescriptor<[TimeWindow, TimeWindow]>('merging', Types.tuple(timeWindowSerializer, timeWindowSerializer)));
  const assigner = EventTimeSessionWindows.withGap(10);
  return { state, open: () => new MergingWindowSet<TimeWindow>(assigner, state, timeWindowSerializer) };
}

interface MergeCall {
  readonly result: string;
  readonly merged: string[];
  readonly stateWindow: string;
  readonly mergedStateWindows: string[];
}

const show = (w: TimeWindow): string => `${w.start}-${w.end}`;

function add(set: MergingWindowSet<TimeWindow>, window: TimeWindow, calls: MergeCall[]): string {
  const result = set.addWindow(window, (mergeResult, merged, stateWindow, mergedStateWindows) => {
    calls.push({ result: show(mergeResult), merged: merged.map(show), stateWindow: show(stateWindow), mergedStateWindows: mergedStateWindows.map(show) });
  });
  return show(result);
}

test('a window that overlaps nothing is its own state window', () => {
  const set = setUp().open();
  const calls: MergeCall[] = [];
  assert.equal(add(set, new TimeWindow(0, 10), calls), '0-10');
  assert.equal(add(set, new TimeWindow(20, 30), calls), '20-30');
  assert.deepEqual(calls, []);
  assert.equal(show(set.getStateWindow(new TimeWindow(20, 30)) as TimeWindow), '20-30');
});

test('a new window that extends an existing one merges into it and keeps its state window; one inside it changes nothing', () => {
  const set = setUp().open();
  const calls: MergeCall[] = [];
  add(set, new TimeWindow(0, 10), calls);
  assert.equal(add(set, new TimeWindow(5, 15), calls), '0-15');
  assert.deepEqual(calls, [{ result: '0-15', merged: ['0-10'], stateWindow: '0-10', mergedStateWindows: [] }]);
  assert.equal(show(set.getStateWindow(new TimeWindow(0, 15)) as TimeWindow), '0-10');
  assert.equal(set.getStateWindow(new TimeWindow(0, 10)), undefined, 'the old window is gone');
  calls.length = 0;
  assert.equal(add(set, new TimeWindow(2, 12), calls), '0-15');
  assert.deepEqual(calls, [], 'nothing to merge: the new window lies inside an existing one');
});

test('a window that bridges two sessions merges them, moving one state window into the other', () => {
  const set = setUp().open();
  const calls: MergeCall[] = [];
  add(set, new TimeWindow(0, 10), calls);
  add(set, new TimeWindow(20, 30), calls);
  assert.equal(add(set, new TimeWindow(8, 22), calls), '0-30');
  assert.equal(calls.length, 1);
  const call = calls[0] as MergeCall;
  assert.equal(call.result, '0-30');
  assert.deepEqual(call.merged.sort(), ['0-10', '20-30']);
  // One of the two old state windows is kept; the other is merged into it.
  assert.deepEqual([call.stateWindow, ...call.mergedStateWindows].sort(), ['0-10', '20-30']);
  assert.deepEqual(set.windows().map(show), ['0-30']);
});

test('retired windows leave the set, and the mapping survives a round trip through its state', () => {
  const { state, open } = setUp();
  const set = open();
  const calls: MergeCall[] = [];
  add(set, new TimeWindow(0, 10), calls);
  add(set, new TimeWindow(5, 15), calls);
  add(set, new TimeWindow(40, 50), calls);
  set.persist();
  assert.equal([...state.get()].length, 2);
  const reopened = open();
  assert.deepEqual(reopened.windows().map(show).sort(), ['0-15', '40-50']);
  assert.equal(show(reopened.getStateWindow(new TimeWindow(0, 15)) as TimeWindow), '0-10');
  reopened.retireWindow(new TimeWindow(0, 15));
  reopened.retireWindow(new TimeWindow(40, 50));
  reopened.persist();
  assert.deepEqual([...state.get()], [], 'an empty set clears its state');
  assert.throws(() => open().retireWindow(new TimeWindow(0, 15)));
});

test('windows read back as plain data from a restore become TimeWindows again', () => {
  const { state, open } = setUp();
  state.update([[{ start: 1, end: 2 } as TimeWindow, { start: 1, end: 2 } as TimeWindow]]);
  const [window] = open().windows();
  assert.ok(window instanceof TimeWindow && window.maxTimestamp() === 1);
});
