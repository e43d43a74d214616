/**
 * @module StreamGraph: the graph the DataStream API builds, one node per operator, before chaining.
 * Nodes carry an opaque payload (what the runtime instantiates); the graph only knows the topology.
 */
import { WeirError } from '../core/errors.ts';
import { StreamNodeId } from '../core/ids.ts';
import { DEFAULT_MAX_PARALLELISM, UPPER_BOUND_MAX_PARALLELISM } from '../core/key-groups.ts';
import { checkInteger } from '../core/options.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import type { Partitioner } from './partitioner.ts';

export type ChainingStrategy = 'ALWAYS' | 'HEAD' | 'NEVER';
export type StreamNodeKind = 'source' | 'operator' | 'sink';

export interface StreamNode<P> {
  readonly id: StreamNodeId;
  readonly kind: StreamNodeKind;
  /** What the operator does, e.g. "Map", "KeyedProcess", "Source: DataGen". */
  readonly operatorType: string;
  name: string;
  /** The explicit uid set with `.uid()`, if any. */
  uid: string | undefined;
  /** undefined: the environment's default parallelism. */
  parallelism: number | undefined;
  maxParallelism: number | undefined;
  /** Set when the parallelism may not change (a non-parallel source). */
  readonly fixedParallelism: number | undefined;
  /** True when the operator keeps keyed or operator state that must survive restarts. */
  readonly stateful: boolean;
  /** True when the input is a KeyedStream. */
  readonly keyed: boolean;
  chainingStrategy: ChainingStrategy;
  /** The serializer of the records this node emits; undefined: the generic fallback. */
  outputType: TypeSerializer<unknown> | undefined;
  readonly payload: P;
  readonly inEdges: StreamEdge[];
  readonly outEdges: StreamEdge[];
}

export interface StreamEdge {
  readonly source: StreamNodeId;
  readonly target: StreamNodeId;
  readonly partitioner: Partitioner;
  /** Whether the partitioner was chosen by the user (explicit forward must keep the parallelism). */
  readonly explicitPartitioner: boolean;
  /** Set when the edge carries one of the source's side outputs instead of its main output. */
  readonly sideOutput?: SideOutput | undefined;
  /** Which input of a two-input target the edge feeds (Flink's type number); undefined for a one-input target. */
  readonly inputIndex?: 1 | 2 | undefined;
}

/** A side output an edge carries: the output tag's id and the type of its records. */
export interface SideOutput {
  readonly tag: string;
  /** undefined: the generic fallback. */
  readonly type: TypeSerializer<unknown> | undefined;
}

export interface StreamGraphConfig {
  jobName: string;
  parallelism: number;
  /** undefined: derived from parallelism as Flink does. */
  maxParallelism: number | undefined;
  chainingEnabled: boolean;
  /** Longest time a partly filled batch waits before it is sent, in ms (Flink's buffer timeout). */
  bufferTimeoutMs: number;
}

export interface AddNodeOptions<P> {
  kind: StreamNodeKind;
  operatorType: string;
  name: string;
  payload: P;
  stateful: boolean;
  keyed: boolean;
  outputType?: TypeSerializer<unknown> | undefined;
  fixedParallelism?: number | undefined;
  chainingStrategy?: ChainingStrategy;
}

export class StreamGraph<P> {
  readonly config: StreamGraphConfig;
  readonly #nodes: StreamNode<P>[] = [];

  constructor(config: StreamGraphConfig) {
    this.config = config;
  }

  get nodes(): readonly StreamNode<P>[] {
    return this.#nodes;
  }

  node(id: StreamNodeId): StreamNode<P> {
    const node = this.#nodes[id];
    if (node === undefined) throw new WeirError('INVALID_GRAPH', `no stream node with id ${id}`);
    return node;
  }

