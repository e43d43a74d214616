/**
 * @module Tests of the window assigners (each compared with a plain computation of the windows a
 * timestamp belongs to), of TimeWindow's merging, and of the errors for bad sizes and missing
 * timestamps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../../core/errors.ts';
import { EventTimeSessionWindows } from './event-time-session-windows.ts';
import { EventTimeTrigger } from './event-time-trigger.ts';
import { GlobalWindows } from './global-windows.ts';
import { ProcessingTimeSessionWindows } from './processing-time-session-windows.ts';
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import { SlidingEventTimeWindows } from './sliding-event-time-windows.ts';
import { SlidingProcessingTimeWindows } from './sliding-processing-time-windows.ts';
import { TumblingEventTimeWindows } from './tumbling-event-time-windows.ts';
import { TumblingProcessingTimeWindows } from './tumbling-processing-time-windows.ts';
import { GlobalWindow, TimeWindow } from './window.ts';

const noContext = { getCurrentProcessingTime: (): number => 0 };
const spans = (windows: readonly TimeWindow[]): [number, number][] => windows.map((w) => [w.start, w.end]);

test('a tumbling window holds its timestamp and starts at a multiple of its size plus the offset, for negative timestamps too', () => {
  for (const [size, offset] of [[100, 0], [100, 30], [100, -30], [7, 3]] as const) {
    const assigner = TumblingEventTimeWindows.of(size, offset);
    for (let t = -350; t < 350; t += 13) {
      const [window, ...rest] = assigner.assignWindows(null, t);
      assert.equal(rest.length, 0);
      assert.ok(window !== undefined && window.start <= t && t < window.end && window.end - window.start === size, `t=${t}`);
      assert.equal((((window.start - offset) % size) + size) % size, 0, `t=${t} starts at ${window.start}`);
      assert.equal(window.maxTimestamp(), window.end - 1);
    }
  }
  assert.deepEqual(spans(TumblingEventTimeWindows.of(1000).assignWindows(null, -1)), [[-1000, 0]]);
  assert.ok(TumblingEventTimeWindows.of(10).getDefaultTrigger() instanceof EventTimeTrigger);
  assert.equal(TumblingEventTimeWindows.of(10).isEventTime(), true);
});

test('sliding windows: every window of the size that starts at a multiple of the slide and holds the timestamp', () => {
  for (const [size, slide, offset] of [[60, 20, 0], [50, 20, 5], [30, 30, 0], [10, 25, 0]] as const) {
    const assigner = SlidingEventTimeWindows.of(size, slide, offset);
    for (let t = -200; t < 200; t += 7) {
      const expected: [number, number][] = [];
      for (let start = -100 * slide + offset; start <= t; start += slide) if (t < start + size) expected.push([start, start + size]);
      assert.deepEqual(spans(assigner.assignWindows(null, t)).sort((a, b) => a[0] - b[0]), expected, `size ${size} slide ${slide} t=${t}`);
    }
  }
});

test('processing-time assigners use the processing time of the context, not the timestamp', () => {
  const context = { getCurrentProcessingTime: (): number => 1234 };
  assert.deepEqual(spans(TumblingProcessingTimeWindows.of(100).assignWindows(null, 5, context)), [[1200, 1300]]);
  assert.deepEqual(spans(SlidingProcessingTimeWindows.of(200, 100).assignWindows(null, 5, context)).sort((a, b) => a[0] - b[0]), [[1100, 1300], [1200, 1400]]);
  assert.deepEqual(spans(ProcessingTimeSessionWindows.withGap(50).assignWindows(null, 5, context)), [[1234, 1284]]);
  assert.ok(TumblingProcessingTimeWindows.of(100).getDefaultTrigger() instanceof ProcessingTimeTrigger);
  assert.equal(SlidingProcessingTimeWindows.of(2, 1).isEventTime(), false);
});

test('a session window spans the gap after its element', () => {
  assert.deepEqual(spans(EventTimeSessionWindows.withGap(30).assignWindows(null, 100)), [[100, 130]]);
});

test('TimeWindow.mergeWindows groups windows that overlap or touch and reports each group of two or more', () => {
  let seed = 5;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return Math.floor((seed / 2 ** 32) * n);
  };
  for (let round = 0; round < 200; round++) {
    const windows = Array.from({ length: 1 + random(8) }, () => {
      const start = random(100);
      return new TimeWindow(start, start + 1 + random(20));
    });
    const merged: { members: TimeWindow[]; result: TimeWindow }[] = [];
    TimeWindow.mergeWindows(windows, (members, result) => merged.push({ members, result }));
    // Reference: union-find over "intersects" (start <= other end and end >= other start).
    const group = windows.map((_, i) => i);
    const find = (i: number): number => (group[i] === i ? i : (group[i] = find(group[i] as number)));
    for (let i = 0; i < windows.length; i++) {
      for (let j = 0; j < windows.length; j++) {
        const a = windows[i] as TimeWindow;
        const b = windows[j] as TimeWindow;
        if (a.start <= b.end && a.end >= b.start) group[find(i)] = find(j);
      }
    }
    const expected = new Map<number, TimeWindow[]>();
    windows.forEach((w, i) => expected.set(find(i), [...(expected.get(find(i)) ?? []), w]));
    const expectedGroups = [...expected.values()]
      .filter((g) => g.length > 1)
      .map((g) => [Math.min(...g.map((w) => w.start)), Math.max(...g.map((w) => w.end)), g.length])
      .sort((a, b) => (a[0] as number) - (b[0] as number));
    const actualGroups = merged.map((m) => [m.result.start, m.result.end, m.members.length]).sort((a, b) => (a[0] as number) - (b[0] as number));
    assert.deepEqual(actualGroups, expectedGroups, `round ${round}`);
  }
});

test('global windows put every element into the one global window, which never ends by time', () => {
  const [window] = GlobalWindows.create().assignWindows();
  assert.equal(window, GlobalWindow.get());
  assert.equal(GlobalWindow.get().maxTimestamp(), Number.POSITIVE_INFINITY);
  assert.equal(GlobalWindows.create().isEventTime(), false);
});

test('window serializers write time windows as plain { start, end } and turn plain data back into windows', async () => {
  const { timeWindowSerializer, globalWindowSerializer } = await import('./window.ts');
  const { DataOutput } = await import('../../types/data-output.ts');
  const { DataInput } = await import('../../types/data-input.ts');
  const out = new DataOutput(64);
  timeWindowSerializer.write(new TimeWindow(-5, 10), out);
  globalWindowSerializer.write(GlobalWindow.get(), out);
  const input = new DataInput(out.view());
  const read = timeWindowSerializer.read(input);
  assert.ok(read instanceof TimeWindow && read.start === -5 && read.end === 10);
  assert.equal(globalWindowSerializer.read(input), GlobalWindow.get());
  assert.deepEqual(timeWindowSerializer.describe(), { type: 'object', fields: { start: { type: 'number' }, end: { type: 'number' } } });
  assert.ok(timeWindowSerializer.toWindow({ start: 1, end: 2 }).equals(new TimeWindow(1, 2)));
  assert.equal(globalWindowSerializer.toWindow({}), GlobalWindow.get());
});

test('bad window sizes, slides, gaps and offsets are reported by name', () => {
  const invalid = (run: () => unknown, fragment: string): void => {
    assert.throws(run, (error: unknown) => error instanceof WeirError && error.code === 'INVALID_OPTION' && error.message.includes(fragment));
  };
  invalid(() => TumblingEventTimeWindows.of(0), "'size'");
  invalid(() => TumblingEventTimeWindows.of(-5), "'size'");
  invalid(() => TumblingEventTimeWindows.of(10, 10), "'offset'");
  invalid(() => SlidingEventTimeWindows.of(10, 0), "'slide'");
  invalid(() => EventTimeSessionWindows.withGap(Number.NaN), "'gap'");
  invalid(() => TumblingProcessingTimeWindows.of(Number.POSITIVE_INFINITY), "'size'");
});

test('event-time assigners reject a record without a timestamp, saying how to give it one', () => {
  for (const assigner of [TumblingEventTimeWindows.of(10), SlidingEventTimeWindows.of(10, 5), EventTimeSessionWindows.withGap(10)]) {
    assert.throws(
      () => assigner.assignWindows(null, Number.NEGATIVE_INFINITY, noContext),
      (error: unknown) => error instanceof WeirError && error.code === 'INVALID_TIMESTAMP' && error.hint?.includes('WatermarkStrategy') === true,
    );
  }
});
