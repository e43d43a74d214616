/**
 * @module Tests of the WindowOperator driven by hand: records, watermarks and a manual processing-time
 * clock in, what it emits out, each compared with a plain reference computation over the same input;
 * and a snapshot taken mid-way and restored into a new operator, after which every window fires once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyGroupRange, type Key } from '../../core/key-groups.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { HeapKeyedStateBackend } from '../../state/heap-keyed-state-backend.ts';
import { ReducingStateDescriptor, ListStateDescriptor, AggregatingStateDescriptor, ValueStateDescriptor } from '../../state/state-descriptors.ts';
import type { AggregateFunction } from '../../state/aggregate-function.ts';
import { Types } from '../../types/types.ts';
import type { Collector } from '../functions.ts';
import { ProcessWindowFunction, type ProcessWindowFunctionContext } from './process-window-function.ts';
import { OutputTag } from '../output-tag.ts';
import type { Output, StreamOperatorContext } from '../stream-operator.ts';
import { CountEvictor } from './count-evictor.ts';
import { CountTrigger } from './count-trigger.ts';
import { EventTimeSessionWindows } from './event-time-session-windows.ts';
import { GlobalWindows } from './global-windows.ts';
import { iterableWindowFunction, singleValueWindowFunction, type InternalWindowFunction } from './internal-window-function.ts';
import { PurgingTrigger } from './purging-trigger.ts';
import { SlidingEventTimeWindows } from './sliding-event-time-windows.ts';
import { TumblingEventTimeWindows } from './tumbling-event-time-windows.ts';
import { TumblingProcessingTimeWindows } from './tumbling-processing-time-windows.ts';
import type { TimeWindow, Window } from './window.ts';
import type { WindowAssigner } from './window-assigner.ts';
import { WindowOperator, type WindowOperatorOptions } from './window-operator.ts';
import { ManualTimeService, snapshotBytes, testOperatorContext } from '../operator-test-support.ts';

interface Event {
  readonly key: string;
  readonly value: number;
  readonly time: number;
}

interface Emitted<R> {
  readonly value: R;
  readonly timestamp: number;
}

/** One operator subtask over every key group, with its emitted records, side outputs and watermarks. */
class Harness<R> {
  readonly time: ManualTimeService;
  readonly backend: HeapKeyedStateBackend;
  readonly out: Emitted<R>[] = [];
  readonly side = new Map<string, Emitted<unknown>[]>();
  readonly watermarks: number[] = [];
  readonly operator: WindowOperator<Event, R, Key, Window>;

  constructor(options: WindowOperatorOptions<Event, R, Key, Window>, restoreFrom?: Uint8Array, time = new ManualTimeService()) {
    this.time = time;
    this.backend = new HeapKeyedStateBackend({ keyGroupRange: new KeyGroupRange(0, 127), maxParallelism: 128, operatorDescription: 'operator test' });
    if (restoreFrom !== undefined) this.backend.restore([restoreFrom]);
    const output: Output<R> = {
      collect: (value, timestamp) => this.out.push({ value, timestamp }),
      collectSide: (tag, value, timestamp) => {
        const list = this.side.get(tag.id) ?? [];
        list.push({ value, timestamp });
        this.side.set(tag.id, list);
      },
      emitWatermark: (timestamp) => this.watermarks.push(timestamp),
      emitWatermarkStatus: () => {},
    };
    const context = testOperatorContext({ keyed: { keySelector: (value) => (value as Event).key, backend: this.backend }, time, restored: restoreFrom !== undefined });
    this.operator = new WindowOperator(options, context, output, context.keyed as NonNullable<StreamOperatorContext['keyed']>);
  }

  async open(): Promise<this> {
    await this.operator.open();
    return this;
  }

  element(event: Event): void {
    this.operator.processElement(event, event.time);
  }

  watermark(timestamp: number): void {
    this.operator.processWatermark(timestamp);
  }

