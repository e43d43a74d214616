/**
 * @module Tests of pipelined regions on JobGraphs built through the DataStream API, at parallelism 1, 2
 * and 4, and of which vertices the full and region failover strategies restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobVertexId } from '../core/ids.ts';
import { WeirError } from '../core/errors.ts';
import { createJobGraph } from '../graph/job-graph.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import { CollectSink, DataGeneratorSource, JobParameters, StreamExecutionEnvironment } from '../index.ts';
import type { SingleOutputStreamOperator } from '../index.ts';
import { computePipelinedRegions, regionOf, tasksToRestart } from './pipelined-regions.ts';
import type { PipelinedRegion } from './pipelined-regions.ts';

const PARALLELISMS = [1, 2, 4];

function environment(parallelism: number): StreamExecutionEnvironment {
  return new StreamExecutionEnvironment({ jobName: 'regions', parallelism, parameters: new JobParameters() });
}

function numbers(env: StreamExecutionEnvironment, name: string): SingleOutputStreamOperator<number> {
  return env.fromSource(new DataGeneratorSource((i) => i, { count: 10 }), name);
}

/** `<prefix>-source -> keyBy -> <prefix>-sum -> <prefix>-map (parallelism + 1) -> <prefix>-out`. */
function pipeline(env: StreamExecutionEnvironment, prefix: string, parallelism: number): void {
  numbers(env, `${prefix}-source`)
    .keyBy((x) => x % 3)
    .sum()
    .name(`${prefix}-sum`)
    .map((x) => x * 2)
    .name(`${prefix}-map`)
    .setParallelism(parallelism + 1)
    .sinkTo(new CollectSink(`${prefix}-out`));
}

/** The vertex holding the operator named `name`. */
function vertexOf(jobGraph: JobGraph<unknown>, name: string): JobVertexId {
  const vertex = jobGraph.vertices.find((v) => v.operators.some((o) => o.node.name === name));
  assert.ok(vertex !== undefined, `a vertex holds operator '${name}'`);
  return vertex.id;
}

/** Reference: the vertices holding an operator whose name starts with `prefix`, sorted. */
function verticesNamed(jobGraph: JobGraph<unknown>, prefix: string): JobVertexId[] {
  return jobGraph.vertices.filter((v) => v.operators.some((o) => o.node.name.startsWith(prefix))).map((v) => v.id).sort();
}

function sortedRegions(regions: readonly PipelinedRegion[]): JobVertexId[][] {
  return regions.map((r) => [...r.vertices].sort()).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

for (const parallelism of PARALLELISMS) {
  test(`a job of two disconnected pipelines has one region per pipeline at parallelism ${parallelism}`, () => {
    const env = environment(parallelism);
    pipeline(env, 'a', parallelism);
    pipeline(env, 'b', parallelism);
    const jobGraph = createJobGraph(env.getStreamGraph());
    const regions = computePipelinedRegions(jobGraph);

    const expected = [verticesNamed(jobGraph, 'a-'), verticesNamed(jobGraph, 'b-')];
    assert.ok(expected.every((vertices) => vertices.length >= 2), 'each pipeline spans several vertices');
    assert.deepEqual(sortedRegions(regions), sortedRegions(expected.map((vertices, index) => ({ index, vertices }))));
    assert.deepEqual(
      regions.map((r) => r.index),
      regions.map((_, i) => i),
    );
    assert.equal(regionOf(regions, vertexOf(jobGraph, 'a-map')), regionOf(regions, vertexOf(jobGraph, 'a-source')));
    assert.notEqual(regionOf(regions, vertexOf(jobGraph, 'a-map')), regionOf(regions, vertexOf(jobGraph, 'b-map')));
  });

  test(`a single pipeline that unions two sources is one region at parallelism ${parallelism}`, () => {
    const env = environment(parallelism);
    numbers(env, 'left')
      .union(numbers(env, 'right'))
      .keyBy((x) => x % 2)
      .sum()
      .name('total')
      .sinkTo(new CollectSink('out'));
    const jobGraph = createJobGraph(env.getStreamGraph());
    const regions = computePipelinedRegions(jobGraph);

    assert.ok(jobGraph.vertices.length >= 3, 'each source is its own vertex');
    assert.deepEqual(sortedRegions(regions), [jobGraph.vertices.map((v) => v.id).sort()]);
  });
}

test('regions list their vertices in the order of the JobGraph', () => {
  const env = environment(2);
  pipeline(env, 'a', 2);
  const jobGraph = createJobGraph(env.getStreamGraph());
  const [region] = computePipelinedRegions(jobGraph);
  assert.deepEqual(region?.vertices, jobGraph.vertices.map((v) => v.id));
});

test('full failover restarts every vertex and region failover only the pipeline of the failed vertex', () => {
  const env = environment(2);
  pipeline(env, 'a', 2);
  pipeline(env, 'b', 2);
  const jobGraph = createJobGraph(env.getStreamGraph());
  const regions = computePipelinedRegions(jobGraph);
  const failed = vertexOf(jobGraph, 'b-sum');

  assert.deepEqual(tasksToRestart('full', regions, failed), new Set(jobGraph.vertices.map((v) => v.id)));
  assert.deepEqual(tasksToRestart('region', regions, failed), new Set(verticesNamed(jobGraph, 'b-')));
});

test('region failover of a fully connected job restarts every vertex, as full failover does', () => {
  const env = environment(2);
  numbers(env, 'left')
    .union(numbers(env, 'right'))
    .keyBy((x) => x % 2)
    .sum()
    .sinkTo(new CollectSink('out'));
  const jobGraph = createJobGraph(env.getStreamGraph());
  const regions = computePipelinedRegions(jobGraph);
  const failed = vertexOf(jobGraph, 'left');
  assert.deepEqual(tasksToRestart('region', regions, failed), tasksToRestart('full', regions, failed));
});

test('a vertex of another job is an internal error', () => {
  const env = environment(1);
  pipeline(env, 'a', 1);
  const regions = computePipelinedRegions(createJobGraph(env.getStreamGraph()));
  assert.throws(
    () => tasksToRestart('region', regions, JobVertexId('no-such-vertex')),
    (error: unknown) => error instanceof WeirError && error.code === 'INTERNAL',
  );
});