  addNode(options: AddNodeOptions<P>): StreamNode<P> {
    const node: StreamNode<P> = {
      id: StreamNodeId(this.#nodes.length),
      kind: options.kind,
      operatorType: options.operatorType,
      name: options.name,
      uid: undefined,
      parallelism: options.fixedParallelism,
      maxParallelism: undefined,
      fixedParallelism: options.fixedParallelism,
      stateful: options.stateful,
      keyed: options.keyed,
      chainingStrategy: options.chainingStrategy ?? 'ALWAYS',
      outputType: options.outputType,
      payload: options.payload,
      inEdges: [],
      outEdges: [],
    };
    this.#nodes.push(node);
    return node;
  }

  addEdge(source: StreamNodeId, target: StreamNodeId, partitioner: Partitioner, explicitPartitioner: boolean, sideOutput?: SideOutput, inputIndex?: 1 | 2): StreamEdge {
    const base: StreamEdge = sideOutput === undefined ? { source, target, partitioner, explicitPartitioner } : { source, target, partitioner, explicitPartitioner, sideOutput };
    const edge: StreamEdge = inputIndex === undefined ? base : { ...base, inputIndex };
    this.node(source).outEdges.push(edge);
    this.node(target).inEdges.push(edge);
    return edge;
  }

  /** The parallelism a node runs at. */
  parallelismOf(node: StreamNode<P>): number {
    return node.parallelism ?? this.config.parallelism;
  }

  /** The number of key groups of a node's keyed state (Flink's default when not set). */
  maxParallelismOf(node: StreamNode<P>): number {
    return node.maxParallelism ?? this.config.maxParallelism ?? defaultMaxParallelism(this.parallelismOf(node));
  }

  /**
   * Nodes in topological order (sources first, ties by id). Throws GRAPH_CYCLE naming the operators on
   * a cycle: weir runs directed acyclic graphs only.
   */
  topologicalOrder(): StreamNode<P>[] {
    const remaining = this.#nodes.map((n) => n.inEdges.length);
    const ready = this.#nodes.filter((n) => n.inEdges.length === 0).map((n) => n.id as number);
    const order: StreamNode<P>[] = [];
    while (ready.length > 0) {
      ready.sort((a, b) => a - b);
      const id = ready.shift() as number;
      const node = this.node(StreamNodeId(id));
      order.push(node);
      for (const edge of node.outEdges) {
        const left = (remaining[edge.target] ?? 0) - 1;
        remaining[edge.target] = left;
        if (left === 0) ready.push(edge.target);
      }
    }
    if (order.length < this.#nodes.length) {
      const cycle = this.#findCycle(new Set(order.map((n) => n.id)));
      throw new WeirError('GRAPH_CYCLE', `the job graph has a cycle: ${cycle.map((n) => `'${n.name}'`).join(' -> ')}`, {
        hint: 'weir runs directed acyclic graphs; feed results back through an external system (a log or table) instead of an edge',
      });
    }
    return order;
  }

  /** A cycle among the nodes a topological sort could not order (depth-first, by on-stack marks). */
  #findCycle(ordered: Set<StreamNodeId>): StreamNode<P>[] {
    const state = new Map<StreamNodeId, 'open' | 'done'>();
    const path: StreamNode<P>[] = [];
    const visit = (node: StreamNode<P>): StreamNode<P>[] | undefined => {
      state.set(node.id, 'open');
      path.push(node);
      for (const edge of node.outEdges) {
        if (ordered.has(edge.target)) continue;
        const next = this.node(edge.target);
        const mark = state.get(next.id);
        if (mark === 'open') return [...path.slice(path.indexOf(next)), next];
        if (mark === undefined) {
          const found = visit(next);
          if (found !== undefined) return found;
        }
      }
      path.pop();
      state.set(node.id, 'done');
      return undefined;
    };
    for (const node of this.#nodes) {
      if (ordered.has(node.id) || state.has(node.id)) continue;
      const found = visit(node);
      if (found !== undefined) return found;
    }
    return [];
  }

  /** Checks parallelism settings and partitioners; throws a WeirError naming the operator. */
  validate(): void {
    checkInteger('parallelism', this.config.parallelism, 1, UPPER_BOUND_MAX_PARALLELISM, 'the job');
    if (this.config.maxParallelism !== undefined) {
      checkInteger('maxParallelism', this.config.maxParallelism, 1, UPPER_BOUND_MAX_PARALLELISM, 'the job');
    }
    checkInteger('bufferTimeoutMs', this.config.bufferTimeoutMs, 0, 3_600_000, 'the job');
    if (this.#nodes.length === 0) {
      throw new WeirError('INVALID_GRAPH', `job '${this.config.jobName}' has no operators`, {
        hint: 'add at least a source and a sink: env.fromSource(...).sinkTo(...)',
      });
    }
    this.topologicalOrder();
    const uids = new Map<string, StreamNode<P>>();
    for (const node of this.#nodes) {
      const where = `operator '${node.name}'`;
      const parallelism = this.parallelismOf(node);
      checkInteger('parallelism', parallelism, 1, UPPER_BOUND_MAX_PARALLELISM, where);
      const maxParallelism = this.maxParallelismOf(node);
      checkInteger('maxParallelism', maxParallelism, 1, UPPER_BOUND_MAX_PARALLELISM, where);
      if (parallelism > maxParallelism) {
        throw new WeirError('INVALID_OPTION', `${where} has parallelism ${parallelism} above its maxParallelism ${maxParallelism}`, {
          hint: 'lower the parallelism or raise maxParallelism (it is fixed for the life of the job\'s state)',
        });
      }
      if (node.fixedParallelism !== undefined && parallelism !== node.fixedParallelism) {
        throw new WeirError('INVALID_OPTION', `${where} (${node.operatorType}) is not parallel and must run at parallelism ${node.fixedParallelism}, not ${parallelism}`);
      }
      if (node.uid !== undefined) {
        const other = uids.get(node.uid);
        if (other !== undefined) {
          throw new WeirError('INVALID_GRAPH', `uid '${node.uid}' is set on two operators: '${other.name}' and '${node.name}'`, {
            hint: 'every uid must be unique within a job',
          });
        }
        uids.set(node.uid, node);
      }
      for (const edge of node.inEdges) {
        const upstream = this.node(edge.source);
        if (edge.partitioner.kind === 'forward' && edge.explicitPartitioner && this.parallelismOf(upstream) !== parallelism) {
          throw new WeirError('INVALID_GRAPH', `forward() from '${upstream.name}' (parallelism ${this.parallelismOf(upstream)}) to '${node.name}' (parallelism ${parallelism}) would change the parallelism`, {
            hint: 'forward partitioning keeps each subtask\'s records in the same subtask; use rebalance() or give both the same parallelism',
          });
        }
      }
    }
  }
}

/** Flink's default maxParallelism: 1.5 x parallelism rounded up to a power of two, within [128, 32768]. */
export function defaultMaxParallelism(parallelism: number): number {
  const target = Math.ceil(parallelism * 1.5);
  let power = 1;
  while (power < target) power *= 2;
  return Math.min(Math.max(power, DEFAULT_MAX_PARALLELISM), UPPER_BOUND_MAX_PARALLELISM);
}
