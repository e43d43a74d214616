/**
 * @module JobGraph: the StreamGraph with operators chained into JobVertexes (forward edges between
 * equal parallelism), every operator given its uid, and the edges that cross threads or hosts.
 */
import { createHash } from 'node:crypto';
import { JobVertexId, OperatorUid, type StreamNodeId } from '../core/ids.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { partitionerName, type Partitioner } from './partitioner.ts';
import type { StreamEdge, StreamGraph, StreamNode } from './stream-graph.ts';

/** An operator inside a vertex, with everything resolved. */
export interface ChainedOperator<P> {
  readonly node: StreamNode<P>;
  readonly uid: OperatorUid;
  /** True when the uid was generated from the topology (changes when the graph changes). */
  readonly generatedUid: boolean;
  /** Operators this one feeds inside the chain (a chain may fork). */
  readonly chainedOutputs: readonly StreamNodeId[];
  /** Edges this one feeds across the network, by JobEdge index. */
  readonly networkOutputs: readonly number[];
  /** Where this one's side outputs go, by output tag id (chained operators and network edges). */
  readonly sideOutputs: readonly SideOutputTarget[];
}

/** One consumer of a side output: a chained operator or a network edge (by JobEdge index). */
export type SideOutputTarget =
  | { readonly tag: string; readonly kind: 'chained'; readonly target: StreamNodeId }
  | { readonly tag: string; readonly kind: 'network'; readonly edge: number };

export interface JobVertex<P> {
  readonly id: JobVertexId;
  /** `Source: logs -> parse`, the operators' names joined. */
  readonly name: string;
  /** The chain in topological order; the first is the head, which receives the vertex's inputs. */
  readonly operators: readonly ChainedOperator<P>[];
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

/** An edge between two vertices: records cross it through channels, partitioned. */
export interface JobEdge {
  readonly index: number;
  readonly source: JobVertexId;
  readonly target: JobVertexId;
  readonly sourceOperator: StreamNodeId;
  readonly targetOperator: StreamNodeId;
  readonly partitioner: Partitioner;
  /** The producing operator's output serializer; undefined: the generic fallback. */
  readonly serializer: TypeSerializer<unknown> | undefined;
  /** The output tag id when the edge carries a side output. */
  readonly sideOutput?: string | undefined;
  /** Which input of the target's two-input head operator the edge feeds; undefined for a one-input head. */
  readonly inputIndex?: 1 | 2 | undefined;
}

export interface JobGraph<P> {
  readonly jobName: string;
  /** Vertices in topological order. */
  readonly vertices: readonly JobVertex<P>[];
  readonly edges: readonly JobEdge[];
  readonly bufferTimeoutMs: number;
  /** A hash of the structure; equal on every process that built the same job. */
  readonly fingerprint: string;
}

/** Chains a validated StreamGraph into a JobGraph. */
export function createJobGraph<P>(graph: StreamGraph<P>): JobGraph<P> {
  graph.validate();
  const order = graph.topologicalOrder();
  const uids = assignUids(graph, order);
  const isChainable = (edge: StreamEdge): boolean => chainable(graph, edge);

  const headOf = new Map<StreamNodeId, StreamNodeId>();
  for (const node of order) {
    const input = node.inEdges.length === 1 ? node.inEdges[0] : undefined;
    const upstreamHead = input !== undefined && isChainable(input) ? headOf.get(input.source) : undefined;
    headOf.set(node.id, upstreamHead ?? node.id);
  }

  const vertexOf = (id: StreamNodeId): JobVertexId => JobVertexId(uids.get(headOf.get(id) ?? id)?.uid ?? String(id));
  const edges: JobEdge[] = [];
  const networkOutputs = new Map<StreamNodeId, number[]>();
  const sideOutputs = new Map<StreamNodeId, SideOutputTarget[]>();
  const addSideOutput = (source: StreamNodeId, target: SideOutputTarget): void => {
    const list = sideOutputs.get(source) ?? [];
    list.push(target);
    sideOutputs.set(source, list);
  };
  for (const node of order) {
    for (const edge of node.inEdges) {
      if (isChainable(edge)) {
        if (edge.sideOutput !== undefined) addSideOutput(edge.source, { tag: edge.sideOutput.tag, kind: 'chained', target: node.id });
        continue;
      }
      const upstream = graph.node(edge.source);
      const index = edges.length;
      edges.push({
        index,
        source: vertexOf(edge.source),
        target: vertexOf(node.id),
        sourceOperator: edge.source,
        targetOperator: node.id,
        partitioner: resolvePartitioner(graph, edge),
        serializer: edge.sideOutput === undefined ? upstream.outputType : edge.sideOutput.type,
        ...(edge.sideOutput === undefined ? {} : { sideOutput: edge.sideOutput.tag }),
        ...(edge.inputIndex === undefined ? {} : { inputIndex: edge.inputIndex }),
      });
      if (edge.sideOutput !== undefined) {
        addSideOutput(edge.source, { tag: edge.sideOutput.tag, kind: 'network', edge: index });
        continue;
      }
      const list = networkOutputs.get(edge.source) ?? [];
      list.push(index);
      networkOutputs.set(edge.source, list);
    }
  }

  const vertices: JobVertex<P>[] = [];
  for (const node of order) {
    if (headOf.get(node.id) !== node.id) continue;
    const members = order.filter((n) => headOf.get(n.id) === node.id);
    const id = vertexOf(node.id);
    const operators = members.map((member): ChainedOperator<P> => {
      const assigned = uids.get(member.id);
      return {
        node: member,
        uid: assigned?.uid ?? OperatorUid(String(member.id)),
        generatedUid: assigned?.generated ?? true,
        chainedOutputs: member.outEdges.filter((e) => e.sideOutput === undefined && isChainable(e)).map((e) => e.target),
        networkOutputs: networkOutputs.get(member.id) ?? [],
        sideOutputs: sideOutputs.get(member.id) ?? [],
      };
    });
    vertices.push({
      id,
      name: members.map(displayName).join(' -> '),
      operators,
      parallelism: graph.parallelismOf(node),
      maxParallelism: graph.maxParallelismOf(node),
      inputs: edges.filter((e) => e.target === id).map((e) => e.index),
      outputs: edges.filter((e) => e.source === id).map((e) => e.index),
    });
  }

  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        v: vertices.map((v) => [v.id, v.parallelism, v.maxParallelism, v.operators.map((o) => [o.uid, o.node.operatorType])]),
        e: edges.map((e) => [e.source, e.target, e.sourceOperator, e.targetOperator, e.partitioner.kind, ...(e.sideOutput === undefined ? [] : [e.sideOutput]), ...(e.inputIndex === undefined ? [] : [`input ${e.inputIndex}`])]),
      }),
    )
    .digest('hex');
  return { jobName: graph.config.jobName, vertices, edges, bufferTimeoutMs: graph.config.bufferTimeoutMs, fingerprint };
}

