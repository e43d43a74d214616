/**
 * @module Which producer subtask talks to which consumer subtask over each JobEdge, with a channel id
 * that every slot computes the same way from the same JobGraph.
 */
import type { JobEdge, JobGraph, JobVertex } from '../graph/job-graph.ts';
import type { JobVertexId } from '../core/ids.ts';

export interface ChannelSpec {
  readonly id: number;
  readonly edge: number;
  readonly producer: number;
  readonly consumer: number;
}

export interface ChannelLayout {
  readonly channels: readonly ChannelSpec[];
  /** Channels of `edge` written by `producer`, ordered by consumer subtask. */
  outputsOf(edge: number, producer: number): readonly ChannelSpec[];
  /** Channels read by `consumer` of vertex, in the order of the vertex's inputs then producer subtask. */
  inputsOf(vertex: JobVertexId, consumer: number): readonly ChannelSpec[];
}

/** Forward and rescale connect each producer to a few consumers (pointwise); the rest are all-to-all. */
export function consumersOf(edge: JobEdge, producer: number, producerParallelism: number, consumerParallelism: number): number[] {
  if (edge.partitioner.kind === 'forward') return [producer];
  if (edge.partitioner.kind === 'rescale') {
    if (producerParallelism >= consumerParallelism) return [Math.floor((producer * consumerParallelism) / producerParallelism)];
    const start = Math.floor((producer * consumerParallelism) / producerParallelism);
    const end = Math.floor(((producer + 1) * consumerParallelism) / producerParallelism);
    return Array.from({ length: end - start }, (_, i) => start + i);
  }
  return Array.from({ length: consumerParallelism }, (_, i) => i);
}

export function createChannelLayout<P>(graph: JobGraph<P>): ChannelLayout {
  const vertex = new Map<JobVertexId, JobVertex<P>>(graph.vertices.map((v) => [v.id, v]));
  const channels: ChannelSpec[] = [];
  const outputs = new Map<string, ChannelSpec[]>();
  const inputs = new Map<string, ChannelSpec[]>();
  for (const edge of graph.edges) {
    const source = vertex.get(edge.source) as JobVertex<P>;
    const target = vertex.get(edge.target) as JobVertex<P>;
    for (let producer = 0; producer < source.parallelism; producer++) {
      const list: ChannelSpec[] = [];
      for (const consumer of consumersOf(edge, producer, source.parallelism, target.parallelism)) {
        const spec: ChannelSpec = { id: channels.length, edge: edge.index, producer, consumer };
        channels.push(spec);
        list.push(spec);
      }
      outputs.set(`${edge.index}/${producer}`, list);
    }
  }
  for (const target of graph.vertices) {
    for (let consumer = 0; consumer < target.parallelism; consumer++) {
      const list = channels
        .filter((c) => c.consumer === consumer && graph.edges[c.edge]?.target === target.id)
        .sort((a, b) => target.inputs.indexOf(a.edge) - target.inputs.indexOf(b.edge) || a.producer - b.producer);
      inputs.set(`${target.id}/${consumer}`, list);
    }
  }
  return {
    channels,
    outputsOf: (edge, producer) => outputs.get(`${edge}/${producer}`) ?? [],
    inputsOf: (vertexId, consumer) => inputs.get(`${vertexId}/${consumer}`) ?? [],
  };
}