  snapshot(): Uint8Array {
    return snapshotBytes(this.backend);
  }
}

const sum = (a: Event, b: Event): Event => ({ key: a.key, value: a.value + b.value, time: Math.max(a.time, b.time) });

type Fired = [key: string, start: number, end: number, value: number];

/** A window function that reports [key, start, end, sum of values] for TimeWindows. */
function reportSum(): InternalWindowFunction<unknown, Fired, Key, Window> {
  return singleValueWindowFunction<Event, Fired, Key, Window>((key, ctx, elements, out) => {
    const window = ctx.window() as unknown as { start: number; end: number };
    for (const e of elements) out.collect([key as string, window.start, window.end, e.value]);
  }) as InternalWindowFunction<unknown, Fired, Key, Window>;
}

function reduceOptions(assigner: WindowAssigner<unknown, Window>, extra: Partial<WindowOperatorOptions<Event, Fired, Key, Window>> = {}): WindowOperatorOptions<Event, Fired, Key, Window> {
  return {
    assigner: assigner,
    trigger: assigner.getDefaultTrigger(),
    contents: new ReducingStateDescriptor<Event>('window-contents', sum),
    windowFunction: reportSum(),
    allowedLateness: 0,
    ...extra,
  };
}

/** A seeded generator of events: `count` events over `keys` keys, in time order with bounded disorder. */
function events(count: number, keys: number, spacing: number, disorder: number, seed: number): Event[] {
  let state = seed;
  const random = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: count }, (_, i) => ({
    key: `k${Math.floor(random() * keys)}`,
    value: 1 + Math.floor(random() * 10),
    time: i * spacing + Math.floor(random() * disorder),
  }));
}

const byValue = (a: Fired, b: Fired): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || a[2] - b[2] || a[3] - b[3]);

test('tumbling event-time windows fire once per key and window with the sum of their elements, stamped with the window end - 1', async () => {
  const input = events(500, 5, 10, 40, 1);
  const h = await new Harness(reduceOptions(TumblingEventTimeWindows.of(100))).open();
  let maxTime = Number.NEGATIVE_INFINITY;
  for (const [i, event] of input.entries()) {
    h.element(event);
    maxTime = Math.max(maxTime, event.time);
    if (i % 7 === 0) h.watermark(maxTime - 50);
  }
  h.watermark(Number.POSITIVE_INFINITY);
  const expected = new Map<string, Fired>();
  for (const e of input) {
    const start = Math.floor(e.time / 100) * 100;
    const id = `${e.key}/${start}`;
    const previous = expected.get(id);
    expected.set(id, [e.key, start, start + 100, (previous?.[3] ?? 0) + e.value]);
  }
  assert.deepEqual(h.out.map((o) => o.value).sort(byValue), [...expected.values()].sort(byValue));
  for (const o of h.out) assert.equal(o.timestamp, o.value[2] - 1);
  assert.equal(h.watermarks.at(-1), Number.POSITIVE_INFINITY, 'watermarks pass through');
  assert.equal(h.backend.numKeys('window-contents'), 0, 'every window was cleaned up');
});

test('a window fires when the watermark reaches its end - 1, not before', async () => {
  const h = await new Harness(reduceOptions(TumblingEventTimeWindows.of(100))).open();
  h.element({ key: 'a', value: 1, time: 10 });
  h.element({ key: 'a', value: 2, time: 99 });
  h.watermark(98);
  assert.equal(h.out.length, 0);
  h.watermark(99);
  assert.deepEqual(h.out.map((o) => o.value), [['a', 0, 100, 3]]);
});

