/**
 * @module Tests of `windowAll` and `countWindowAll` (AllWindowedStream): one window operator at
 * parallelism 1 fed by a hash edge on one constant key, the non-parallel rule of setParallelism, the
 * errors, and window functions that never see the internal key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Configuration } from '../core/configuration.ts';
import { WeirError } from '../core/errors.ts';
import { KeyGroupRange } from '../core/key-groups.ts';
import { createJobGraph } from '../graph/job-graph.ts';
import type { StreamNode } from '../graph/stream-graph.ts';
import { CollectionSource } from '../connectors/collection-source.ts';
import type { Collector } from '../operators/functions.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import { OutputTag } from '../operators/output-tag.ts';
import { testOperatorContext } from '../operators/operator-test-support.ts';
import type { OneInputStreamOperator, Output } from '../operators/stream-operator.ts';
import { ProcessAllWindowFunction, type ProcessAllWindowFunctionContext } from '../operators/windowing/process-all-window-function.ts';
import { SlidingEventTimeWindows } from '../operators/windowing/sliding-event-time-windows.ts';
import { TumblingEventTimeWindows } from '../operators/windowing/tumbling-event-time-windows.ts';
import type { GlobalWindow, TimeWindow } from '../operators/windowing/window.ts';
import type { AggregateFunction } from '../state/aggregate-function.ts';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { ValueStateDescriptor } from '../state/state-descriptors.ts';
import { Types } from '../types/types.ts';
import type { DataStream } from './data-stream.ts';
import { JobParameters } from './job-parameters.ts';
import { StreamExecutionEnvironment } from './stream-execution-environment.ts';

interface Reading {
  readonly sensor: string;
  readonly value: number;
  readonly time: number;
}

const READINGS: readonly Reading[] = Array.from({ length: 60 }, (_, i) => ({ sensor: `s${i % 7}`, value: (i * 37) % 101, time: i * 45 + ((i * 13) % 40) }));

function environment(parallelism: number): StreamExecutionEnvironment {
  return new StreamExecutionEnvironment({ jobName: 'window-all', parallelism, parallelismFromCommandLine: false, parameters: new JobParameters(), configuration: Configuration.fromEntries({}) });
}

function readings(env: StreamExecutionEnvironment): DataStream<Reading> {
  return env.fromSource(new CollectionSource(READINGS), 'readings').rebalance().map((r) => r);
}

function nodeNamed(env: StreamExecutionEnvironment, prefix: string): StreamNode<OperatorSpec> {
  const node = env.getStreamGraph().nodes.find((n) => n.name.startsWith(prefix));
  assert.ok(node !== undefined, `a node named ${prefix}...`);
  return node;
}

/** What the test sets on each windowAll result (DataStream types are invariant in their record type). */
interface ParallelismSettings {
  uid(uid: string): ParallelismSettings;
  setParallelism(parallelism: number): ParallelismSettings;
  setMaxParallelism(maxParallelism: number): ParallelismSettings;
}

const sum: AggregateFunction<Reading, number, number> = { createAccumulator: () => 0, add: (r, acc) => acc + r.value, getResult: (acc) => acc, merge: (a, b) => a + b };

test('windowAll adds one AllWindow operator at parallelism 1, fed by a hash edge, in a job at parallelism 4', () => {
  const env = environment(4);
  readings(env).windowAll(TumblingEventTimeWindows.of(1000)).aggregate(sum, Types.number).uid('all-sum').print();
  readings(env).keyBy((r) => r.sensor).window(TumblingEventTimeWindows.of(1000)).aggregate(sum, Types.number).print();
  const node = nodeNamed(env, 'AllWindow(');
  assert.equal(node.operatorType, 'AllWindow');
  assert.equal(node.name, `All${nodeNamed(env, 'Window(').name}`, 'named as the keyed window operator, with All in front');
  assert.equal(node.uid, 'all-sum');
  assert.equal(node.keyed, true);
  assert.deepEqual(node.inEdges.map((e) => e.partitioner.kind), ['hash']);
  const keyOf = (node.inEdges[0]?.partitioner as { keySelector: (value: unknown) => unknown }).keySelector;
  assert.equal(new Set(READINGS.map((r) => keyOf(r))).size, 1, 'every record has the same key');
  env.getStreamGraph().validate();
  const jobGraph = createJobGraph(env.getStreamGraph());
  const vertex = jobGraph.vertices.find((v) => v.operators.some((o) => o.node === node));
  assert.equal(vertex?.parallelism, 1);
  assert.equal(vertex?.maxParallelism, env.getStreamGraph().maxParallelismOf(node), 'the job\'s maxParallelism applies, as to keyed windows');
  const upstream = jobGraph.vertices.find((v) => v.operators.some((o) => o.node.name === 'Map'));
  assert.equal(upstream?.parallelism, 4, 'the operators before windowAll stay parallel');
});

