/**
 * @module The DataStream API: DataStream, SingleOutputStreamOperator, KeyedStream and DataStreamSink.
 * Each call adds a node to the StreamGraph; types flow through (a `map` from Bid to number is a
 * `DataStream<number>`). They share one file because each refers to the others.
 */
import { WeirError } from '../core/errors.ts';
import type { StreamNodeId } from '../core/ids.ts';
import { UPPER_BOUND_MAX_PARALLELISM, type Key } from '../core/key-groups.ts';
import { checkInteger, checkNonEmptyString } from '../core/options.ts';
import type { Partitioner } from '../graph/partitioner.ts';
import type { StreamGraph, StreamNode, StreamNodeKind } from '../graph/stream-graph.ts';
import { createAggregation, type AggregationKind } from '../operators/aggregations.ts';
import type { FilterFunction, FlatMapFunction, KeyedProcessFunction, MapFunction, ProcessFunction } from '../operators/functions.ts';
import { KeyedProcessOperator } from '../operators/keyed-process-operator.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import { ProcessOperator } from '../operators/process-operator.ts';
import type { Sink } from '../operators/sink.ts';
import { SinkOperator } from '../operators/sink-operator.ts';
import { StreamFilter } from '../operators/stream-filter.ts';
import { StreamFlatMap } from '../operators/stream-flat-map.ts';
import { StreamGroupedReduce } from '../operators/stream-grouped-reduce.ts';
import { StreamMap } from '../operators/stream-map.ts';
import type { KeyedContext, OperatorFactory } from '../operators/stream-operator.ts';
import type { ReduceFunction } from '../state/aggregate-function.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { PrintSink } from '../connectors/print-sink.ts';

/** One upstream of a stream: a node and how its records reach the next operator. */
interface StreamInput {
  readonly node: StreamNodeId;
  readonly partitioner: Partitioner;
  readonly explicit: boolean;
}

/** Fields of `T` that hold numbers: object keys, or any index of a tuple. */
export type NumericField<T> = T extends readonly unknown[]
  ? number
  : { [K in keyof T]-?: T[K] extends number | bigint ? K : never }[keyof T] & (string | number);

type Graph = StreamGraph<OperatorSpec>;

/** A stream of records of type `T`. Transformations return new streams; nothing runs until the job does. */
export class DataStream<T> {
  /** @internal */
  protected readonly graph: Graph;
  /** @internal */
  protected readonly inputs: readonly StreamInput[];
  /** @internal */
  protected readonly type: TypeSerializer<T> | undefined;

  /** @internal */
  constructor(graph: Graph, inputs: readonly StreamInput[], type: TypeSerializer<T> | undefined) {
    this.graph = graph;
    this.inputs = inputs;
    this.type = type;
  }

  /** The declared type of the records, if any (undefined: the generic serializer). */
  getType(): TypeSerializer<T> | undefined {
    return this.type;
  }

  /** Applies `fn` to every record. Pass `outputType` to encode results compactly between threads. */
  map<R>(fn: MapFunction<T, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    checkFunction(fn, 'map', 'map');
    return this.addOperator<R>('Map', 'Map', (ctx, out) => new StreamMap(fn, ctx, out), outputType, false);
  }

  /** Keeps the records for which `fn` returns true. */
  filter(fn: FilterFunction<T>): SingleOutputStreamOperator<T> {
    checkFunction(fn, 'filter', 'filter');
    return this.addOperator<T>('Filter', 'Filter', (ctx, out) => new StreamFilter(fn, ctx, out), this.type, false);
  }

  /** Emits zero or more records per record through `out.collect`. */
  flatMap<R>(fn: FlatMapFunction<T, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    checkFunction(fn, 'flatMap', 'flatMap');
    return this.addOperator<R>('FlatMap', 'Flat Map', (ctx, out) => new StreamFlatMap(fn, ctx, out), outputType, false);
  }

  /** Processes each record with a ProcessFunction (timestamp, current time, side effects in open/close). */
  process<R>(fn: ProcessFunction<T, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    checkFunction(fn, 'process', 'processElement');
    return this.addOperator<R>('Process', 'Process', (ctx, out) => new ProcessOperator(fn, ctx, out), outputType, false);
  }