test('sliding event-time windows give each element to size/slide windows', async () => {
  const input = events(300, 3, 7, 20, 2);
  const h = await new Harness(reduceOptions(SlidingEventTimeWindows.of(60, 20))).open();
  for (const event of input) h.element(event);
  h.watermark(Number.POSITIVE_INFINITY);
  const expected = new Map<string, Fired>();
  for (const e of input) {
    for (let start = Math.floor(e.time / 20) * 20; start > e.time - 60; start -= 20) {
      const id = `${e.key}/${start}`;
      expected.set(id, [e.key, start, start + 60, (expected.get(id)?.[3] ?? 0) + e.value]);
    }
  }
  assert.deepEqual(h.out.map((o) => o.value).sort(byValue), [...expected.values()].sort(byValue));
});

/** Sessions per key of a reference: sorted timestamps, a new session after a gap longer than `gap`. */
function referenceSessions(input: readonly Event[], gap: number): Fired[] {
  const byKey = new Map<string, Event[]>();
  for (const e of input) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
  const sessions: Fired[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.time - b.time);
    let current: Fired | undefined;
    for (const e of list) {
      if (current !== undefined && e.time <= current[2]) {
        current[2] = Math.max(current[2], e.time + gap);
        current[3] += e.value;
      } else {
        if (current !== undefined) sessions.push(current);
        current = [key, e.time, e.time + gap, e.value];
      }
    }
    if (current !== undefined) sessions.push(current);
  }
  return sessions;
}

test('event-time session windows merge overlapping sessions, also when elements arrive out of order', async () => {
  for (const seed of [3, 4, 5]) {
    const input = events(400, 4, 25, 80, seed);
    const h = await new Harness(reduceOptions(EventTimeSessionWindows.withGap(60))).open();
    let maxTime = Number.NEGATIVE_INFINITY;
    for (const event of input) {
      h.element(event);
      maxTime = Math.max(maxTime, event.time);
      // The watermark stays 100 behind, above the 80 of disorder: nothing is late.
      h.watermark(maxTime - 100);
    }
    h.watermark(Number.POSITIVE_INFINITY);
    assert.deepEqual(h.out.map((o) => o.value).sort(byValue), referenceSessions(input, 60).sort(byValue), `seed ${seed}`);
    assert.equal(h.backend.numKeys('merging-window-set'), 0, 'the merging window sets are empty at the end');
  }
});

test('session windows with a ProcessWindowFunction get every element of the merged session', async () => {
  const h = await new Harness<[string, number, number[]]>({
    assigner: EventTimeSessionWindows.withGap(10),
    trigger: EventTimeSessionWindows.withGap(10).getDefaultTrigger(),
    contents: new ListStateDescriptor<Event>('window-contents'),
    windowFunction: iterableWindowFunction<Event, [string, number, number[]], Key, Window>((key, ctx, elements, out) => {
      out.collect([key as string, (ctx.window() as unknown as { start: number }).start, [...elements].map((e) => e.time).sort((a, b) => a - b)]);
    }) as InternalWindowFunction<unknown, [string, number, number[]], Key, Window>,
    allowedLateness: 0,
  }).open();
  for (const time of [1, 30, 15, 8, 22]) h.element({ key: 'a', value: 1, time });
  h.watermark(Number.POSITIVE_INFINITY);
  // 1, 8, 15, 22 and 30 are each within 10 of the next: one session once 8, 15 and 22 arrived.
  assert.deepEqual(h.out.map((o) => o.value), [['a', 1, [1, 8, 15, 22, 30]]]);
});

/**
 * The reference of event-time windows with allowed lateness (Flink's semantics): a record whose every
 * window is past end + lateness is late (side output); one whose window already fired but is within
 * lateness fires that window again with everything so far.
 */
