/**
 * @module Tests of the SlicingWindowOperator driven by hand, against a plain reference loop of Flink's
 * window semantics (and WindowOperator on the same input): sliding and tumbling windows, out-of-order
 * and late elements, allowed lateness, late-data side output, processing time, snapshots and rescaling.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyGroupRange, keyGroupOf, keyGroupRangeForSubtask, type Key } from '../../core/key-groups.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import type { AggregateFunction, ReduceFunction } from '../../state/aggregate-function.ts';
import { HeapKeyedStateBackend } from '../../state/heap-keyed-state-backend.ts';
import { AggregatingStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../../state/state-descriptors.ts';
import { Types } from '../../types/types.ts';
import type { Collector } from '../functions.ts';
import { OutputTag } from '../output-tag.ts';
import type { KeyedContext, OneInputStreamOperator, Output, StreamOperatorContext } from '../stream-operator.ts';
import { singleValueWindowFunction, type InternalWindowFunction } from './internal-window-function.ts';
import { ProcessWindowFunction, type ProcessWindowFunctionContext } from './process-window-function.ts';
import { SlidingEventTimeWindows } from './sliding-event-time-windows.ts';
import { SlidingProcessingTimeWindows } from './sliding-processing-time-windows.ts';
import { SlicingWindowOperator, windowSlicingOf, type SliceFunction } from './slicing-window-operator.ts';
import { TumblingEventTimeWindows } from './tumbling-event-time-windows.ts';
import { TumblingProcessingTimeWindows } from './tumbling-processing-time-windows.ts';
import type { TimeWindow, Window } from './window.ts';
import type { WindowAssigner } from './window-assigner.ts';
import { WindowOperator, type WindowContentsDescriptor } from './window-operator.ts';
import { ManualTimeService, snapshotBytes, testOperatorContext } from '../operator-test-support.ts';

interface Event {
  readonly key: string;
  readonly value: number;
  readonly time: number;
}

/** [key, start, end, sum, count] of a fired window, stamped with its timestamp. */
type Fired = [key: string, start: number, end: number, sum: number, count: number];

type OperatorFactory = (context: StreamOperatorContext, output: Output<unknown>, keyed: KeyedContext) => OneInputStreamOperator<Event, unknown> & { readonly numLateRecordsDropped: number };

/** One operator subtask over `range` of 128 key groups, with its emitted records, side outputs and cleared windows. */
class Harness {
  readonly time: ManualTimeService;
  readonly backend: HeapKeyedStateBackend;
  readonly out: { value: unknown; timestamp: number }[] = [];
  readonly late: Event[] = [];
  readonly operator: OneInputStreamOperator<Event, unknown> & { readonly numLateRecordsDropped: number };
  readonly #size: number;

  constructor(create: OperatorFactory, size: number, options: { restoreFrom?: Uint8Array[]; time?: ManualTimeService; range?: KeyGroupRange } = {}) {
    this.#size = size;
    this.time = options.time ?? new ManualTimeService();
    this.backend = new HeapKeyedStateBackend({ keyGroupRange: options.range ?? new KeyGroupRange(0, 127), maxParallelism: 128, operatorDescription: 'operator test' });
    if (options.restoreFrom !== undefined) this.backend.restore(options.restoreFrom);
    const output: Output<unknown> = {
      collect: (value, timestamp) => this.out.push({ value, timestamp }),
      collectSide: (_tag, value) => this.late.push(value as Event),
      emitWatermark: () => {},
      emitWatermarkStatus: () => {},
    };
    const keyed: KeyedContext = { keySelector: (value) => (value as Event).key, backend: this.backend };
    const context = testOperatorContext({ keyed, time: this.time, restored: options.restoreFrom !== undefined });
    this.operator = create(context, output, keyed);
  }

  async open(): Promise<this> {
    await this.operator.open();
    return this;
  }

  run(script: readonly (Event | number)[]): this {
    for (const item of script) {
      if (typeof item === 'number') this.operator.processWatermark(item);
      else this.operator.processElement(item, item.time);
    }
    return this;
  }

  snapshot(): Uint8Array {
    return snapshotBytes(this.backend);
  }

