/**
 * @module Tests of createJobGraph and describeJobGraph on graphs built through the DataStream API:
 * chaining rules, partitioner resolution, uids, fingerprints and the plan's warnings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { CollectSink, CollectionSource, DataGeneratorSource, JobParameters, StreamExecutionEnvironment, Types } from '../index.ts';
import type { DataStream, SingleOutputStreamOperator } from '../index.ts';
import { createJobGraph, describeJobGraph } from './job-graph.ts';
import type { ChainedOperator, JobGraph } from './job-graph.ts';
import { partitionerName } from './partitioner.ts';
import type { StreamNode } from './stream-graph.ts';

function environment(parallelism: number): StreamExecutionEnvironment {
  return new StreamExecutionEnvironment({ jobName: 'test-job', parallelism, parameters: new JobParameters() });
}

function numbers(env: StreamExecutionEnvironment, name = 'numbers'): SingleOutputStreamOperator<number> {
  return env.fromSource(new DataGeneratorSource((i) => i, { count: 10 }), name);
}

function plan(env: StreamExecutionEnvironment): JobGraph<unknown> {
  return createJobGraph(env.getStreamGraph());
}

/** The operator names of each vertex, in vertex order. */
function chains(jobGraph: JobGraph<unknown>): string[][] {
  return jobGraph.vertices.map((v) => v.operators.map((o) => o.node.name));
}

function operator(jobGraph: JobGraph<unknown>, name: string): ChainedOperator<unknown> {
  const found = jobGraph.vertices.flatMap((v) => v.operators).filter((o) => o.node.name === name);
  assert.equal(found.length, 1, `exactly one operator named '${name}'`);
  return found[0] as ChainedOperator<unknown>;
}

/** Uids by operator name; the names in a test are unique. */
function uidsByName(jobGraph: JobGraph<unknown>): Map<string, string> {
  return new Map(jobGraph.vertices.flatMap((v) => v.operators.map((o): [string, string] => [o.node.name, o.uid])));
}

test('operators joined by default forward edges at equal parallelism form one vertex, named after its operators', () => {
  const env = environment(2);
  numbers(env).map((x) => x + 1).filter((x) => x > 3).sinkTo(new CollectSink('out'));
  const jobGraph = plan(env);
  assert.deepEqual(chains(jobGraph), [['numbers', 'Map', 'Filter', 'out']]);
  assert.equal(jobGraph.vertices[0]?.name, 'Source: numbers -> Map -> Filter -> Sink: out');
  assert.equal(jobGraph.vertices[0]?.parallelism, 2);
  assert.deepEqual(jobGraph.edges, []);
});

test('a change of parallelism breaks the chain and the default forward edge becomes rebalance', () => {
  const env = environment(2);
  numbers(env).map((x) => x).setParallelism(3).sinkTo(new CollectSink('out')).setParallelism(3);
  const jobGraph = plan(env);
  assert.deepEqual(chains(jobGraph), [['numbers'], ['Map', 'out']]);
  assert.deepEqual(jobGraph.vertices.map((v) => v.parallelism), [2, 3]);
  assert.equal(jobGraph.edges.length, 1);
  assert.equal(jobGraph.edges[0]?.partitioner.kind, 'rebalance');
  assert.equal(jobGraph.edges[0]?.source, jobGraph.vertices[0]?.id);
  assert.equal(jobGraph.edges[0]?.target, jobGraph.vertices[1]?.id);
});

test('an explicit forward between different parallelisms is an error naming both operators', () => {
  const env = environment(2);
  numbers(env).forward().map((x) => x).name('enrich').setParallelism(3).sinkTo(new CollectSink('out')).setParallelism(3);
  assert.throws(
    () => plan(env),
    (error: unknown) => error instanceof WeirError && error.code === 'INVALID_GRAPH' && error.message.includes("'numbers'") && error.message.includes("'enrich'"),
  );
});