  /**
   * Partitions the stream by key: records with equal keys go to the same subtask, and operators after
   * keyBy have keyed state and timers scoped to the record's key.
   */
  keyBy<K extends Key>(keySelector: (value: T) => K): KeyedStream<T, K> {
    if (typeof keySelector !== 'function') {
      throw new WeirError('INVALID_OPTION', `keyBy() needs a key selector function, got ${typeof keySelector}`, {
        hint: 'pass a function from record to key: keyBy((event) => event.appId)',
      });
    }
    const partitioner: Partitioner = { kind: 'hash', keySelector: keySelector as (value: unknown) => Key };
    return new KeyedStream<T, K>(
      this.graph,
      this.inputs.map((input) => ({ node: input.node, partitioner, explicit: true })),
      this.type,
      keySelector,
    );
  }

  /** Merges streams of the same type; the result holds the records of all of them. */
  union(...streams: DataStream<T>[]): DataStream<T> {
    const inputs = [...this.inputs];
    for (const stream of streams) {
      if (stream.graph !== this.graph) {
        throw new WeirError('INVALID_GRAPH', 'union() of streams from different environments', { hint: 'build every stream of a job from the same environment' });
      }
      inputs.push(...stream.inputs);
    }
    return new DataStream<T>(this.graph, inputs, this.type);
  }

  /** Writes the stream to a sink. */
  sinkTo(sink: Sink<T>): DataStreamSink<T> {
    if (typeof sink !== 'object' || typeof sink.createWriter !== 'function') {
      throw new WeirError('INVALID_OPTION', 'sinkTo() needs a Sink (an object with createWriter)', { hint: 'e.g. sinkTo(new PrintSink())' });
    }
    const sinkName = sink.name;
    const spec: OperatorSpec = {
      kind: 'one-input',
      factory: ((ctx) => new SinkOperator(sink, ctx)),
      createCoordinator: sink.createCoordinator === undefined ? undefined : () => (sink.createCoordinator as () => ReturnType<NonNullable<Sink<T>['createCoordinator']>>)(),
      resultName: sink.createCoordinator === undefined ? undefined : sinkName,
    };
    const node = this.addNode('sink', `Sink: ${sink.constructor.name}`, sinkName, spec, false, undefined);
    return new DataStreamSink<T>(this.graph, node);
  }

  /** Prints every record to stdout, prefixed with the subtask (`2> record`) when parallel; for debugging. */
  print(prefix?: string): DataStreamSink<T> {
    return this.sinkTo(new PrintSink<T>({ prefix }));
  }

  /** Round-robin over all downstream subtasks (evens out skew). */
  rebalance(): DataStream<T> {
    return this.#partition({ kind: 'rebalance' });
  }

  /** Round-robin over a subset of downstream subtasks (cheaper than rebalance when parallelism changes). */
  rescale(): DataStream<T> {
    return this.#partition({ kind: 'rescale' });
  }

  /** Random downstream subtask for each record. */
  shuffle(): DataStream<T> {
    return this.#partition({ kind: 'shuffle' });
  }

  /** Every record to every downstream subtask. */
  broadcast(): DataStream<T> {
    return this.#partition({ kind: 'broadcast' });
  }

  /** Each subtask's records to the same-numbered downstream subtask (parallelism must match). */
  forward(): DataStream<T> {
    return this.#partition({ kind: 'forward' });
  }

  /** Every record to the first downstream subtask. */
  global(): DataStream<T> {
    return this.#partition({ kind: 'global' });
  }