test('setParallelism(n > 1) on a windowAll result fails naming the operator; 1 and setMaxParallelism are accepted', () => {
  const env = environment(2);
  const results: ParallelismSettings[] = [
    readings(env).windowAll(TumblingEventTimeWindows.of(1000)).reduce((a, b) => ({ ...a, value: a.value + b.value })),
    readings(env).windowAll(SlidingEventTimeWindows.of(1000, 250)).aggregate(sum),
    readings(env).countWindowAll(5).process((_ctx, elements: Iterable<Reading>, out: Collector<number>) => out.collect([...elements].length)),
    readings(env).countWindowAll(5, 2).reduce((a, b) => b),
  ];
  for (const [i, result] of results.entries()) {
    const uid = `all-window-${i}`;
    result.uid(uid).setParallelism(1).setMaxParallelism(64);
    const node = env.getStreamGraph().nodes.find((n) => n.uid === uid);
    assert.ok(node !== undefined && node.operatorType === 'AllWindow');
    assert.throws(
      () => result.setParallelism(3),
      (error: unknown) =>
        error instanceof WeirError &&
        error.code === 'INVALID_OPTION' &&
        error.message.includes(`operator '${node.name}' (uid ${uid})`) &&
        error.message.includes('windowAll is non-parallel') &&
        error.message.includes('parallelism 3') &&
        /keyBy\(f\)\.window\(assigner\)/.test(error.hint ?? ''),
    );
    assert.equal(env.getStreamGraph().parallelismOf(node), 1, 'the failed call left the parallelism at 1');
    assert.equal(env.getStreamGraph().maxParallelismOf(node), 64);
  }
  env.getStreamGraph().validate();
});