/** Every partitioner but forward, by the name JobEdge uses for it. */
const PARTITIONED: readonly [string, (s: DataStream<number>) => DataStream<number>][] = [
  ['rebalance', (s) => s.rebalance()],
  ['rescale', (s) => s.rescale()],
  ['shuffle', (s) => s.shuffle()],
  ['broadcast', (s) => s.broadcast()],
  ['global', (s) => s.global()],
  ['hash', (s) => s.keyBy((x) => x % 3)],
];

test('an explicit partitioner other than forward at parallelism 2 makes a network edge with that partitioner', () => {
  for (const [kind, partition] of PARTITIONED) {
    const env = environment(2);
    partition(numbers(env)).map((x) => x).sinkTo(new CollectSink('out'));
    const jobGraph = plan(env);
    assert.deepEqual(chains(jobGraph), [['numbers'], ['Map', 'out']], kind);
    assert.deepEqual(jobGraph.edges.map((e) => e.partitioner.kind), [kind], kind);
  }
});

test('an explicit forward at equal parallelism chains like the default one', () => {
  const env = environment(2);
  numbers(env).forward().map((x) => x).sinkTo(new CollectSink('out'));
  assert.deepEqual(chains(plan(env)), [['numbers', 'Map', 'out']]);
});

test('at parallelism 1 every edge chains, whatever its partitioner, keyBy included', () => {
  for (const [kind, partition] of PARTITIONED) {
    const env = environment(1);
    partition(env.fromSource(new CollectionSource([1, 2, 3]), 'numbers')).map((x) => x).sinkTo(new CollectSink('out'));
    const jobGraph = plan(env);
    assert.deepEqual(chains(jobGraph), [['numbers', 'Map', 'out']], kind);
    assert.deepEqual(jobGraph.edges, [], kind);
  }
  const env = environment(1);
  numbers(env).keyBy((x) => x % 3).reduce((a, b) => a + b).sinkTo(new CollectSink('out'));
  assert.deepEqual(chains(plan(env)), [['numbers', 'Reduce', 'out']], 'a keyed reduce runs in the chain');
});

test('an operator with two inputs (a union) heads its own vertex even where both edges could chain', () => {
  const env = environment(2);
  const left = numbers(env, 'left');
  const right = numbers(env, 'right');
  left.union(right).map((x) => x).sinkTo(new CollectSink('out'));
  const jobGraph = plan(env);
  assert.deepEqual(chains(jobGraph), [['left'], ['right'], ['Map', 'out']]);
  const head = jobGraph.vertices[2];
  assert.equal(head?.inputs.length, 2);
  assert.deepEqual(
    head?.inputs.map((i) => [jobGraph.edges[i]?.source, jobGraph.edges[i]?.partitioner.kind]),
    [
      [jobGraph.vertices[0]?.id, 'forward'],
      [jobGraph.vertices[1]?.id, 'forward'],
    ],
  );
});

test('disableChaining keeps an operator out of chains on both sides', () => {
  const env = environment(2);
  numbers(env).map((x) => x).disableChaining().filter(() => true).sinkTo(new CollectSink('out'));
  const jobGraph = plan(env);
  assert.deepEqual(chains(jobGraph), [['numbers'], ['Map'], ['Filter', 'out']]);
  assert.deepEqual(jobGraph.edges.map((e) => e.partitioner.kind), ['forward', 'forward']);
});

test('startNewChain starts a chain at the operator, which still chains with what follows', () => {
  const env = environment(2);
  numbers(env).map((x) => x).filter(() => true).startNewChain().sinkTo(new CollectSink('out'));
  assert.deepEqual(chains(plan(env)), [['numbers', 'Map'], ['Filter', 'out']]);
});

test('disableOperatorChaining on the environment puts every operator in its own vertex', () => {
  const env = environment(2);
  env.disableOperatorChaining();
  numbers(env).map((x) => x).filter(() => true).sinkTo(new CollectSink('out'));
  const jobGraph = plan(env);
  assert.deepEqual(chains(jobGraph), [['numbers'], ['Map'], ['Filter'], ['out']]);
  assert.deepEqual(jobGraph.edges.map((e) => e.partitioner.kind), ['forward', 'forward', 'forward']);
});

