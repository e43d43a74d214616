/**
 * @module Tests of the channel layout: all-to-all versus pointwise (forward, rescale) connections,
 * stable channel ids, and the order of a consumer's input channels.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobVertexId } from '../core/ids.ts';
import type { StreamNodeId } from '../core/ids.ts';
import { createJobGraph } from '../graph/job-graph.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { Partitioner, PartitionerKind } from '../graph/partitioner.ts';
import { StreamGraph } from '../graph/stream-graph.ts';
import { consumersOf, createChannelLayout } from './channel-layout.ts';
import type { ChannelSpec } from './channel-layout.ts';

function partitioner(kind: PartitionerKind): Partitioner {
  return kind === 'hash' ? { kind, keySelector: (value) => String(value) } : { kind };
}

/**
 * A JobGraph with chaining off, so every edge is a network edge. Nodes are [name, parallelism], with
 * the name as uid (so a vertex id is its operator's name); edges are [from, to, partitioner].
 */
function jobGraph(nodes: readonly (readonly [string, number])[], edges: readonly (readonly [string, string, PartitionerKind])[]): JobGraph<null> {
  const graph = new StreamGraph<null>({ jobName: 'layout', parallelism: 1, maxParallelism: undefined, chainingEnabled: false, bufferTimeoutMs: 100 });
  const ids = new Map<string, StreamNodeId>();
  for (const [name, parallelism] of nodes) {
    const node = graph.addNode({ kind: 'operator', operatorType: 'Map', name, payload: null, stateful: false, keyed: false });
    node.parallelism = parallelism;
    node.uid = name;
    ids.set(name, node.id);
  }
  for (const [from, to, kind] of edges) graph.addEdge(ids.get(from) as StreamNodeId, ids.get(to) as StreamNodeId, partitioner(kind), true);
  return createJobGraph(graph);
}

const pairs = (specs: readonly ChannelSpec[]): [number, number][] => specs.map((s) => [s.producer, s.consumer]);

test('all-to-all partitioners connect every producer subtask to every consumer subtask', () => {
  for (const kind of ['rebalance', 'shuffle', 'broadcast', 'global', 'hash'] as const) {
    const layout = createChannelLayout(jobGraph([['a', 2], ['b', 3]], [['a', 'b', kind]]));
    assert.equal(layout.channels.length, 2 * 3, kind);
    for (let producer = 0; producer < 2; producer++) {
      assert.deepEqual(pairs(layout.outputsOf(0, producer)), [0, 1, 2].map((c) => [producer, c]), `${kind}: outputs of producer ${producer}, by consumer`);
    }
    for (let consumer = 0; consumer < 3; consumer++) {
      assert.deepEqual(pairs(layout.inputsOf(JobVertexId('b'), consumer)), [0, 1].map((p) => [p, consumer]), `${kind}: inputs of consumer ${consumer}, by producer`);
    }
  }
});

test('forward connects each producer subtask to the consumer subtask of the same index only', () => {
  const layout = createChannelLayout(jobGraph([['a', 4], ['b', 4]], [['a', 'b', 'forward']]));
  assert.deepEqual(pairs(layout.channels), [0, 1, 2, 3].map((i) => [i, i]));
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(pairs(layout.outputsOf(0, i)), [[i, i]]);
    assert.deepEqual(pairs(layout.inputsOf(JobVertexId('b'), i)), [[i, i]]);
  }
});