  /** What fired, each with its window; a window ends right after the timestamp of what it emitted. */
  fired(): Fired[] {
    return this.out.map((o) => firedOf(o.value, o.timestamp, this.#size));
  }
}

interface Accumulator {
  key: string;
  sum: number;
  count: number;
}

/** Sum and count; add and merge change their first argument in place, as Flink allows, so slices must not share it. */
const sumAndCount: AggregateFunction<Event, Accumulator, Accumulator> = {
  createAccumulator: () => ({ key: '', sum: 0, count: 0 }),
  add: (e, acc) => {
    acc.key = e.key;
    acc.sum += e.value;
    acc.count++;
    return acc;
  },
  getResult: (acc) => ({ key: acc.key, sum: acc.sum, count: acc.count }),
  merge: (a, b) => {
    a.key ||= b.key;
    a.sum += b.sum;
    a.count += b.count;
    return a;
  },
};

/** An element of a reduce: an event with its count, which the reduce sums along. */
interface Summed {
  key: string;
  value: number;
  time: number;
  count: number;
}

/** A reduce that changes its first argument in place: slices must not share it. */
const sumInPlace: ReduceFunction<Summed> = (a, b) => {
  a.value += b.value;
  a.count += b.count;
  return a;
};

/** The same without changing its arguments: WindowOperator puts one element object into every window it belongs to. */
const sum: ReduceFunction<Summed> = (a, b) => ({ ...a, value: a.value + b.value, count: a.count + b.count });

/** Reports each window; keeps a per-window firing count in windowState() and clears it in clear(). */
class Report extends ProcessWindowFunction<Accumulator | Summed, Fired, Key, TimeWindow> {
  readonly cleared: string[] = [];
  readonly firings = new ValueStateDescriptor<number>('firings', Types.number);

  process(key: Key, ctx: ProcessWindowFunctionContext<TimeWindow>, results: Iterable<Accumulator | Summed>, out: Collector<Fired>): void {
    const firings = ctx.windowState().getState(this.firings);
    firings.update((firings.value() ?? 0) + 1);
    for (const r of results) out.collect([key as string, ctx.window().start, ctx.window().end, 'sum' in r ? r.sum : r.value, r.count]);
  }

  override clear(ctx: ProcessWindowFunctionContext<TimeWindow>): void {
    this.cleared.push(`${ctx.window().start}/${ctx.window().end}`);
    ctx.windowState().getState(this.firings).clear();
  }
}

/** What an operator emitted as a Fired: a window function's output as is, a bare result with its window from its timestamp. */
function firedOf(value: unknown, timestamp: number, size: number): Fired {
  if (Array.isArray(value)) return value as Fired;
  const result = value as Partial<Accumulator & Summed>;
  return [result.key ?? '', timestamp + 1 - size, timestamp + 1, result.sum ?? result.value ?? Number.NaN, result.count ?? Number.NaN];
}

type Flavor = 'aggregate' | 'aggregate+process' | 'reduce' | 'reduce+process';

interface Setup {
  readonly assigner: WindowAssigner<unknown, TimeWindow>;
  readonly flavor: Flavor;
  readonly allowedLateness: number;
  readonly late?: OutputTag<Event> | undefined;
}

/** The user's functions of one setup, for either operator: its slices, WindowOperator's contents, and the window function. */
function functionsOf(setup: Setup, reduceFunction: ReduceFunction<Summed> = sumInPlace): { slices: SliceFunction<unknown>; contents: WindowContentsDescriptor; windowFunction: InternalWindowFunction<unknown, Fired, Key, Window>; report: Report | undefined } {
  const report = setup.flavor.endsWith('+process') ? new Report() : undefined;
  const windowFunction = singleValueWindowFunction<unknown, Fired, Key, TimeWindow>(report as ProcessWindowFunction<unknown, Fired, Key, TimeWindow> | undefined) as InternalWindowFunction<unknown, Fired, Key, Window>;
  if (setup.flavor.startsWith('aggregate')) {
    const aggregate = sumAndCount as AggregateFunction<unknown, unknown, unknown>;
    return { slices: { kind: 'aggregate', aggregate }, contents: new AggregatingStateDescriptor('window-contents', aggregate), windowFunction, report };
  }
  const reduce = reduceFunction as ReduceFunction<unknown>;
  return { slices: { kind: 'reduce', reduce, serializer: undefined }, contents: new ReducingStateDescriptor('window-contents', reduce), windowFunction, report };
}

/** Elements of a reduce carry their count along. */
function elementOf(setup: Setup, event: Event): Event {
  return setup.flavor.startsWith('reduce') ? ({ ...event, count: 1 } as Event) : event;
}

function slicing(setup: Setup): { factory: OperatorFactory; report: Report | undefined } {
  const functions = functionsOf(setup);
  const slicingOf = windowSlicingOf(setup.assigner as WindowAssigner<unknown, never>, setup.assigner.getDefaultTrigger(), undefined);
  if (slicingOf === undefined) throw new Error(`${String(setup.assigner)} does not slice`);
  const options = {
    slicing: slicingOf,
    slices: functions.slices as SliceFunction<Event>,
    windowFunction: functions.windowFunction as InternalWindowFunction<unknown, unknown, Key, TimeWindow>,
    allowedLateness: setup.allowedLateness,
    lateDataOutputTag: setup.late,
  };
  return { factory: (context, output, keyed) => new SlicingWindowOperator<Event, unknown, Key>(options, context, output, keyed), report: functions.report };
}

function windowOperator(setup: Setup): { factory: OperatorFactory; report: Report | undefined } {
  const functions = functionsOf(setup, sum);
  const options = {
    assigner: setup.assigner as WindowAssigner<Event, Window>,
    trigger: setup.assigner.getDefaultTrigger() as never,
    contents: functions.contents,
    windowFunction: functions.windowFunction as InternalWindowFunction<unknown, unknown, Key, Window>,
    allowedLateness: setup.allowedLateness,
    lateDataOutputTag: setup.late,
  };
  return { factory: (context, output, keyed) => new WindowOperator<Event, unknown, Key, Window>(options, context, output, keyed), report: functions.report };
}

/** A seeded generator of events: `count` events over `keys` keys, `spacing` ms apart plus up to `disorder` ms later. */
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

/** Elements with a watermark `lag` behind the highest time so far after every `every`-th element, then the final one. */
function scriptOf(input: readonly Event[], lag: number, every = 1): (Event | number)[] {
  const script: (Event | number)[] = [];
  let max = Number.NEGATIVE_INFINITY;
  for (const [i, event] of input.entries()) {
    script.push(event);
    max = Math.max(max, event.time);
    if (i % every === every - 1) script.push(max - lag);
  }
  script.push(Number.POSITIVE_INFINITY);
  return script;
}

/**
 * Flink's WindowOperator with an EventTimeTrigger, as a plain loop: an element goes into each of its
 * windows not past end + lateness (firing it at once if the watermark passed its end already) and is
 * late when it went into none though its time is past the lateness; a window fires when the watermark
 * reaches its end - 1 if an element came before that, and is cleared at end - 1 + lateness.
 */
function reference(script: readonly (Event | number)[], size: number, slide: number, offset: number, lateness: number): { fired: Fired[]; late: Event[]; cleared: string[] } {
  let watermark = Number.NEGATIVE_INFINITY;
  const windows = new Map<string, { key: string; start: number; sum: number; count: number; timer: boolean }>();
  const fired: Fired[] = [];
  const late: Event[] = [];
  const cleared: string[] = [];
  for (const item of script) {
    if (typeof item === 'number') {
      watermark = Math.max(watermark, item);
      for (const [id, w] of [...windows].sort(([, a], [, b]) => a.start - b.start)) {
        const end = w.start + size;
        if (w.timer && end - 1 <= watermark) {
          fired.push([w.key, w.start, end, w.sum, w.count]);
          w.timer = false;
        }
        if (end - 1 + lateness <= watermark) {
          windows.delete(id);
          cleared.push(`${w.start}/${end}`);
        }
      }
      continue;
    }
    let accepted = false;
    const lastStart = item.time - ((((item.time - offset) % slide) + slide) % slide);
    for (let start = lastStart; start > item.time - size; start -= slide) {
      const end = start + size;
      if (end - 1 + lateness <= watermark) continue;
      accepted = true;
      const id = `${item.key}/${start}`;
      const w = windows.get(id) ?? { key: item.key, start, sum: 0, count: 0, timer: false };
      w.sum += item.value;
      w.count++;
      windows.set(id, w);
      if (end - 1 <= watermark) fired.push([w.key, start, end, w.sum, w.count]);
      else w.timer = true;
    }
    if (!accepted && item.time + lateness <= watermark) late.push(item);
  }
  return { fired, late, cleared };
}

const byValue = (a: Fired, b: Fired): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || a[2] - b[2] || a[3] - b[3] || a[4] - b[4]);
const sorted = (fired: readonly Fired[]): Fired[] => [...fired].sort(byValue);

const FLAVORS: readonly Flavor[] = ['aggregate', 'aggregate+process', 'reduce', 'reduce+process'];

const ASSIGNERS: readonly { assigner: SlidingEventTimeWindows | TumblingEventTimeWindows; size: number; slide: number; offset: number }[] = [
  { assigner: SlidingEventTimeWindows.of(60, 20), size: 60, slide: 20, offset: 0 },
  { assigner: TumblingEventTimeWindows.of(50), size: 50, slide: 50, offset: 0 },
  // 10 ms slices: a window covers 5, consecutive windows share 3
  { assigner: SlidingEventTimeWindows.of(50, 20), size: 50, slide: 20, offset: 0 },
  // a slide longer than the size: some times are in no window
  { assigner: SlidingEventTimeWindows.of(20, 50), size: 20, slide: 50, offset: 0 },
  { assigner: SlidingEventTimeWindows.of(60, 20, 7), size: 60, slide: 20, offset: 7 },
  { assigner: TumblingEventTimeWindows.of(40, -15), size: 40, slide: 40, offset: -15 },
];

for (const { assigner, size, slide, offset } of ASSIGNERS) {
  test(`${String(assigner)} with out-of-order elements equals the reference and WindowOperator, for every flavor and lateness`, async () => {
    const input = events(500, 4, 10, 150, size + slide + offset);
    let late = 0;
    let refired = 0;
    for (const [lateness, lag, every] of [
      [0, 10, 1],
      [0, 10, 25],
      [35, 10, 1],
      [120, 5, 3],
    ] as const) {
      const script = scriptOf(input, lag, every);
      const expected = reference(script, size, slide, offset, lateness);
      const where = `lateness ${lateness}, watermark ${lag} behind every ${every} elements`;
      assert.ok(expected.fired.length > 50, where);
      late += expected.late.length;
      refired += expected.fired.length - new Set(expected.fired.map((f) => `${f[0]}/${f[1]}`)).size;
      for (const flavor of FLAVORS) {
        const setup: Setup = { assigner, flavor, allowedLateness: lateness, late: new OutputTag<Event>('late') };
        for (const [name, build] of [
          ['SlicingWindowOperator', slicing],
          ['WindowOperator', windowOperator],
        ] as const) {
          const { factory, report } = build(setup);
          const withElements = script.map((item) => (typeof item === 'number' ? item : elementOf(setup, item)));
          const h = (await new Harness(factory, size).open()).run(withElements);
          assert.deepEqual(sorted(h.fired()), sorted(expected.fired), `${name}, ${flavor}, ${where}`);
          for (const o of h.out) if (Array.isArray(o.value)) assert.equal(o.timestamp, (o.value as Fired)[2] - 1, 'stamped with the window max timestamp');
          assert.deepEqual(h.late.map((e) => e.time), expected.late.map((e) => e.time), `${name}, ${flavor}, ${where}: late side output`);
          if (report !== undefined) {
            assert.deepEqual([...report.cleared].sort(), [...expected.cleared].sort(), `${name}, ${flavor}, ${where}: clear() once per window`);
            assert.equal(h.backend.numKeys('firings'), 0, 'clear() dropped the per-window state');
          }
          if (name === 'SlicingWindowOperator') assert.equal(h.backend.numKeys('window-slices'), 0, 'every slice was removed');
        }
      }
    }
    assert.ok(late > 10, 'some elements are late');
    assert.ok(refired > 10, 'some windows fire again for late elements within their lateness');
  });
}

test('without a late-data side output, late elements are dropped and counted', async () => {
  const setup: Setup = { assigner: SlidingEventTimeWindows.of(30, 10), flavor: 'aggregate', allowedLateness: 5 };
  const input = events(300, 3, 10, 90, 5);
  const script = scriptOf(input, 20);
  const expected = reference(script, 30, 10, 0, 5);
  assert.ok(expected.late.length > 10);
  const h = (await new Harness(slicing(setup).factory, 30).open()).run(script);
  assert.equal(h.operator.numLateRecordsDropped, expected.late.length);
  assert.deepEqual(h.late, []);
  assert.deepEqual(sorted(h.fired()), sorted(expected.fired));
});

test('an event-time element without a timestamp fails with INVALID_TIMESTAMP naming the operator', async () => {
  const h = await new Harness(slicing({ assigner: TumblingEventTimeWindows.of(10), flavor: 'aggregate', allowedLateness: 0 }).factory, 10).open();
  assert.throws(
    () => h.operator.processElement({ key: 'a', value: 1, time: 0 }, NO_TIMESTAMP),
    (error: unknown) => error instanceof Error && (error as { code?: string }).code === 'INVALID_TIMESTAMP' && error.message.includes("operator 'window'"),
  );
});

test('processing-time windows take elements by arrival time and fire each window once when the clock passes its end', async () => {
  for (const [assigner, size, slide] of [
    [SlidingProcessingTimeWindows.of(60, 20), 60, 20],
    [TumblingProcessingTimeWindows.of(50), 50, 50],
    [SlidingProcessingTimeWindows.of(50, 20), 50, 20],
  ] as const) {
    for (const flavor of ['aggregate', 'reduce+process'] as const) {
      const setup: Setup = { assigner: assigner, flavor, allowedLateness: 0 };
      const time = new ManualTimeService();
      const h = await new Harness(slicing(setup).factory, size, { time }).open();
      const input = events(400, 3, 1, 0, 17);
      let seed = 99;
      const expected = new Map<string, Fired>();
      let now = time.now();
      // The latest end - 1 of a window that fired: an element at that very millisecond counts as arriving after it.
      let firedUpTo = Number.NEGATIVE_INFINITY;
      for (const event of input) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        // mostly small steps, now and then a jump over several windows
        now += seed % 50 === 0 ? 200 + (seed % 97) : seed % 7;
        time.advanceTo(now);
        for (const w of expected.values()) if (w[2] - 1 <= now) firedUpTo = Math.max(firedUpTo, w[2] - 1);
        assert.ok(h.fired().every((f) => f[2] - 1 <= now), 'no window fires before the clock passes its end');
        h.operator.processElement(elementOf(setup, event), NO_TIMESTAMP);
        const at = Math.max(now, firedUpTo + 1);
        const lastStart = at - (at % slide);
        for (let start = lastStart; start > at - size; start -= slide) {
          const id = `${event.key}/${start}`;
          const w = expected.get(id) ?? [event.key, start, start + size, 0, 0];
          w[3] += event.value;
          w[4]++;
          expected.set(id, w);
        }
      }
      time.advanceTo(now + size + slide);
      assert.deepEqual(sorted(h.fired()), sorted([...expected.values()]), `${String(assigner)} ${flavor}`);
      for (const o of h.out) if (Array.isArray(o.value)) assert.equal(o.timestamp, (o.value as Fired)[2] - 1);
      assert.equal(h.backend.numKeys('window-slices'), 0, 'every slice was removed');
    }
  }
});