test('a chain may fork: one operator feeds two chained operators', () => {
  const env = environment(2);
  const parsed = numbers(env).map((x) => x).name('parse');
  parsed.filter(() => true).name('even').sinkTo(new CollectSink('evens'));
  parsed.sinkTo(new CollectSink('all'));
  const jobGraph = plan(env);
  assert.equal(jobGraph.vertices.length, 1);
  assert.deepEqual(new Set(chains(jobGraph)[0]), new Set(['numbers', 'parse', 'even', 'evens', 'all']));
  const parse = operator(jobGraph, 'parse');
  assert.deepEqual(parse.chainedOutputs, [operator(jobGraph, 'even').node.id, operator(jobGraph, 'all').node.id]);
  assert.deepEqual(parse.networkOutputs, []);
  assert.equal(jobGraph.vertices[0]?.operators[0]?.node.name, 'numbers', 'the head comes first');
});

test('an operator may feed one chained operator and one network edge', () => {
  const env = environment(2);
  const parsed = numbers(env).map((x) => x).name('parse');
  parsed.sinkTo(new CollectSink('local'));
  parsed.rebalance().sinkTo(new CollectSink('remote'));
  const jobGraph = plan(env);
  assert.deepEqual(chains(jobGraph), [['numbers', 'parse', 'local'], ['remote']]);
  const parse = operator(jobGraph, 'parse');
  assert.deepEqual(parse.chainedOutputs, [operator(jobGraph, 'local').node.id]);
  assert.deepEqual(parse.networkOutputs, [0]);
  const edge = jobGraph.edges[0];
  assert.equal(edge?.sourceOperator, parse.node.id);
  assert.equal(edge?.targetOperator, operator(jobGraph, 'remote').node.id);
  assert.deepEqual(jobGraph.vertices.map((v) => [v.inputs, v.outputs]), [
    [[], [0]],
    [[0], []],
  ]);
});

test("a network edge carries the producing operator's declared output type", () => {
  const env = environment(2);
  const type = Types.number;
  numbers(env).map((x) => x, type).name('typed').rebalance().sinkTo(new CollectSink('out'));
  const jobGraph = plan(env);
  assert.equal(jobGraph.edges[0]?.serializer, type);
});

/** A pipeline with explicit uids on some operators; `prefix` adds a map in front of 'parse'. */
function uidPipeline(prefix: boolean): JobGraph<unknown> {
  const env = environment(2);
  let stream: DataStream<number> = numbers(env);
  if (prefix) stream = stream.map((x) => x).name('extra');
  stream
    .map((x) => x)
    .name('parse')
    .uid('parse-v1')
    .filter(() => true)
    .name('clean')
    .keyBy((x) => x % 4)
    .reduce((a, b) => a + b)
    .name('sum')
    .sinkTo(new CollectSink('out'))
    .uid('results');
  return plan(env);
}

test('generated uids are the same in two builds of the same graph, and distinct within it', () => {
  const first = uidsByName(uidPipeline(false));
  const second = uidsByName(uidPipeline(false));
  assert.deepEqual(second, first);
  assert.equal(new Set(first.values()).size, first.size, 'no two operators share a uid');
});

test('explicit uids are kept verbatim and marked as not generated', () => {
  const jobGraph = uidPipeline(false);
  for (const [name, uid] of [['parse', 'parse-v1'], ['out', 'results']] as const) {
    assert.equal(operator(jobGraph, name).uid, uid);
    assert.equal(operator(jobGraph, name).generatedUid, false);
  }
  for (const name of ['numbers', 'clean', 'sum']) assert.equal(operator(jobGraph, name).generatedUid, true, name);
});

test('adding an operator in front changes generated uids behind it but not explicit ones', () => {
  const before = uidsByName(uidPipeline(false));
  const after = uidsByName(uidPipeline(true));
  assert.equal(after.get('parse'), before.get('parse'));
  assert.equal(after.get('out'), before.get('out'));
  assert.notEqual(after.get('clean'), before.get('clean'));
  assert.notEqual(after.get('sum'), before.get('sum'));
});

