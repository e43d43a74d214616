/**
 * @module Tests of the StreamGraph: validation errors name the operators involved, cycles are found and
 * named, topological order, and Flink's default maxParallelism.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import type { StreamNodeId } from '../core/ids.ts';
import { CollectSink, CollectionSource, DataGeneratorSource, JobParameters, StreamExecutionEnvironment } from '../index.ts';
import type { SingleOutputStreamOperator } from '../index.ts';
import { StreamGraph, defaultMaxParallelism } from './stream-graph.ts';

function environment(parallelism: number): StreamExecutionEnvironment {
  return new StreamExecutionEnvironment({ jobName: 'test-job', parallelism, parameters: new JobParameters() });
}

function numbers(env: StreamExecutionEnvironment): SingleOutputStreamOperator<number> {
  return env.fromSource(new DataGeneratorSource((i) => i, { count: 10 }), 'numbers');
}

/** Asserts a WeirError with `code` whose message contains every fragment. */
function assertWeirError(action: () => unknown, code: string, ...fragments: string[]): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof WeirError, `expected a WeirError, got ${String(error)}`);
    assert.equal(error.code, code);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should contain "${fragment}"`);
    return true;
  });
}

/** A graph built by hand: one node per name, edges as [from, to] pairs, all forward. */
function handGraph(names: readonly string[], edges: readonly (readonly [string, string])[]): StreamGraph<null> {
  const graph = new StreamGraph<null>({ jobName: 'hand', parallelism: 1, maxParallelism: undefined, chainingEnabled: true, bufferTimeoutMs: 100 });
  const ids = new Map<string, StreamNodeId>();
  for (const name of names) {
    const node = graph.addNode({ kind: 'operator', operatorType: 'Map', name, payload: null, stateful: false, keyed: false });
    ids.set(name, node.id);
  }
  for (const [from, to] of edges) graph.addEdge(ids.get(from) as StreamNodeId, ids.get(to) as StreamNodeId, { kind: 'forward' }, false);
  return graph;
}

/** The operator names a GRAPH_CYCLE message lists, in order. */
function cycleNames(message: string): string[] {
  const listed = message.slice(message.indexOf(':') + 1);
  return [...listed.matchAll(/'([^']*)'/g)].map((m) => m[1] as string);
}

/** Asserts that `names` walks a closed cycle along `edges` through exactly the nodes of `expected`. */
function assertNamesACycle(names: readonly string[], edges: readonly (readonly [string, string])[], expected: readonly string[]): void {
  assert.ok(names.length >= 2, `a cycle lists at least two names, got ${JSON.stringify(names)}`);
  assert.equal(names[0], names[names.length - 1], 'the cycle ends where it starts');
  for (let i = 0; i + 1 < names.length; i++) {
    assert.ok(
      edges.some(([from, to]) => from === names[i] && to === names[i + 1]),
      `'${String(names[i])}' -> '${String(names[i + 1])}' is not an edge of the graph`,
    );
  }
  assert.deepEqual(new Set(names), new Set(expected));
}

test('defaultMaxParallelism is 128 up to parallelism 85, whose 1.5x still fits in 128 key groups', () => {
  for (let parallelism = 1; parallelism <= 85; parallelism++) assert.equal(defaultMaxParallelism(parallelism), 128, `parallelism ${parallelism}`);
  // 1.5 x 86 = 129 no longer fits
  assert.equal(defaultMaxParallelism(86), 256);
});

test('defaultMaxParallelism is the smallest power of two of at least 1.5x parallelism, within 128 and 32768', () => {
  const samples = [1, 2, 7, 85, 86, 100, 171, 1000, 1365, 1366, 5000, 21845, 21846, 30000, 32768];
  for (let parallelism = 1; parallelism <= 32768; parallelism += 97) samples.push(parallelism);
  for (const parallelism of samples) {
    const result = defaultMaxParallelism(parallelism);
    const where = `parallelism ${parallelism} -> ${result}`;
    assert.ok(Number.isInteger(Math.log2(result)), `${where} is a power of two`);
    assert.ok(result >= 128 && result <= 32768, `${where} is within [128, 32768]`);
    if (result < 32768) assert.ok(result >= parallelism * 1.5, `${where} is at least 1.5x the parallelism`);
    if (result > 128) assert.ok(result / 2 < parallelism * 1.5, `${where} is the smallest such power of two`);
  }
  assert.equal(defaultMaxParallelism(32768), 32768, 'capped at the upper bound');
});

test('a node without its own parallelism runs at the job default, and its maxParallelism follows that', () => {
  const env = environment(3);
  const map = numbers(env).map((x) => x);
  const graph = env.getStreamGraph();
  const node = graph.nodes.find((n) => n.name === 'Map');
  assert.ok(node !== undefined);
  assert.equal(graph.parallelismOf(node), 3);
  assert.equal(graph.maxParallelismOf(node), defaultMaxParallelism(3));
  env.setMaxParallelism(64);
  assert.equal(graph.maxParallelismOf(node), 64, 'the job-wide maxParallelism wins over the derived default');
  map.setParallelism(5).setMaxParallelism(16);
  assert.equal(graph.parallelismOf(node), 5);
  assert.equal(graph.maxParallelismOf(node), 16, "the operator's own maxParallelism wins over the job's");
});

test('validate rejects an operator whose parallelism is above its maxParallelism, naming the operator', () => {
  const env = environment(2);
  numbers(env).map((x) => x).name('enrich').setParallelism(8).setMaxParallelism(4).sinkTo(new CollectSink('out'));
  assertWeirError(() => env.getStreamGraph().validate(), 'INVALID_OPTION', "operator 'enrich'", 'parallelism 8', 'maxParallelism 4');
});

test('validate rejects a job-wide maxParallelism below an operator parallelism', () => {
  const env = environment(8);
  env.setMaxParallelism(4);
  numbers(env).sinkTo(new CollectSink('out'));
  assertWeirError(() => env.getStreamGraph().validate(), 'INVALID_OPTION', "operator 'numbers'", 'parallelism 8', 'maxParallelism 4');
});

test('validate rejects the same explicit uid on two operators, naming both', () => {
  const env = environment(2);
  numbers(env).map((x) => x).name('parse').uid('step').filter(() => true).name('clean').uid('step').sinkTo(new CollectSink('out'));
  assertWeirError(() => env.getStreamGraph().validate(), 'INVALID_GRAPH', "uid 'step'", "'parse'", "'clean'");
});

test('validate rejects an explicit forward between different parallelisms, naming both operators', () => {
  const env = environment(2);
  numbers(env).forward().map((x) => x).name('enrich').setParallelism(3).sinkTo(new CollectSink('out'));
  assertWeirError(() => env.getStreamGraph().validate(), 'INVALID_GRAPH', "'numbers' (parallelism 2)", "'enrich' (parallelism 3)");
});

test('validate accepts a default forward between different parallelisms (it becomes rebalance)', () => {
  const env = environment(2);
  numbers(env).map((x) => x).setParallelism(3).sinkTo(new CollectSink('out'));
  assert.doesNotThrow(() => env.getStreamGraph().validate());
});

test('validate rejects a non-parallel source set to run in parallel', () => {
  const env = environment(2);
  env.fromSource(new CollectionSource([1, 2, 3]), 'fixed').setParallelism(2).sinkTo(new CollectSink('out'));
  assertWeirError(() => env.getStreamGraph().validate(), 'INVALID_OPTION', "operator 'fixed'", 'must run at parallelism 1, not 2');
});

test('validate rejects a job with no operators, naming the job', () => {
  assertWeirError(() => environment(1).getStreamGraph().validate(), 'INVALID_GRAPH', "job 'test-job' has no operators");
});

test('topologicalOrder puts every node after its inputs, ties by creation order', () => {
  const edges = [['c', 'd'], ['a', 'd'], ['b', 'e'], ['d', 'e']] as const;
  const graph = handGraph(['a', 'b', 'c', 'd', 'e'], edges);
  const order = graph.topologicalOrder().map((n) => n.name);
  for (const [from, to] of edges) assert.ok(order.indexOf(from) < order.indexOf(to), `'${from}' before '${to}' in ${order.join(',')}`);
  // the sources a, b, c are ready together and come out by id before anything else
  assert.deepEqual(order.slice(0, 3), ['a', 'b', 'c']);
});

test('a cycle behind a source is reported as GRAPH_CYCLE listing the operators on it', () => {
  const edges = [['source', 'parse'], ['parse', 'enrich'], ['enrich', 'join'], ['join', 'parse'], ['join', 'sink']] as const;
  const graph = handGraph(['source', 'parse', 'enrich', 'join', 'sink'], edges);
  assert.throws(
    () => graph.topologicalOrder(),
    (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.equal(error.code, 'GRAPH_CYCLE');
      assertNamesACycle(cycleNames(error.message), edges, ['parse', 'enrich', 'join']);
      return true;
    },
  );
});

test('a cycle no source reaches and a self-loop are both found and named', () => {
  const cases = [
    { names: ['source', 'sink', 'a', 'b'], edges: [['source', 'sink'], ['a', 'b'], ['b', 'a']] as const, cycle: ['a', 'b'] },
    { names: ['source', 'loop'], edges: [['source', 'loop'], ['loop', 'loop']] as const, cycle: ['loop'] },
  ];
  for (const { names, edges, cycle } of cases) {
    const graph = handGraph(names, edges);
    assert.throws(
      () => graph.validate(),
      (error: unknown) => {
        assert.ok(error instanceof WeirError);
        assert.equal(error.code, 'GRAPH_CYCLE');
        assertNamesACycle(cycleNames(error.message), edges, cycle);
        return true;
      },
    );
  }
});