test('rescale connects contiguous groups: each side of the smaller parallelism meets a run of the other', () => {
  for (let producers = 1; producers <= 9; producers++) {
    for (let consumers = 1; consumers <= 9; consumers++) {
      const where = `${producers} -> ${consumers}`;
      const edge = { partitioner: { kind: 'rescale' } } as Parameters<typeof consumersOf>[0];
      const links: [number, number][] = [];
      for (let p = 0; p < producers; p++) for (const c of consumersOf(edge, p, producers, consumers)) links.push([p, c]);
      const consumersOfProducer = (p: number): number[] => links.filter(([x]) => x === p).map(([, c]) => c);
      const producersOfConsumer = (c: number): number[] => links.filter(([, y]) => y === c).map(([p]) => p);
      for (let p = 0; p < producers; p++) assert.ok(consumersOfProducer(p).length >= 1, `${where}: producer ${p} has a consumer`);
      for (let c = 0; c < consumers; c++) assert.ok(producersOfConsumer(c).length >= 1, `${where}: consumer ${c} has a producer`);
      // the side with more subtasks has exactly one partner each
      if (producers >= consumers) for (let p = 0; p < producers; p++) assert.equal(consumersOfProducer(p).length, 1, where);
      else for (let c = 0; c < consumers; c++) assert.equal(producersOfConsumer(c).length, 1, where);
      // and partners are contiguous and in order: no two links cross
      for (const [p1, c1] of links) for (const [p2, c2] of links) if (p1 < p2) assert.ok(c1 <= c2, `${where}: ${p1}->${c1} crosses ${p2}->${c2}`);
    }
  }
});

test('the layout of a rescale edge matches consumersOf for every producer', () => {
  const graph = jobGraph([['a', 6], ['b', 4]], [['a', 'b', 'rescale']]);
  const layout = createChannelLayout(graph);
  const edge = graph.edges[0] as Parameters<typeof consumersOf>[0];
  for (let producer = 0; producer < 6; producer++) {
    assert.deepEqual(layout.outputsOf(0, producer).map((s) => s.consumer), consumersOf(edge, producer, 6, 4));
  }
  assert.equal(layout.channels.length, 6, 'one channel per producer when the consumer side is smaller');
});

test('channel ids are dense, unique and the same in two layouts of the same graph', () => {
  const build = (): ChannelSpec[] => [
    ...createChannelLayout(
      jobGraph(
        [['src', 3], ['parse', 3], ['count', 2], ['sink', 4]],
        [['src', 'parse', 'forward'], ['parse', 'count', 'hash'], ['count', 'sink', 'rescale'], ['src', 'sink', 'broadcast']],
      ),
    ).channels,
  ];
  const first = build();
  assert.deepEqual(first.map((c) => c.id), first.map((_, i) => i));
  assert.deepEqual(build(), first);
});

test("a consumer's input channels are ordered by the vertex's input edges, then by producer subtask", () => {
  const graph = jobGraph(
    [['left', 3], ['right', 2], ['join', 2]],
    // right is declared first, so its edge comes first among join's inputs
    [['right', 'join', 'rebalance'], ['left', 'join', 'hash']],
  );
  const layout = createChannelLayout(graph);
  const join = graph.vertices.find((v) => v.id === 'join');
  assert.ok(join !== undefined);
  const parallelismOf = new Map(graph.vertices.map((v) => [v.id, v.parallelism]));
  // the reference: each input edge in the vertex's order, and within it every producer in order
  const expected: [number, number][] = [];
  for (const edgeIndex of join.inputs) {
    const producers = parallelismOf.get(graph.edges[edgeIndex]?.source ?? JobVertexId('')) ?? 0;
    for (let producer = 0; producer < producers; producer++) expected.push([edgeIndex, producer]);
  }
  assert.equal(expected.length, 5, 'two producers on one edge and three on the other');
  for (let consumer = 0; consumer < 2; consumer++) {
    assert.deepEqual(layout.inputsOf(join.id, consumer).map((s) => [s.edge, s.producer]), expected);
    assert.ok(layout.inputsOf(join.id, consumer).every((s) => s.consumer === consumer));
  }
});

test('outputsOf and inputsOf are empty for what the graph does not have', () => {
  const layout = createChannelLayout(jobGraph([['a', 2], ['b', 2]], [['a', 'b', 'rebalance']]));
  assert.deepEqual(layout.outputsOf(5, 0), []);
  assert.deepEqual(layout.outputsOf(0, 7), []);
  assert.deepEqual(layout.inputsOf(JobVertexId('a'), 0), [], 'a source vertex has no inputs');
});