test('a vertex is identified by the uid of its head operator', () => {
  const jobGraph = uidPipeline(false);
  for (const vertex of jobGraph.vertices) assert.equal(vertex.id, vertex.operators[0]?.uid);
});

test('generated uids of a keyed job stay the same when the default parallelism changes', () => {
  // Rescaling is what key groups are for: a job restored at another -p must find its state by uid.
  const build = (parallelism: number): Map<string, string> => {
    const env = environment(parallelism);
    numbers(env).keyBy((x) => x % 4).reduce((a, b) => a + b).name('sum').sinkTo(new CollectSink('out'));
    return uidsByName(plan(env));
  };
  assert.deepEqual(build(4), build(2), 'from parallelism 2 to 4');
  assert.deepEqual(build(2), build(1), 'from parallelism 1 to 2');
});

test('a vertex without settings gets the default maxParallelism; the environment can set it', () => {
  const env = environment(2);
  numbers(env).sinkTo(new CollectSink('out'));
  assert.equal(plan(env).vertices[0]?.maxParallelism, 128);
  env.setMaxParallelism(1024);
  assert.equal(plan(env).vertices[0]?.maxParallelism, 1024);
});

test('the fingerprint is equal for equal graphs and changes with parallelism or partitioner', () => {
  const build = (parallelism: number, rebalance: boolean): string => {
    const env = environment(2);
    const parsed = numbers(env).map((x) => x).name('parse').uid('parse');
    (rebalance ? parsed.rebalance() : parsed).filter(() => true).setParallelism(parallelism).sinkTo(new CollectSink('out')).uid('out').setParallelism(parallelism);
    return plan(env).fingerprint;
  };
  assert.equal(build(3, true), build(3, true));
  assert.notEqual(build(3, true), build(4, true));
  assert.notEqual(build(2, true), build(2, false));
});

test('describeJobGraph warns about every stateful operator without an explicit uid and no other', () => {
  const env = environment(2);
  const keyed = numbers(env).keyBy((x) => x % 4);
  keyed.reduce((a, b) => a + b).name('anonymous-sum').sinkTo(new CollectSink('sums'));
  keyed.max().name('named-max').uid('max').sinkTo(new CollectSink('maxima'));
  const jobGraph = plan(env);
  const description = describeJobGraph(jobGraph);

  const nodes: StreamNode<unknown>[] = [...env.getStreamGraph().nodes];
  const expected = nodes.filter((n) => n.stateful && n.uid === undefined).map((n) => n.name);
  assert.ok(expected.includes('anonymous-sum') && !expected.includes('named-max'), 'the reference sees the setup');
  const warned = expected.filter((name) => description.warnings.some((w) => w.includes(`'${name}'`)));
  assert.deepEqual(warned, expected);
  assert.equal(description.warnings.length, expected.length);
  assert.ok(!description.warnings.some((w) => w.includes("'named-max'")));
  assert.ok(description.warnings.every((w) => w.includes('.uid(')), 'each warning says what to do');
});

test('describeJobGraph lists vertices, operators and edges as plain data', () => {
  const env = environment(2);
  numbers(env).keyBy((x) => x % 4).reduce((a, b) => a + b).name('sum').uid('sum').sinkTo(new CollectSink('out'));
  const jobGraph = plan(env);
  const description = describeJobGraph(jobGraph);
  assert.equal(description.jobName, 'test-job');
  assert.deepEqual(
    description.vertices.map((v) => [v.id, v.name, v.parallelism, v.operators.map((o) => [o.name, o.uid, o.uidGenerated, o.stateful])]),
    jobGraph.vertices.map((v) => [v.id, v.name, v.parallelism, v.operators.map((o) => [o.node.name, o.uid, o.generatedUid, o.node.stateful])]),
  );
  assert.deepEqual(description.edges, [
    { source: jobGraph.vertices[0]?.id, target: 'sum', partitioner: partitionerName({ kind: 'hash', keySelector: () => 0 }), targetOperator: 'sum' },
  ]);
  assert.doesNotThrow(() => JSON.stringify(description));
});