test('a snapshot taken mid-way restores slices and timers: every window fires exactly once, also with allowed lateness', async () => {
  for (const [assigner, size, slide, lateness] of [
    [SlidingEventTimeWindows.of(60, 20), 60, 20, 0],
    [SlidingEventTimeWindows.of(50, 20), 50, 20, 30],
    [TumblingEventTimeWindows.of(40), 40, 40, 25],
  ] as const) {
    const setup: Setup = { assigner, flavor: 'aggregate+process', allowedLateness: lateness, late: new OutputTag<Event>('late') };
    const script = scriptOf(events(400, 5, 10, 60, 21), 30);
    const expected = reference(script, size, slide, 0, lateness);
    // Cut before a watermark, which the restored operator sees first (its watermark starts over after a restore).
    const cut = script.findIndex((item, i) => i > script.length / 2 && typeof item === 'number');
    const first = (await new Harness(slicing(setup).factory, size).open()).run(script.slice(0, cut));
    const bytes = first.snapshot();
    const second = (await new Harness(slicing(setup).factory, size, { restoreFrom: [bytes] }).open()).run(script.slice(cut));
    const fired = [...first.fired(), ...second.fired()];
    assert.deepEqual(sorted(fired), sorted(expected.fired), String(assigner));
    assert.deepEqual([...first.late, ...second.late].map((e) => e.time), expected.late.map((e) => e.time));
  }
});