test('countWindowAll is GlobalWindows with a purging count trigger, or a count trigger and a count evictor with a slide', () => {
  const env = environment(2);
  readings(env).countWindowAll(5).reduce((a, b) => b);
  readings(env).countWindowAll(5, 2).reduce((a, b) => b);
  const keyed = readings(env).keyBy((r) => r.sensor);
  keyed.countWindow(5).reduce((a, b) => b);
  keyed.countWindow(5, 2).reduce((a, b) => b);
  const names = (type: string): string[] => env.getStreamGraph().nodes.filter((n) => n.operatorType === type).map((n) => n.name);
  assert.deepEqual(names('AllWindow'), names('Window').map((name) => `All${name}`));
  assert.match(names('AllWindow')[0] ?? '', /^AllWindow\(GlobalWindows.*PurgingTrigger\(CountTrigger\(5\)\)/);
  assert.match(names('AllWindow')[1] ?? '', /^AllWindow\(GlobalWindows.*CountTrigger\(2\), CountEvictor/);
});

test('bad arguments to windowAll, countWindowAll and the window functions fail with what was expected', () => {
  const env = environment(1);
  const stream = readings(env);
  const invalid = (fn: () => unknown, pattern: RegExp): void => {
    assert.throws(fn, (error: unknown) => error instanceof WeirError && error.code === 'INVALID_OPTION' && pattern.test(error.message));
  };
  invalid(() => stream.windowAll({} as never), /^windowAll\(\) needs a WindowAssigner, got a Object/);
  invalid(() => stream.countWindowAll(0), /size/);
  invalid(() => stream.countWindowAll(5, 0), /slide/);
  invalid(() => stream.windowAll(TumblingEventTimeWindows.of(10)).process(42 as never), /windowAll\(\)\.process\(\) takes a ProcessAllWindowFunction/);
  invalid(() => stream.windowAll(TumblingEventTimeWindows.of(10)).reduce((a) => a, {} as never), /windowAll\(\)\.reduce\(\) takes a ProcessAllWindowFunction/);
  invalid(() => stream.windowAll(TumblingEventTimeWindows.of(10)).aggregate(sum, 'x' as never), /windowAll\(\)\.aggregate\(\) takes a ProcessAllWindowFunction/);
  invalid(() => stream.windowAll(TumblingEventTimeWindows.of(10)).sideOutputLateData('late' as never), /sideOutputLateData\(\) needs an OutputTag/);
});

/** Runs the windowAll operator of `env`'s graph as its one subtask over `input`, then a final watermark. */
async function runOperator(env: StreamExecutionEnvironment, input: readonly Reading[], watermarks = true): Promise<{ values: unknown[]; late: unknown[]; operator: OneInputStreamOperator<Reading, unknown> }> {
  const node = nodeNamed(env, 'AllWindow(');
  const spec = node.payload;
  if (spec.kind !== 'one-input') throw new Error('expected a one-input operator');
  const keySelector = (node.inEdges[0]?.partitioner as { keySelector: (value: unknown) => string }).keySelector;
  const values: unknown[] = [];
  const late: unknown[] = [];
  const output: Output<unknown> = { collect: (value) => values.push(value), collectSide: (_tag, value) => late.push(value), emitWatermark: () => {}, emitWatermarkStatus: () => {} };
  const context = testOperatorContext({ name: node.name, uid: 'all', keyed: { keySelector, backend: new HeapKeyedStateBackend({ keyGroupRange: new KeyGroupRange(0, 127), maxParallelism: 128 }) } });
  const operator = spec.factory(context, output) as OneInputStreamOperator<Reading, unknown>;
  await operator.open();
  let watermark = Number.NEGATIVE_INFINITY;
  for (const r of input) {
    operator.processElement(r, r.time);
    if (watermarks && r.time - 100 > watermark) {
      watermark = r.time - 100;
      operator.processWatermark(watermark);
    }
  }
  operator.processWatermark(Number.MAX_SAFE_INTEGER);
  return { values, late, operator };
}

test('a ProcessAllWindowFunction gets (context, elements, out) with the window and state, never the internal key', async () => {
  const seen: unknown[][] = [];
  class Report extends ProcessAllWindowFunction<number, [number, number, number], TimeWindow> {
    opened = false;
    override open(): void {
      this.opened = true;
    }
    process(ctx: ProcessAllWindowFunctionContext<TimeWindow>, sums: Iterable<number>, out: Collector<[number, number, number]>): void {
      // eslint-disable-next-line prefer-rest-params -- the test checks what the operator passes
      seen.push([...arguments]);
      const firings = ctx.globalState().getState(new ValueStateDescriptor<number>('firings', Types.number));
      firings.update((firings.value() ?? 0) + 1);
      for (const s of sums) out.collect([ctx.window().start, s, firings.value() ?? 0]);
    }
  }
  const report = new Report();
  const env = environment(2);
  readings(env).windowAll(TumblingEventTimeWindows.of(500)).aggregate(sum, report, Types.tuple(Types.number, Types.number, Types.number));
  const ordered = [...READINGS].sort((a, b) => a.time - b.time);
  const { values, operator } = await runOperator(env, ordered);
  assert.equal(operator.userFunction, report, 'the user\'s function is the operator\'s, for open, close and checkpoint callbacks');
  assert.equal(report.opened, true);

  const expected = new Map<number, number>();
  for (const r of READINGS) {
    const start = Math.floor(r.time / 500) * 500;
    expected.set(start, (expected.get(start) ?? 0) + r.value);
  }
  assert.deepEqual(values, [...expected].sort((a, b) => a[0] - b[0]).map(([start, total], i) => [start, total, i + 1]));
  assert.ok(seen.every((args) => args.length === 3 && typeof (args[0] as { window?: unknown }).window === 'function' && Array.isArray(args[1])));
});

test('late records of a windowAll go to its side output; a plain function gets the elements of count windows', async () => {
  const env = environment(1);
  const tag = new OutputTag<Reading>('late');
  const windowed = readings(env).windowAll(TumblingEventTimeWindows.of(200)).sideOutputLateData(tag);
  windowed.process((ctx: ProcessAllWindowFunctionContext<TimeWindow>, elements: Iterable<Reading>, out: Collector<[number, number]>) => {
    out.collect([ctx.window().start, [...elements].reduce((s, r) => s + r.value, 0)]);
  });
  // Every tenth record 400 ms back in time: the watermark (time - 100 of the latest record) is past its window.
  const shuffled = READINGS.map((r, i) => (i % 10 === 9 ? { ...r, time: r.time - 400 } : r));
  const { values, late } = await runOperator(env, shuffled);
  const expectedLate: Reading[] = [];
  const windows = new Map<number, number>();
  let watermark = Number.NEGATIVE_INFINITY;
  for (const r of shuffled) {
    const start = Math.floor(r.time / 200) * 200;
    if (start + 199 <= watermark) expectedLate.push(r);
    else windows.set(start, (windows.get(start) ?? 0) + r.value);
    watermark = Math.max(watermark, r.time - 100);
  }
  assert.ok(expectedLate.length > 0, 'the input has late records');
  assert.deepEqual(late, expectedLate);
  assert.deepEqual(new Map(values as [number, number][]), windows);

  const counted = environment(1);
  counted.fromSource(new CollectionSource(READINGS), 'readings').countWindowAll(4, 3).process((_ctx: ProcessAllWindowFunctionContext<GlobalWindow>, elements: Iterable<Reading>, out: Collector<number[]>) => {
    out.collect([...elements].map((r) => r.value));
  });
  const expectedCounts: number[][] = [];
  for (let n = 3; n <= READINGS.length; n += 3) expectedCounts.push(READINGS.slice(Math.max(0, n - 4), n).map((r) => r.value));
  assert.deepEqual((await runOperator(counted, READINGS, false)).values, expectedCounts);
});
