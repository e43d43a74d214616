/**
 * @module Tests of the event-time and window parts of the DataStream API, on the graphs they build:
 * fromSource with a WatermarkStrategy or a name, the auto-watermark interval from weir.yaml and from
 * code, side outputs as tagged edges (chained or across the network, with the tag's type), and the
 * errors for wrong arguments.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Configuration } from '../core/configuration.ts';
import { WeirError } from '../core/errors.ts';
import { createJobGraph } from '../graph/job-graph.ts';
import { OutputTag } from '../operators/output-tag.ts';
import { ProcessFunction, type Collector, type ProcessContext } from '../operators/functions.ts';
import { WatermarkStrategy } from '../operators/watermark-strategy.ts';
import { TumblingEventTimeWindows } from '../operators/windowing/tumbling-event-time-windows.ts';
import { CollectSink } from '../connectors/collect-sink.ts';
import { CollectionSource } from '../connectors/collection-source.ts';
import { Types } from '../types/types.ts';
import { JobParameters } from './job-parameters.ts';
import { StreamExecutionEnvironment } from './stream-execution-environment.ts';

const env = (configuration: Record<string, unknown> = {}, parallelism = 2): StreamExecutionEnvironment =>
  new StreamExecutionEnvironment({ jobName: 'event-time', parallelism, parameters: new JobParameters(), configuration: Configuration.fromEntries(configuration) });

test('the auto-watermark interval is 200 ms, or what weir.yaml or the job sets', () => {
  assert.equal(env().getConfig().getAutoWatermarkInterval(), 200);
  assert.equal(env({ 'pipeline.auto-watermark-interval': '50 ms' }).getConfig().getAutoWatermarkInterval(), 50);
  const e = env({ 'pipeline.auto-watermark-interval': '1 s' });
  e.getConfig().setAutoWatermarkInterval(0);
  assert.equal(e.getConfig().getAutoWatermarkInterval(), 0);
  assert.throws(() => e.getConfig().setAutoWatermarkInterval(-1), (error: unknown) => error instanceof WeirError && error.message.includes('autoWatermarkInterval'));
  assert.throws(() => env({ 'pipeline.auto-watermark-interval': 'soon' }), (error: unknown) => error instanceof WeirError && error.code === 'CONFIG_INVALID');
});

test('fromSource takes a WatermarkStrategy and a name, or a name alone; the source task reads the interval when it runs', () => {
  const e = env();
  const strategy = WatermarkStrategy.forMonotonousTimestamps<number>();
  e.fromSource(new CollectionSource([1, 2]), strategy, 'with-strategy');
  e.fromSource(new CollectionSource([3]), 'named');
  e.fromSource(new CollectionSource([4]));
  e.getConfig().setAutoWatermarkInterval(35);
  const sources = e.getStreamGraph().nodes.map((node) => ({ name: node.name, spec: node.payload }));
  assert.deepEqual(sources.map((s) => s.name), ['with-strategy', 'named', 'Collection']);
  const [first, second] = sources.map((s) => s.spec);
  assert.ok(first?.kind === 'source' && first.watermarkStrategy === strategy && first.autoWatermarkInterval?.() === 35);
  assert.ok(second?.kind === 'source' && second.watermarkStrategy === undefined);
  assert.throws(() => e.fromSource(new CollectionSource([5]), 42 as never), (error: unknown) => error instanceof WeirError && error.message.includes('WatermarkStrategy or a name'));
});

class Split extends ProcessFunction<number, number> {
  processElement(value: number, ctx: ProcessContext, out: Collector<number>): void {
    if (value < 0) ctx.output(NEGATIVE, `${value}`);
    else out.collect(value);
  }
}
const NEGATIVE = new OutputTag<string>('negative', Types.string);

test('a side output is an edge tagged with the output tag, chained or across the network, typed by the tag', () => {
  const e = env({}, 2);
  const split = e.fromSource(new CollectionSource([1, -1]), 'numbers').rebalance().process(new Split(), Types.number).name('split');
  split.sinkTo(new CollectSink('main')).name('main');
  split.getSideOutput(NEGATIVE).sinkTo(new CollectSink('chained')).name('chained');
  split.getSideOutput(NEGATIVE).sinkTo(new CollectSink('remote')).name('remote').setParallelism(1);
  const jobGraph = createJobGraph(e.getStreamGraph());
  const splitOperator = jobGraph.vertices.flatMap((v) => v.operators).find((o) => o.node.name === 'split');
  assert.ok(splitOperator !== undefined);
  const nameOf = (id: number): string | undefined => e.getStreamGraph().nodes[id]?.name;
  assert.deepEqual(splitOperator.chainedOutputs.map((id) => nameOf(id)), ['main'], 'the main output goes only to the main consumer');
  const chained = splitOperator.sideOutputs.filter((s) => s.kind === 'chained');
  const network = splitOperator.sideOutputs.filter((s) => s.kind === 'network');
  assert.deepEqual(chained.map((s) => [s.tag, s.kind === 'chained' ? nameOf(s.target) : '']), [['negative', 'chained']]);
  assert.equal(network.length, 1);
  const edge = jobGraph.edges[network[0]?.kind === 'network' ? network[0].edge : -1];
  assert.equal(edge?.sideOutput, 'negative');
  assert.equal(edge?.serializer, Types.string, 'a side output edge carries the tag\'s type, not the operator\'s');
  assert.equal(edge?.partitioner.kind, 'rebalance');
});

test('window() and the windowed stream check what they are given', () => {
  const keyed = env().fromData({ k: 'a', t: 1 }).keyBy((r) => r.k);
  const invalid = (run: () => unknown, fragment: string): void => {
    assert.throws(run, (error: unknown) => error instanceof WeirError && error.code === 'INVALID_OPTION' && error.message.includes(fragment));
  };
  invalid(() => keyed.window({} as never), 'WindowAssigner');
  const windowed = keyed.window(TumblingEventTimeWindows.of(10));
  invalid(() => windowed.trigger(5 as never), 'Trigger');
  invalid(() => windowed.allowedLateness(-1), 'allowedLateness');
  invalid(() => windowed.sideOutputLateData('late' as never), 'OutputTag');
  invalid(() => windowed.reduce(undefined as never), 'reduce');
  invalid(() => windowed.process(3 as never), 'ProcessWindowFunction');
  invalid(() => keyed.countWindow(0), 'size');
  invalid(() => keyed.assignTimestampsAndWatermarks({} as never), 'WatermarkStrategy');
  const sums = windowed.reduce((a, b) => ({ k: a.k, t: a.t + b.t })).uid('sums');
  assert.equal(sums.getType(), undefined);
  const node = sums.getSideOutput(new OutputTag<number>('late')).getType();
  assert.equal(node, undefined);
});