test('a snapshot restores into two subtasks of half the key groups each (rescaling): together they fire every window once', async () => {
  const setup: Setup = { assigner: SlidingEventTimeWindows.of(60, 20), flavor: 'reduce', allowedLateness: 0 };
  const script = scriptOf(events(600, 8, 10, 30, 33), 40).map((item) => (typeof item === 'number' ? item : elementOf(setup, item)));
  const expected = reference(script, 60, 20, 0, 0);
  const cut = Math.floor(script.length / 2);
  const first = (await new Harness(slicing(setup).factory, 60).open()).run(script.slice(0, cut));
  const bytes = first.snapshot();
  const halves = await Promise.all([0, 1].map((index) => new Harness(slicing(setup).factory, 60, { restoreFrom: [bytes], range: keyGroupRangeForSubtask(128, 2, index) }).open()));
  for (const item of script.slice(cut)) {
    if (typeof item === 'number') {
      for (const half of halves) half.operator.processWatermark(item);
      continue;
    }
    const half = halves.find((h) => h.backend.keyGroupRange.contains(keyGroupOf(item.key, 128)));
    half?.operator.processElement(item, item.time);
  }
  assert.ok(halves.every((h) => h.out.length > 0), 'both halves fire windows');
  const fired = [first, ...halves].flatMap((h) => h.fired());
  assert.deepEqual(sorted(fired), sorted(expected.fired));
});