  #partition(partitioner: Partitioner): DataStream<T> {
    return new DataStream<T>(
      this.graph,
      this.inputs.map((input) => ({ node: input.node, partitioner, explicit: true })),
      this.type,
    );
  }

  /** @internal Adds a one-input operator fed by this stream. */
  protected addOperator<R>(
    operatorType: string,
    name: string,
    factory: OperatorFactory<T, R>,
    outputType: TypeSerializer<R> | undefined,
    stateful: boolean,
  ): SingleOutputStreamOperator<R> {
    const spec: OperatorSpec = { kind: 'one-input', factory: factory };
    const node = this.addNode('operator', operatorType, name, spec, stateful, outputType);
    return new SingleOutputStreamOperator<R>(this.graph, node, outputType);
  }

  /** @internal */
  protected addNode(
    kind: StreamNodeKind,
    operatorType: string,
    name: string,
    spec: OperatorSpec,
    stateful: boolean,
    outputType: TypeSerializer<unknown> | undefined,
  ): StreamNode<OperatorSpec> {
    const node = this.graph.addNode({ kind, operatorType, name, payload: spec, stateful, keyed: this.isKeyed(), outputType });
    for (const input of this.inputs) this.graph.addEdge(input.node, node.id, input.partitioner, input.explicit);
    return node;
  }

  /** @internal */
  protected isKeyed(): boolean {
    return false;
  }
}

/** The result of a transformation: one operator, whose name, uid and parallelism can be set. */
export class SingleOutputStreamOperator<T> extends DataStream<T> {
  readonly #node: StreamNode<OperatorSpec>;

  /** @internal */
  constructor(graph: Graph, node: StreamNode<OperatorSpec>, type: TypeSerializer<T> | undefined) {
    super(graph, [{ node: node.id, partitioner: { kind: 'forward' }, explicit: false }], type);
    this.#node = node;
  }

  /**
   * Sets the operator's stable id. State in checkpoints and savepoints is stored by uid, so set one on
   * every stateful operator: generated ids change when the graph changes.
   */
  uid(uid: string): this {
    this.#node.uid = checkNonEmptyString('uid', uid, `operator '${this.#node.name}'`);
    return this;
  }

  /** Sets the operator's display name (shown in plans, metrics and errors). */
  name(name: string): this {
    this.#node.name = checkNonEmptyString('name', name, `operator '${this.#node.name}'`);
    return this;
  }

  setParallelism(parallelism: number): this {
    this.#node.parallelism = checkInteger('parallelism', parallelism, 1, UPPER_BOUND_MAX_PARALLELISM, `operator '${this.#node.name}'`);
    return this;
  }

  /** Sets the number of key groups of this operator's keyed state; fixed for the life of its state. */
  setMaxParallelism(maxParallelism: number): this {
    this.#node.maxParallelism = checkInteger('maxParallelism', maxParallelism, 1, UPPER_BOUND_MAX_PARALLELISM, `operator '${this.#node.name}'`);
    return this;
  }

  /** Declares the type of this operator's output (for compact encoding between threads). */
  returns<R extends T>(type: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    this.#node.outputType = type;
    return new SingleOutputStreamOperator<R>(this.graph, this.#node, type);
  }

  /** Keeps this operator out of any chain. */
  disableChaining(): this {
    this.#node.chainingStrategy = 'NEVER';
    return this;
  }

  /** Starts a new chain at this operator (it may still chain with what follows). */
  startNewChain(): this {
    this.#node.chainingStrategy = 'HEAD';
    return this;
  }
}

/** A stream partitioned by key. Operators applied to it see keyed state and timers for each record's key. */
export class KeyedStream<T, K extends Key> extends DataStream<T> {
  readonly #keySelector: (value: T) => K;

  /** @internal */
  constructor(graph: Graph, inputs: readonly StreamInput[], type: TypeSerializer<T> | undefined, keySelector: (value: T) => K) {
    super(graph, inputs, type);
    this.#keySelector = keySelector;
  }

  getKeySelector(): (value: T) => K {
    return this.#keySelector;
  }

  /** Processes each record with its key set: keyed state, event- and processing-time timers. */
  override process<R>(fn: KeyedProcessFunction<K, T, R> | ProcessFunction<T, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    checkFunction(fn, 'process', 'processElement');
    const keyed = fn as KeyedProcessFunction<K, T, R>;
    return this.addOperator<R>(
      'KeyedProcess',
      'KeyedProcess',
      (ctx, out) => new KeyedProcessOperator<K, T, R>(keyed, ctx, out, requireKeyed(ctx.keyed, ctx.description)),
      outputType,
      true,
    );
  }