/** How Flink shows an operator in a vertex name: sources and sinks say what they are. */
function displayName<P>(node: StreamNode<P>): string {
  if (node.kind === 'source') return `Source: ${node.name}`;
  if (node.kind === 'sink') return `Sink: ${node.name}`;
  return node.name;
}

function chainable<P>(graph: StreamGraph<P>, edge: StreamEdge): boolean {
  const upstream = graph.node(edge.source);
  const downstream = graph.node(edge.target);
  return (
    graph.config.chainingEnabled &&
    downstream.inEdges.length === 1 &&
    // a two-input operator heads its chain: its inputs arrive through the task's two input gates
    edge.inputIndex === undefined &&
    upstream.chainingStrategy !== 'NEVER' &&
    downstream.chainingStrategy === 'ALWAYS' &&
    graph.parallelismOf(upstream) === graph.parallelismOf(downstream) &&
    // with one subtask on each side every partitioner has one choice: the edge is a forward edge
    (edge.partitioner.kind === 'forward' || graph.parallelismOf(downstream) === 1)
  );
}


/** A default (not user-chosen) forward edge between different parallelisms becomes rebalance, as in Flink. */
function resolvePartitioner<P>(graph: StreamGraph<P>, edge: StreamEdge): Partitioner {
  if (edge.partitioner.kind === 'forward' && !edge.explicitPartitioner) {
    if (graph.parallelismOf(graph.node(edge.source)) !== graph.parallelismOf(graph.node(edge.target))) return { kind: 'rebalance' };
  }
  return edge.partitioner;
}

