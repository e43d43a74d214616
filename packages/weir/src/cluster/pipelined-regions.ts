/**
 * @module Pipelined regions of a JobGraph and the failover decision over them: which vertices restart
 * when one fails, under `jobmanager.execution.failover-strategy` `full` or `region`.
 */
import type { JobVertexId } from '../core/ids.ts';
import { WeirError } from '../core/errors.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { FailoverStrategyName } from './restart-strategy-options.ts';

/**
 * Vertices joined by pipelined edges, which therefore fail and restart together (Flink's
 * `PipelinedRegion`). `index` is the region's position in `computePipelinedRegions`' result.
 */
export interface PipelinedRegion {
  readonly index: number;
  /** In the JobGraph's (topological) vertex order. */
  readonly vertices: readonly JobVertexId[];
}

/**
 * Splits the job into pipelined regions. In Flink a region is what pipelined edges connect; blocking
 * (batch) edges separate regions. Every edge of a weir job is pipelined, as in a Flink streaming job, so
 * a region is a connected component of vertices over the job's edges (direction ignored): one region per
 * independent pipeline of the job, and one region for the whole job when everything is connected.
 *
 * Flink computes regions per subtask, so a pipeline whose edges are all pointwise (forward) falls apart
 * into one region per subtask there. weir restarts whole vertices, so its regions are per vertex:
 * never smaller than Flink's, and the same whenever an all-to-all edge (keyBy, rebalance, ...) joins the
 * vertices, which is the common case.
 *
 * Regions come in the order of their first vertex in the JobGraph.
 *
 * @example
 * // sources a -> keyBy -> sum and b -> keyBy -> sum, not connected: two regions
 * computePipelinedRegions(jobGraph).map((r) => r.vertices.length); // [2, 2]
 */
export function computePipelinedRegions<P>(jobGraph: JobGraph<P>): PipelinedRegion[] {
  const parent = new Map<JobVertexId, JobVertexId>(jobGraph.vertices.map((v) => [v.id, v.id]));
  const find = (id: JobVertexId): JobVertexId => {
    let root = id;
    for (let next = parent.get(root); next !== undefined && next !== root; next = parent.get(root)) root = next;
    // Path compression keeps later finds short on long pipelines.
    for (let node = id; node !== root; ) {
      const next = parent.get(node) ?? root;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  for (const edge of jobGraph.edges) {
    const source = find(edge.source);
    const target = find(edge.target);
    if (source !== target) parent.set(target, source);
  }

  const byRoot = new Map<JobVertexId, JobVertexId[]>();
  for (const vertex of jobGraph.vertices) {
    const root = find(vertex.id);
    const members = byRoot.get(root) ?? [];
    members.push(vertex.id);
    byRoot.set(root, members);
  }
  return [...byRoot.values()].map((vertices, index) => ({ index, vertices }));
}

/** The region holding `vertexId`. An id of another job is a bug (INTERNAL). */
export function regionOf(regions: readonly PipelinedRegion[], vertexId: JobVertexId): PipelinedRegion {
  const region = regions.find((r) => r.vertices.includes(vertexId));
  if (region === undefined) throw new WeirError('INTERNAL', `vertex ${vertexId} is in none of the job's ${regions.length} pipelined regions`);
  return region;
}

/**
 * The vertices to restart after a task of `failedVertexId` failed: every vertex with `full` (Flink's
 * `RestartAllFailoverStrategy`), the failed vertex's region with `region` (Flink's
 * `RestartPipelinedRegionFailoverStrategy`; with only pipelined edges no other region consumes its
 * results, so no other region has to restart).
 */
export function tasksToRestart(strategy: FailoverStrategyName, regions: readonly PipelinedRegion[], failedVertexId: JobVertexId): Set<JobVertexId> {
  const failedRegion = regionOf(regions, failedVertexId);
  switch (strategy) {
    case 'full':
      return new Set(regions.flatMap((r) => r.vertices));
    case 'region':
      return new Set(failedRegion.vertices);
  }
}