  /** A rolling reduce: emits the combined value of the key after every record. */
  reduce(fn: ReduceFunction<T>): SingleOutputStreamOperator<T> {
    checkFunction(fn, 'reduce', 'reduce');
    return this.#reduceOperator('Keyed Reduce', 'Reduce', fn);
  }

  /** Rolling sum of a numeric field (or of the values of a number stream). */
  sum(...field: T extends number ? [] : [field: NumericField<T>]): SingleOutputStreamOperator<T> {
    return this.#aggregate('sum', field[0]);
  }

  /** Rolling minimum of a field; the other fields are those of the key's first record. */
  min(...field: T extends number ? [] : [field: NumericField<T>]): SingleOutputStreamOperator<T> {
    return this.#aggregate('min', field[0]);
  }

  /** Rolling maximum of a field; the other fields are those of the key's first record. */
  max(...field: T extends number ? [] : [field: NumericField<T>]): SingleOutputStreamOperator<T> {
    return this.#aggregate('max', field[0]);
  }

  /** The record with the smallest value of a field so far (the first one on ties). */
  minBy(...field: T extends number ? [] : [field: NumericField<T>]): SingleOutputStreamOperator<T> {
    return this.#aggregate('minBy', field[0]);
  }

  /** The record with the largest value of a field so far (the first one on ties). */
  maxBy(...field: T extends number ? [] : [field: NumericField<T>]): SingleOutputStreamOperator<T> {
    return this.#aggregate('maxBy', field[0]);
  }

  /** @internal */
  protected override isKeyed(): boolean {
    return true;
  }

  #aggregate(kind: AggregationKind, field: string | number | undefined): SingleOutputStreamOperator<T> {
    const fn = createAggregation<T>(kind, field);
    return this.#reduceOperator('Keyed Aggregation', field === undefined ? kind : `${kind}(${String(field)})`, fn);
  }

  #reduceOperator(operatorType: string, name: string, fn: ReduceFunction<T>): SingleOutputStreamOperator<T> {
    return this.addOperator<T>(
      operatorType,
      name,
      (ctx, out) => new StreamGroupedReduce<T>(fn, ctx, out, requireKeyed(ctx.keyed, ctx.description)),
      this.type,
      true,
    );
  }
}

/** The end of a stream: the sink operator, whose name, uid and parallelism can be set. */
export class DataStreamSink<T> {
  readonly #node: StreamNode<OperatorSpec>;
  /** @internal */
  readonly graph: Graph;

  /** @internal */
  constructor(graph: Graph, node: StreamNode<OperatorSpec>) {
    this.graph = graph;
    this.#node = node;
  }

  uid(uid: string): this {
    this.#node.uid = checkNonEmptyString('uid', uid, `sink '${this.#node.name}'`);
    return this;
  }

  name(name: string): this {
    this.#node.name = checkNonEmptyString('name', name, `sink '${this.#node.name}'`);
    return this;
  }

  setParallelism(parallelism: number): this {
    this.#node.parallelism = checkInteger('parallelism', parallelism, 1, UPPER_BOUND_MAX_PARALLELISM, `sink '${this.#node.name}'`);
    return this;
  }

  disableChaining(): this {
    this.#node.chainingStrategy = 'NEVER';
    return this;
  }

  /** @internal The type parameter is kept for the API's type flow. */
  protected readonly _type?: T;
}

function requireKeyed(keyed: KeyedContext | undefined, where: string): KeyedContext {
  if (keyed === undefined) throw new WeirError('INTERNAL', `${where} is keyed but received no keyed context`);
  return keyed;
}

function checkFunction(fn: unknown, operation: string, method: string): void {
  const ok = typeof fn === 'function' || (typeof fn === 'object' && fn !== null && typeof (fn as Record<string, unknown>)[method] === 'function');
  if (!ok) {
    throw new WeirError('INVALID_OPTION', `${operation}() needs a function or an object with a ${method}() method, got ${fn === null ? 'null' : typeof fn}`);
  }
}
