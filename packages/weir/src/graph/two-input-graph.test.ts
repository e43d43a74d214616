/**
 * @module Tests of two-input operators in the StreamGraph and JobGraph: every edge names the input it
 * feeds, a two-input operator heads its chain and chains what follows, uids and fingerprints are
 * deterministic and tell the inputs apart, and the plan description has both inputs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeJobGraph, createJobGraph, type JobGraph } from './job-graph.ts';
import { CollectSink, DataGeneratorSource, JobParameters, KeyedBroadcastProcessFunction, MapStateDescriptor, StreamExecutionEnvironment, Types } from '../index.ts';

/** a.connect(b).map(...) -> sink, optionally with the inputs swapped. */
function build(swap = false, parallelism = 2): JobGraph<unknown> {
  const env = new StreamExecutionEnvironment({ jobName: 'two-inputs', parallelism, parameters: new JobParameters() });
  const a = env.fromSource(new DataGeneratorSource((i) => i, { count: 10, outputType: Types.number }), 'a');
  const b = env.fromSource(new DataGeneratorSource((i) => `${i}`, { count: 10, outputType: Types.string }), 'b');
  const connected = swap ? b.connect(a).map({ map1: (s) => s, map2: (n) => `${n}` }) : a.connect(b).map({ map1: (n) => `${n}`, map2: (s) => s });
  connected.map((s) => s.length).sinkTo(new CollectSink('out'));
  return createJobGraph(env.getStreamGraph());
}

test('each edge into a two-input operator carries the input it feeds, in the StreamGraph and the JobGraph', () => {
  const jobGraph = build();
  const coMap = jobGraph.vertices.find((v) => v.operators[0]?.node.operatorType === 'Co-Map');
  assert.ok(coMap !== undefined);
  assert.deepEqual(coMap.operators[0]?.node.inEdges.map((e) => e.inputIndex), [1, 2]);
  const into = jobGraph.edges.filter((e) => e.target === coMap.id);
  assert.deepEqual(into.map((e) => [jobGraph.vertices.find((v) => v.id === e.source)?.operators[0]?.node.name, e.inputIndex]), [
    ['a', 1],
    ['b', 2],
  ]);
  assert.ok(jobGraph.edges.filter((e) => e.target !== coMap.id).every((e) => e.inputIndex === undefined));
});

test('a two-input operator heads its own chain, even from forward inputs at equal parallelism, and chains its outputs', () => {
  const jobGraph = build();
  assert.deepEqual(
    jobGraph.vertices.map((v) => v.operators.map((o) => o.node.name)),
    [['a'], ['b'], ['Co-Map', 'Map', 'out']],
  );
  const one = build(false, 1);
  assert.equal(one.vertices.length, 3, 'at parallelism 1 too');
});

test('uids and the fingerprint are the same for the same job and change when the inputs swap', () => {
  const first = build();
  const again = build();
  assert.equal(first.fingerprint, again.fingerprint);
  assert.deepEqual(
    first.vertices.flatMap((v) => v.operators.map((o) => o.uid)),
    again.vertices.flatMap((v) => v.operators.map((o) => o.uid)),
  );
  const swapped = build(true);
  const uidOf = (graph: JobGraph<unknown>): string | undefined => graph.vertices.find((v) => v.operators[0]?.node.operatorType === 'Co-Map')?.operators[0]?.uid;
  assert.notEqual(uidOf(swapped), uidOf(first));
  assert.notEqual(swapped.fingerprint, first.fingerprint);
});

test('the plan description says which input each edge into a two-input operator feeds', () => {
  const env = new StreamExecutionEnvironment({ jobName: 'rules', parallelism: 2, parameters: new JobParameters() });
  const rules = new MapStateDescriptor<string, number>('rules', Types.string, Types.number);
  const events = env.fromSource(new DataGeneratorSource((i) => i, { count: 10, outputType: Types.number }), 'events');
  const updates = env.fromSource(new DataGeneratorSource((i): [string, number] => [`r${i}`, i], { count: 3 }), 'updates');
  class ApplyRules extends KeyedBroadcastProcessFunction<number, number, [string, number], number> {
    processElement(): void {}
    processBroadcastElement(): void {}
  }
  events.keyBy((e) => e % 3).connect(updates.broadcast(rules)).process(new ApplyRules()).uid('apply-rules').sinkTo(new CollectSink('out'));
  const plan = describeJobGraph(createJobGraph(env.getStreamGraph()));
  assert.deepEqual(
    plan.edges.map((e) => [e.partitioner, e.targetOperator, e.input]),
    [
      ['HASH', 'Co-Process-Broadcast-Keyed', 1],
      ['BROADCAST', 'Co-Process-Broadcast-Keyed', 2],
    ],
  );
});