function referenceLateness(script: readonly (Event | number)[], size: number, lateness: number): { fired: Fired[]; late: Event[] } {
  let watermark = Number.NEGATIVE_INFINITY;
  const windows = new Map<string, { key: string; start: number; sum: number; fired: boolean }>();
  const fired: Fired[] = [];
  const late: Event[] = [];
  for (const item of script) {
    if (typeof item === 'number') {
      if (item <= watermark) continue;
      watermark = item;
      for (const [id, w] of [...windows].sort(([, a], [, b]) => a.start - b.start)) {
        const end = w.start + size;
        if (!w.fired && end - 1 <= watermark) {
          fired.push([w.key, w.start, end, w.sum]);
          w.fired = true;
        }
        if (end - 1 + lateness <= watermark) windows.delete(id);
      }
      continue;
    }
    const start = Math.floor(item.time / size) * size;
    if (start + size - 1 + lateness <= watermark) {
      late.push(item);
      continue;
    }
    const id = `${item.key}/${start}`;
    const w = windows.get(id) ?? { key: item.key, start, sum: 0, fired: false };
    w.sum += item.value;
    windows.set(id, w);
    if (start + size - 1 <= watermark) {
      fired.push([w.key, start, start + size, w.sum]);
      w.fired = true;
    }
  }
  return { fired, late };
}

test('allowed lateness fires a window again for a late element and sends later ones to the late-data side output', async () => {
  const late = new OutputTag<Event>('late');
  const input = events(600, 3, 10, 300, 9);
  const script: (Event | number)[] = [];
  let maxTime = Number.NEGATIVE_INFINITY;
  for (const event of input) {
    script.push(event);
    maxTime = Math.max(maxTime, event.time);
    script.push(maxTime - 20);
  }
  script.push(Number.POSITIVE_INFINITY);
  const h = await new Harness(
    reduceOptions(TumblingEventTimeWindows.of(50), { allowedLateness: 100, lateDataOutputTag: late }),
  ).open();
  for (const item of script) {
    if (typeof item === 'number') h.watermark(item);
    else h.element(item);
  }
  const expected = referenceLateness(script, 50, 100);
  assert.ok(expected.late.length > 10 && expected.fired.length > 100, 'the input has late and re-fired windows');
  assert.ok(expected.fired.length > new Set(expected.fired.map((f) => `${f[0]}/${f[1]}`)).size, 'some windows fire more than once');
  assert.deepEqual(h.out.map((o) => o.value).sort(byValue), expected.fired.sort(byValue));
  assert.deepEqual((h.side.get('late') ?? []).map((o) => o.value), expected.late);
  assert.equal(h.operator.numLateRecordsDropped, 0);
});

test('without a late-data side output, late elements are dropped and counted', async () => {
  const h = await new Harness(reduceOptions(TumblingEventTimeWindows.of(10))).open();
  h.element({ key: 'a', value: 1, time: 5 });
  h.watermark(20);
  h.element({ key: 'a', value: 1, time: 3 });
  h.element({ key: 'b', value: 1, time: 9 });
  h.element({ key: 'b', value: 1, time: 25 });
  assert.equal(h.operator.numLateRecordsDropped, 2);
  h.watermark(Number.POSITIVE_INFINITY);
  assert.deepEqual(h.out.map((o) => o.value).sort(byValue), [['a', 0, 10, 1], ['b', 20, 30, 1]]);
});

test('a purging count trigger on global windows fires every n elements of a key', async () => {
  const input = events(103, 3, 1, 0, 11);
  const assigner = GlobalWindows.create() as unknown as WindowAssigner<Event, Window>;
  const h = await new Harness<[string, number[]]>({
    assigner,
    trigger: PurgingTrigger.of(CountTrigger.of(4)),
    contents: new ListStateDescriptor<Event>('window-contents'),
    windowFunction: iterableWindowFunction<Event, [string, number[]], Key, Window>((key, _ctx, elements, out) => {
      out.collect([key as string, [...elements].map((e) => e.time)]);
    }) as InternalWindowFunction<unknown, [string, number[]], Key, Window>,
    allowedLateness: 0,
  }).open();
  for (const event of input) h.element(event);
  h.watermark(Number.POSITIVE_INFINITY);
  const expected: [string, number[]][] = [];
  const pending = new Map<string, number[]>();
  for (const e of input) {
    const list = [...(pending.get(e.key) ?? []), e.time];
    if (list.length === 4) {
      expected.push([e.key, list]);
      pending.delete(e.key);
    } else pending.set(e.key, list);
  }
  assert.deepEqual(h.out.map((o) => o.value), expected);
  assert.ok(h.out.every((o) => o.timestamp === Number.POSITIVE_INFINITY), 'global windows stamp records with their max timestamp');
});