test('windowSlicingOf slices tumbling and sliding time windows with their own trigger and no evictor, nothing else', () => {
  const sliding = SlidingEventTimeWindows.of(10_000, 2_000) as unknown as WindowAssigner<unknown, never>;
  assert.deepEqual(windowSlicingOf(sliding, sliding.getDefaultTrigger(), undefined), { size: 10_000, slide: 2_000, offset: 0, eventTime: true, assigner: 'SlidingEventTimeWindows(10000, 2000)' });
  const tumbling = TumblingProcessingTimeWindows.of(500, 100) as unknown as WindowAssigner<unknown, never>;
  assert.deepEqual(windowSlicingOf(tumbling, tumbling.getDefaultTrigger(), undefined), { size: 500, slide: 500, offset: 100, eventTime: false, assigner: 'TumblingProcessingTimeWindows(500)' });
  // another trigger, an evictor, fractional milliseconds, or too many slices per window: WindowOperator
  assert.equal(windowSlicingOf(sliding, TumblingProcessingTimeWindows.of(10).getDefaultTrigger() as never, undefined), undefined);
  assert.equal(windowSlicingOf(sliding, sliding.getDefaultTrigger(), { evictBefore: () => {}, evictAfter: () => {} }), undefined);
  assert.equal(windowSlicingOf(SlidingEventTimeWindows.of(10.5, 2) as unknown as WindowAssigner<unknown, never>, sliding.getDefaultTrigger(), undefined), undefined);
  assert.equal(windowSlicingOf(SlidingEventTimeWindows.of(86_400_000, 60_001) as unknown as WindowAssigner<unknown, never>, sliding.getDefaultTrigger(), undefined), undefined);
});