/**
 * Explicit uids are kept as they are. The others are a hash of the node's position in a breadth-first
 * walk from the sources, its number of chainable outputs and its inputs' ids (Flink's scheme): stable
 * for an unchanged job, different when the topology in front of a node changes.
 */
function assignUids<P>(graph: StreamGraph<P>, order: readonly StreamNode<P>[]): Map<StreamNodeId, { uid: OperatorUid; generated: boolean }> {
  const result = new Map<StreamNodeId, { uid: OperatorUid; generated: boolean }>();
  const queue = order.filter((n) => n.inEdges.length === 0);
  const visited = new Set<StreamNodeId>(queue.map((n) => n.id));
  let position = 0;
  while (queue.length > 0) {
    const node = queue.shift() as StreamNode<P>;
    const inputs = node.inEdges.map((e) => result.get(e.source));
    if (inputs.some((i) => i === undefined)) {
      queue.push(node);
      continue;
    }
    if (node.uid !== undefined) {
      result.set(node.id, { uid: OperatorUid(node.uid), generated: false });
    } else {
      // Only forward edges count, so that a keyBy chained at parallelism 1 does not change the uid at 2.
      const chainableOutputs = node.outEdges.filter((e) => e.partitioner.kind === 'forward' && chainable(graph, e)).length;
      const hash = createHash('sha256')
        .update(`${position}|${chainableOutputs}|${node.inEdges.map((e, i) => (e.inputIndex === undefined ? inputs[i]?.uid : `${inputs[i]?.uid ?? ''}@${e.inputIndex}`)).join(',')}`)
        .digest('hex')
        .slice(0, 32);
      result.set(node.id, { uid: OperatorUid(hash), generated: true });
    }
    position++;
    for (const edge of node.outEdges) {
      if (!visited.has(edge.target)) {
        visited.add(edge.target);
        queue.push(graph.node(edge.target));
      }
    }
  }
  return result;
}

/** Plain data describing a JobGraph, for `weir plan --json` and the REST API. */
export interface JobGraphDescription {
  readonly jobName: string;
  readonly vertices: readonly {
    readonly id: string;
    readonly name: string;
    readonly parallelism: number;
    readonly maxParallelism: number;
    readonly operators: readonly {
      readonly name: string;
      readonly type: string;
      readonly uid: string;
      readonly uidGenerated: boolean;
      readonly stateful: boolean;
    }[];
  }[];
  readonly edges: readonly {
    readonly source: string;
    readonly target: string;
    readonly partitioner: string;
    readonly targetOperator: string;
    /** Which input of a two-input target operator the edge feeds. */
    readonly input?: 1 | 2 | undefined;
  }[];
  readonly warnings: readonly string[];
}

export function describeJobGraph<P>(jobGraph: JobGraph<P>): JobGraphDescription {
  const operatorName = new Map<StreamNodeId, string>();
  for (const vertex of jobGraph.vertices) for (const op of vertex.operators) operatorName.set(op.node.id, op.node.name);
  const warnings: string[] = [];
  for (const vertex of jobGraph.vertices) {
    for (const op of vertex.operators) {
      if (op.node.stateful && op.generatedUid) {
        warnings.push(
          `stateful operator '${op.node.name}' (${op.node.operatorType}) has no explicit uid: its state will not map to it after the graph changes; set .uid("...")`,
        );
      }
    }
  }
  return {
    jobName: jobGraph.jobName,
    vertices: jobGraph.vertices.map((v) => ({
      id: v.id,
      name: v.name,
      parallelism: v.parallelism,
      maxParallelism: v.maxParallelism,
      operators: v.operators.map((o) => ({
        name: o.node.name,
        type: o.node.operatorType,
        uid: o.uid,
        uidGenerated: o.generatedUid,
        stateful: o.node.stateful,
      })),
    })),
    edges: jobGraph.edges.map((e) => ({
      source: e.source,
      target: e.target,
      partitioner: partitionerName(e.partitioner),
      targetOperator: operatorName.get(e.targetOperator) ?? String(e.targetOperator),
      ...(e.inputIndex === undefined ? {} : { input: e.inputIndex }),
    })),
    warnings,
  };
}