test('a count evictor with a count trigger makes sliding count windows: the last 5 elements every 2', async () => {
  const input = events(60, 2, 1, 0, 12);
  const h = await new Harness<[string, number]>({
    assigner: GlobalWindows.create(),
    trigger: CountTrigger.of(2),
    contents: new ListStateDescriptor<unknown>('window-contents'),
    windowFunction: iterableWindowFunction<Event, [string, number], Key, Window>((key, _ctx, elements, out) => {
      out.collect([key as string, [...elements].reduce((s, e) => s + e.value, 0)]);
    }) as InternalWindowFunction<unknown, [string, number], Key, Window>,
    allowedLateness: 0,
    evictor: CountEvictor.of(5),
  }).open();
  for (const event of input) h.element(event);
  const expected: [string, number][] = [];
  const seen = new Map<string, Event[]>();
  for (const e of input) {
    const list = [...(seen.get(e.key) ?? []), e];
    seen.set(e.key, list);
    if (list.length % 2 === 0) expected.push([e.key, list.slice(-5).reduce((s, x) => s + x.value, 0)]);
  }
  assert.deepEqual(h.out.map((o) => o.value), expected);
});

test('an aggregate keeps one accumulator per window and emits its result', async () => {
  const average: AggregateFunction<Event, { sum: number; count: number }, number> = {
    createAccumulator: () => ({ sum: 0, count: 0 }),
    add: (e, acc) => ({ sum: acc.sum + e.value, count: acc.count + 1 }),
    getResult: (acc) => acc.sum / acc.count,
    merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
  };
  const h = await new Harness<number>({
    assigner: TumblingEventTimeWindows.of(10),
    trigger: TumblingEventTimeWindows.of(10).getDefaultTrigger(),
    contents: new AggregatingStateDescriptor('window-contents', average),
    windowFunction: singleValueWindowFunction<number, number, Key, Window>(undefined) as InternalWindowFunction<unknown, number, Key, Window>,
    allowedLateness: 0,
  }).open();
  for (const [time, value] of [[1, 2], [5, 4], [12, 9]] as const) h.element({ key: 'a', value, time });
  h.watermark(Number.POSITIVE_INFINITY);
  assert.deepEqual(h.out.map((o) => o.value), [3, 9]);
});

test('processing-time windows fire when the clock passes their end', async () => {
  const time = new ManualTimeService();
  const h = await new Harness(reduceOptions(TumblingProcessingTimeWindows.of(100)), undefined, time).open();
  const start = Math.floor(time.now() / 100) * 100;
  h.operator.processElement({ key: 'a', value: 1, time: 0 }, NO_TIMESTAMP);
  time.advanceTo(start + 50);
  h.operator.processElement({ key: 'a', value: 2, time: 0 }, NO_TIMESTAMP);
  h.operator.processElement({ key: 'b', value: 5, time: 0 }, NO_TIMESTAMP);
  time.advanceTo(start + 98);
  assert.equal(h.out.length, 0);
  time.advanceTo(start + 99);
  assert.deepEqual(h.out.map((o) => o.value).sort(byValue), [['a', start, start + 100, 3], ['b', start, start + 100, 5]]);
  time.advanceTo(start + 100);
  h.operator.processElement({ key: 'a', value: 7, time: 0 }, NO_TIMESTAMP);
  time.advanceTo(start + 199);
  assert.deepEqual(h.out.at(-1)?.value, ['a', start + 100, start + 200, 7]);
});

test('a snapshot taken mid-way restores windows and their timers: after the restore every window fires exactly once', async () => {
  for (const assigner of [TumblingEventTimeWindows.of(100), EventTimeSessionWindows.withGap(40)] as WindowAssigner<unknown, Window>[]) {
    const input = events(400, 4, 10, 30, 21);
    const script: (Event | number)[] = [];
    let maxTime = Number.NEGATIVE_INFINITY;
    for (const event of input) {
      script.push(event);
      maxTime = Math.max(maxTime, event.time);
      script.push(maxTime - 50);
    }
    script.push(Number.POSITIVE_INFINITY);
    const run = (h: Harness<Fired>, items: readonly (Event | number)[]): void => {
      for (const item of items) {
        if (typeof item === 'number') h.watermark(item);
        else h.element(item);
      }
    };
    const whole = await new Harness(reduceOptions(assigner)).open();
    run(whole, script);

    const cut = Math.floor(script.length / 2);
    const first = await new Harness(reduceOptions(assigner)).open();
    run(first, script.slice(0, cut));
    const bytes = first.snapshot();
    const second = await new Harness(reduceOptions(assigner), bytes).open();
    // After a restore the watermark starts over, as in Flink; the remaining input brings it back.
    run(second, script.slice(cut));
    const restored = [...first.out, ...second.out].map((o) => o.value).sort(byValue);
    assert.deepEqual(restored, whole.out.map((o) => o.value).sort(byValue), String(assigner));
    assert.equal(new Set(restored.map((f) => `${f[0]}/${f[1]}`)).size, restored.length, 'no window fired twice');
  }
});

test('a ProcessWindowFunction keeps state per window and per key, and clear() runs when the window is purged for good', async () => {
  const firings = new ValueStateDescriptor<number>('firings', Types.number);
  const total = new ValueStateDescriptor<number>('total', Types.number);
  const cleared: number[] = [];
  class Counting extends ProcessWindowFunction<Event, [number, number, number], Key, Window> {
    process(_key: Key, ctx: ProcessWindowFunctionContext<Window>, elements: Iterable<Event>, out: Collector<[number, number, number]>): void {
      const perWindow = ctx.windowState().getState(firings);
      perWindow.update((perWindow.value() ?? 0) + 1);
      const perKey = ctx.globalState().getState(total);
      perKey.update((perKey.value() ?? 0) + [...elements].length);
      out.collect([(ctx.window() as unknown as TimeWindow).start, perWindow.value() ?? 0, perKey.value() ?? 0]);
    }
    override clear(ctx: ProcessWindowFunctionContext<Window>): void {
      cleared.push((ctx.window() as unknown as TimeWindow).start);
      ctx.windowState().getState(firings).clear();
    }
  }
  const h = await new Harness<[number, number, number]>({
    assigner: TumblingEventTimeWindows.of(10),
    trigger: TumblingEventTimeWindows.of(10).getDefaultTrigger(),
    contents: new ListStateDescriptor<Event>('window-contents'),
    windowFunction: iterableWindowFunction(new Counting()) as InternalWindowFunction<unknown, [number, number, number], Key, Window>,
    allowedLateness: 20,
  }).open();
  h.element({ key: 'a', value: 1, time: 1 });
  h.element({ key: 'a', value: 1, time: 12 });
  h.watermark(9);
  h.element({ key: 'a', value: 1, time: 5 }); // late but within the allowed lateness: fires [0, 10) again
  h.watermark(19);
  h.watermark(29); // [0, 10) is purged for good at 9 + 20
  assert.deepEqual(h.out.map((o) => o.value), [[0, 1, 1], [0, 2, 3], [10, 1, 4]]);
  assert.deepEqual(cleared, [0]);
  h.watermark(Number.POSITIVE_INFINITY);
  assert.deepEqual(cleared, [0, 10]);
  assert.equal(h.backend.numKeys('firings'), 0, 'clear() dropped the per-window state');
});
