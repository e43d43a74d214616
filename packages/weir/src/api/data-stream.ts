/**
 * @module The DataStream API: DataStream, SingleOutputStreamOperator, KeyedStream, DataStreamSink, the
 * windowed streams (WindowedStream, AllWindowedStream), the two-input streams (ConnectedStreams, BroadcastStream, BroadcastConnectedStream, IntervalJoin) and
 * window joins (JoinedStreams, CoGroupedStreams).
 * Each call adds a node to the StreamGraph; types flow through (a `map` from Bid to number is a
 * `DataStream<number>`). They share one file because each refers to the others.
 */
import { WeirError } from '../core/errors.ts';
import type { StreamNodeId } from '../core/ids.ts';
import { UPPER_BOUND_MAX_PARALLELISM, type Key } from '../core/key-groups.ts';
import { checkInteger, checkNonEmptyString } from '../core/options.ts';
import type { Partitioner } from '../graph/partitioner.ts';
import type { SideOutput, StreamGraph, StreamNode, StreamNodeKind } from '../graph/stream-graph.ts';
import { createAggregation, type AggregationKind } from '../operators/aggregations.ts';
import { OutputTag } from '../operators/output-tag.ts';
import { TimestampsAndWatermarksOperator } from '../operators/timestamps-and-watermarks-operator.ts';
import { WatermarkStrategy } from '../operators/watermark-strategy.ts';
import { CountEvictor } from '../operators/windowing/count-evictor.ts';
import { CountTrigger } from '../operators/windowing/count-trigger.ts';
import type { Evictor } from '../operators/windowing/evictor.ts';
import { GlobalWindows } from '../operators/windowing/global-windows.ts';
import type { ProcessAllWindowFunctionLike } from '../operators/windowing/process-all-window-function.ts';
import type { ProcessWindowFunctionLike } from '../operators/windowing/process-window-function.ts';
import { PurgingTrigger } from '../operators/windowing/purging-trigger.ts';
import type { Trigger } from '../operators/windowing/trigger.ts';
import type { GlobalWindow, Window } from '../operators/windowing/window.ts';
import type { WindowAssigner } from '../operators/windowing/window-assigner.ts';
import { executionConfigOf } from './execution-config.ts';
import {
  aggregatePlan,
  allWindowFunction,
  checkAllowedLateness,
  checkEvictor,
  checkOutputTag,
  checkTrigger,
  createWindowSettings,
  processPlan,
  reducePlan,
  type WindowOperatorPlan,
  type WindowSettings,
} from './windowed-stream.ts';
import { BroadcastProcessFunction, KeyedBroadcastProcessFunction } from '../operators/broadcast-process-functions.ts';
import { CoBroadcastWithKeyedOperator } from '../operators/co-broadcast-with-keyed-operator.ts';
import { CoBroadcastWithNonKeyedOperator } from '../operators/co-broadcast-with-non-keyed-operator.ts';
import type { CoFlatMapFunction, CoMapFunction, CoProcessFunction, KeyedCoProcessFunction } from '../operators/co-functions.ts';
import { CoProcessOperator } from '../operators/co-process-operator.ts';
import { CoStreamFlatMap } from '../operators/co-stream-flat-map.ts';
import { CoStreamMap } from '../operators/co-stream-map.ts';
import { CoGroupWindowFunction, JoinCoGroupFunction, taggedUnionType, type TaggedUnion } from '../operators/co-group-window-function.ts';
import { IntervalJoinOperator } from '../operators/interval-join-operator.ts';
import type { CoGroupFunction, JoinFunction, ProcessJoinFunction, RichFlatJoinFunction } from '../operators/join-functions.ts';
import { KeyedCoProcessOperator } from '../operators/keyed-co-process-operator.ts';
import type { TwoInputOperatorFactory } from '../operators/two-input-stream-operator.ts';
import type { MapStateDescriptor } from '../state/state-descriptors.ts';
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
import type { AggregateFunction, ReduceFunction } from '../state/aggregate-function.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { PrintSink } from '../connectors/print-sink.ts';

/** One upstream of a stream: a node and how its records reach the next operator. */
interface StreamInput {
  readonly node: StreamNodeId;
  readonly partitioner: Partitioner;
  readonly explicit: boolean;
  /** Set when the stream is a side output of `node`. */
  readonly sideOutput?: SideOutput | undefined;
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
      this.inputs.map((input) => ({ ...input, partitioner, explicit: true })),
      this.type,
      keySelector,
    );
  }

  /**
   * Groups the whole stream into windows, without keys (Flink's AllWindowedStream):
   * `stream.windowAll(TumblingEventTimeWindows.of(60_000)).reduce(fn)`. Every record goes to one
   * window operator, which runs at parallelism 1 (windowAll is not parallel).
   */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W>): AllWindowedStream<T, W> {
    // `WindowAssigner<T, W>` alone, not window()'s union with `WindowAssigner<unknown, W>`: on DataStream
    // such a union stops TypeScript from inferring T from a stream passed to connect(), join() and the like.
    const settings = createWindowSettings(assigner, this.type, 'AllWindow');
    // Flink's NullByteKeySelector: one constant key puts every record in one key group of the one subtask.
    return new AllWindowedStream<T, W>(this.keyBy(allWindowKey), settings);
  }

  /**
   * Windows of `size` records of the whole stream (GlobalWindows fired and purged every `size`
   * records); with `slide`, a window of the last `size` records every `slide` records. Not parallel.
   */
  countWindowAll(size: number, slide?: number): AllWindowedStream<T, GlobalWindow> {
    const windowSize = checkInteger('size', size, 1, Number.MAX_SAFE_INTEGER, 'countWindowAll()');
    const windowed = this.windowAll(GlobalWindows.create());
    if (slide === undefined) return windowed.trigger(PurgingTrigger.of(CountTrigger.of<GlobalWindow>(windowSize)));
    const every = checkInteger('slide', slide, 1, Number.MAX_SAFE_INTEGER, 'countWindowAll()');
    return windowed.evictor(CountEvictor.of<GlobalWindow>(windowSize)).trigger(CountTrigger.of<GlobalWindow>(every));
  }

  /**
   * Gives each record its event timestamp and makes watermarks with `strategy` (one generator per
   * subtask of this operator); watermarks from upstream are dropped, except the final one. Prefer
   * giving the strategy to `env.fromSource`, which runs it per source split.
   */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): SingleOutputStreamOperator<T> {
    if (!(strategy instanceof WatermarkStrategy)) {
      throw new WeirError('INVALID_OPTION', `assignTimestampsAndWatermarks() needs a WatermarkStrategy, got ${strategy === null ? 'null' : typeof strategy}`, {
        hint: 'e.g. assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Event>(1_000).withTimestampAssigner((e) => e.time))',
      });
    }
    const config = executionConfigOf(this.graph);
    return this.addOperator<T>(
      'Timestamps/Watermarks',
      'Timestamps/Watermarks',
      (ctx, out) => new TimestampsAndWatermarksOperator<T>(strategy, config.getAutoWatermarkInterval(), ctx, out),
      this.type,
      false,
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

  /**
   * Every record to every downstream subtask. With MapStateDescriptors, a BroadcastStream to connect
   * another stream to: its records may change the broadcast states of those descriptors, which every
   * subtask of the connected operator holds alike.
   */
  broadcast(): DataStream<T>;
  broadcast(...descriptors: [MapStateDescriptor<unknown, unknown>, ...MapStateDescriptor<unknown, unknown>[]]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<unknown, unknown>[]): DataStream<T> | BroadcastStream<T> {
    const partitioned = this.#partition({ kind: 'broadcast' });
    if (descriptors.length === 0) return partitioned;
    for (const descriptor of descriptors) {
      if (descriptor?.kind !== 'map') {
        throw new WeirError('INVALID_OPTION', `broadcast() takes MapStateDescriptors, got ${descriptor === null ? 'null' : typeof descriptor === 'object' ? `a ${String(descriptor.kind)} state descriptor` : typeof descriptor}`, {
          hint: "broadcast state is a map: stream.broadcast(new MapStateDescriptor('rules', Types.string, RuleType))",
        });
      }
    }
    return new BroadcastStream<T>(this.graph, partitioned.inputs, this.type, descriptors);
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
      this.inputs.map((input) => ({ ...input, partitioner, explicit: true })),
      this.type,
    );
  }

  /**
   * Connects this stream with another, of any type: one operator then processes both, with a method
   * per input (`map1`/`map2`, `processElement1`/`processElement2`), and may share state between them.
   * Connected to a BroadcastStream, the result's `process` takes a (Keyed)BroadcastProcessFunction.
   */
  connect<T2>(other: BroadcastStream<T2>): BroadcastConnectedStream<T, T2>;
  connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  connect<T2>(other: DataStream<T2> | BroadcastStream<T2>): ConnectedStreams<T, T2> | BroadcastConnectedStream<T, T2> {
    if (other instanceof BroadcastStream) {
      checkSameGraph(this.graph, other.graph, 'connect()');
      return new BroadcastConnectedStream<T, T2>(this.graph, this.#side(), other.side(), other.descriptors);
    }
    if (!(other instanceof DataStream)) {
      throw new WeirError('INVALID_OPTION', `connect() needs a DataStream or a BroadcastStream, got ${other === null ? 'null' : typeof other}`);
    }
    checkSameGraph(this.graph, other.graph, 'connect()');
    return new ConnectedStreams<T, T2>(this.graph, this.#side(), other.#side());
  }

  /**
   * Joins this stream with `other` in windows: `a.join(b).where(keyA).equalTo(keyB).window(assigner)
   * .apply(fn)` calls `fn(x, y)` for every pair of records with equal keys in the same window.
   */
  join<T2>(other: DataStream<T2>): JoinedStreams<T, T2> {
    checkSameGraph(this.graph, other.graph, 'join()');
    return new JoinedStreams<T, T2>('join', this, other);
  }

  /**
   * Groups this stream and `other` by key and window together: `a.coGroup(b).where(keyA)
   * .equalTo(keyB).window(assigner).apply(fn)` calls `fn(as, bs, out)` once per key and window.
   */
  coGroup<T2>(other: DataStream<T2>): CoGroupedStreams<T, T2> {
    checkSameGraph(this.graph, other.graph, 'coGroup()');
    return new CoGroupedStreams<T, T2>('coGroup', this, other);
  }

  /** @internal This stream as one input of a two-input operator. */
  #side(): TwoInputSide<T> {
    return { inputs: this.inputs, type: this.type, keySelector: this instanceof KeyedStream ? (this.getKeySelector() as (value: T) => Key) : undefined };
  }

  /** @internal Adds a one-input operator fed by this stream. */
  protected addOperator<R>(
    operatorType: string,
    name: string,
    factory: OperatorFactory<T, R>,
    outputType: TypeSerializer<R> | undefined,
    stateful: boolean,
    fixedParallelism?: number,
  ): SingleOutputStreamOperator<R> {
    const spec: OperatorSpec = { kind: 'one-input', factory: factory };
    const node = this.addNode('operator', operatorType, name, spec, stateful, outputType, fixedParallelism);
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
    fixedParallelism?: number,
  ): StreamNode<OperatorSpec> {
    const node = this.graph.addNode({ kind, operatorType, name, payload: spec, stateful, keyed: this.isKeyed(), outputType, fixedParallelism });
    for (const input of this.inputs) this.graph.addEdge(input.node, node.id, input.partitioner, input.explicit, input.sideOutput);
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

  /** Sets the number of parallel subtasks; a non-parallel operator (windowAll, a non-parallel source) only takes its own. */
  setParallelism(parallelism: number): this {
    const value = checkInteger('parallelism', parallelism, 1, UPPER_BOUND_MAX_PARALLELISM, `operator '${this.#node.name}'`);
    checkFixedParallelism(this.#node, value);
    this.#node.parallelism = value;
    return this;
  }

  /** Sets the number of key groups of this operator's keyed state; fixed for the life of its state. */
  setMaxParallelism(maxParallelism: number): this {
    this.#node.maxParallelism = checkInteger('maxParallelism', maxParallelism, 1, UPPER_BOUND_MAX_PARALLELISM, `operator '${this.#node.name}'`);
    return this;
  }

  /**
   * The records this operator sent to the side output `tag` (late data of a window with
   * `sideOutputLateData(tag)`, or `ctx.output(tag, value)` in a process function), as a stream.
   */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    if (!(tag instanceof OutputTag)) {
      throw new WeirError('INVALID_OPTION', `getSideOutput() needs an OutputTag, got ${tag === null ? 'null' : typeof tag}`, { hint: "e.g. getSideOutput(new OutputTag<Event>('late'))" });
    }
    const sideOutput: SideOutput = { tag: tag.id, type: tag.type };
    return new DataStream<X>(this.graph, [{ node: this.#node.id, partitioner: { kind: 'forward' }, explicit: false, sideOutput }], tag.type);
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

  /** Connected to another KeyedStream, `process` takes a KeyedCoProcessFunction: state and timers per key of both. */
  override connect<T2>(other: BroadcastStream<T2>): BroadcastConnectedStream<T, T2>;
  override connect<T2>(other: KeyedStream<T2, K>): KeyedConnectedStreams<T, T2, K>;
  override connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  override connect<T2>(other: DataStream<T2> | BroadcastStream<T2>): ConnectedStreams<T, T2> | BroadcastConnectedStream<T, T2> {
    const connected = other instanceof BroadcastStream ? super.connect(other) : super.connect(other);
    if (!(other instanceof KeyedStream) || !(connected instanceof ConnectedStreams)) return connected;
    return connected.keyBy(this.#keySelector, (other as KeyedStream<T2, K>).getKeySelector());
  }

  /**
   * Joins this stream's records with those of `other` that have the same key and a timestamp within
   * bounds of theirs (event time): `a.intervalJoin(b).between(-5_000, 5_000).process(fn)` pairs every
   * a with every b of its key whose timestamp lies in [a - 5 s, a + 5 s].
   */
  intervalJoin<T2>(other: KeyedStream<T2, K>): IntervalJoin<T, T2, K> {
    if (!(other instanceof KeyedStream)) {
      throw new WeirError('INVALID_OPTION', 'intervalJoin() needs a KeyedStream to join with', { hint: 'key both streams by the same kind of key: a.keyBy(f).intervalJoin(b.keyBy(g))' });
    }
    checkSameGraph(this.graph, other.graph, 'intervalJoin()');
    const side = <X>(stream: KeyedStream<X, K>): TwoInputSide<X> => ({ inputs: stream.inputs, type: stream.type, keySelector: stream.getKeySelector() });
    return new IntervalJoin<T, T2, K>(this.graph, side(this), side(other));
  }

  /**
   * Groups each key's records into windows: `keyed.window(TumblingEventTimeWindows.of(60_000)).reduce(fn)`.
   * The assigner decides the windows of each record and, unless `.trigger()` sets another, when they fire.
   */
  window<W extends Window>(assigner: WindowAssigner<T, W> | WindowAssigner<unknown, W>): WindowedStream<T, K, W> {
    return new WindowedStream<T, K, W>(this, createWindowSettings(assigner as WindowAssigner<T, W>, this.type));
  }

  /**
   * Windows of `size` records per key (GlobalWindows fired and purged every `size` records); with
   * `slide`, a window of the last `size` records every `slide` records.
   */
  countWindow(size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
    const windowSize = checkInteger('size', size, 1, Number.MAX_SAFE_INTEGER, 'countWindow()');
    const windowed = this.window(GlobalWindows.create());
    if (slide === undefined) return windowed.trigger(PurgingTrigger.of(CountTrigger.of<GlobalWindow>(windowSize)));
    const every = checkInteger('slide', slide, 1, Number.MAX_SAFE_INTEGER, 'countWindow()');
    return windowed.evictor(CountEvictor.of<GlobalWindow>(windowSize)).trigger(CountTrigger.of<GlobalWindow>(every));
  }

  /** @internal Adds the window operator a WindowedStream planned, or an AllWindowedStream's at parallelism 1. */
  addWindowOperator<R>(plan: WindowOperatorPlan<T, R>, outputType: TypeSerializer<R> | undefined): SingleOutputStreamOperator<R> {
    return this.addOperator<R>(plan.operatorType, plan.name, plan.factory, outputType, true, plan.operatorType === 'AllWindow' ? 1 : undefined);
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

/** One input of a two-input operator: the stream's upstreams, record type and, when keyed, key selector. */
interface TwoInputSide<T> {
  readonly inputs: readonly StreamInput[];
  readonly type: TypeSerializer<T> | undefined;
  readonly keySelector: ((value: T) => Key) | undefined;
}

/**
 * Two streams connected (`a.connect(b)`): one operator processes the records of both, with one method
 * per input, and may share state between them. Its event time is the minimum of both inputs'.
 */
export class ConnectedStreams<IN1, IN2> {
  /** @internal */
  protected readonly graph: Graph;
  /** @internal */
  protected readonly first: TwoInputSide<IN1>;
  /** @internal */
  protected readonly second: TwoInputSide<IN2>;

  /** @internal */
  constructor(graph: Graph, first: TwoInputSide<IN1>, second: TwoInputSide<IN2>) {
    this.graph = graph;
    this.first = first;
    this.second = second;
  }

  getType1(): TypeSerializer<IN1> | undefined {
    return this.first.type;
  }

  getType2(): TypeSerializer<IN2> | undefined {
    return this.second.type;
  }

  /**
   * Partitions both inputs by key (`key1` for input 1, `key2` for input 2; equal keys meet in one
   * subtask): `process` then takes a KeyedCoProcessFunction with keyed state and timers.
   */
  keyBy<K extends Key>(key1: (value: IN1) => K, key2: (value: IN2) => K): KeyedConnectedStreams<IN1, IN2, K> {
    for (const [name, selector] of [['key1', key1], ['key2', key2]] as const) {
      if (typeof selector !== 'function') {
        throw new WeirError('INVALID_OPTION', `keyBy() on connected streams needs two key selector functions; ${name} is ${typeof selector}`, {
          hint: 'pass a function per input: connected.keyBy((order) => order.id, (payment) => payment.orderId)',
        });
      }
    }
    const keyed = <T>(side: TwoInputSide<T>, keySelector: (value: T) => K): TwoInputSide<T> => {
      const partitioner: Partitioner = { kind: 'hash', keySelector: keySelector as (value: unknown) => Key };
      return { inputs: side.inputs.map((input) => ({ ...input, partitioner, explicit: true })), type: side.type, keySelector };
    };
    return new KeyedConnectedStreams<IN1, IN2, K>(this.graph, keyed(this.first, key1), keyed(this.second, key2));
  }

  /** Maps each record of input 1 with `fn.map1` and each of input 2 with `fn.map2`. */
  map<R>(fn: CoMapFunction<IN1, IN2, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    checkCoFunction(fn, 'map', ['map1', 'map2']);
    return this.transform<R>('Co-Map', 'Co-Map', (ctx, out) => new CoStreamMap(fn, ctx, out), outputType, false, false);
  }

  /** Emits zero or more records per record of either input: `fn.flatMap1` / `fn.flatMap2`. */
  flatMap<R>(fn: CoFlatMapFunction<IN1, IN2, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    checkCoFunction(fn, 'flatMap', ['flatMap1', 'flatMap2']);
    return this.transform<R>('Co-Flat Map', 'Co-Flat Map', (ctx, out) => new CoStreamFlatMap(fn, ctx, out), outputType, false, false);
  }

  /** Processes both inputs with a CoProcessFunction (timestamps, current time; timers need keyBy). */
  process<R>(fn: CoProcessFunction<IN1, IN2, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    checkCoFunction(fn, 'process', ['processElement1', 'processElement2']);
    return this.transform<R>('Co-Process', 'Co-Process', (ctx, out) => new CoProcessOperator(fn, ctx, out), outputType, false, false);
  }

  /** @internal Adds a two-input operator fed by both inputs. */
  protected transform<R>(
    operatorType: string,
    name: string,
    factory: TwoInputOperatorFactory<IN1, IN2, R>,
    outputType: TypeSerializer<R> | undefined,
    stateful: boolean,
    keyed: boolean,
  ): SingleOutputStreamOperator<R> {
    return addTwoInputOperator<IN1, IN2, R>(this.graph, this.first, this.second, { operatorType, name, factory, outputType, stateful, keyed });
  }
}

/** Connected streams partitioned by key: both inputs' records with equal keys meet in one subtask. */
export class KeyedConnectedStreams<IN1, IN2, K extends Key> extends ConnectedStreams<IN1, IN2> {
  /**
   * Processes both inputs with the record's key set: keyed state (shared by both inputs) and event- and
   * processing-time timers per key. A plain CoProcessFunction runs without keys.
   */
  override process<R>(fn: KeyedCoProcessFunction<K, IN1, IN2, R> | CoProcessFunction<IN1, IN2, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    checkCoFunction(fn, 'process', ['processElement1', 'processElement2']);
    const keyed = fn as KeyedCoProcessFunction<K, IN1, IN2, R>;
    const keys = { key1: this.first.keySelector as (value: IN1) => K, key2: this.second.keySelector as (value: IN2) => K };
    return this.transform<R>(
      'KeyedCoProcess',
      'Co-Process',
      (ctx, out) => new KeyedCoProcessOperator<K, IN1, IN2, R>(keyed, ctx, out, requireKeyed(ctx.keyed, ctx.description), keys),
      outputType,
      true,
      true,
    );
  }
}

/**
 * A stream whose records reach every subtask of the operator it is connected to, with the broadcast
 * states declared by its MapStateDescriptors (`stream.broadcast(descriptor)`); connect another stream to it.
 */
export class BroadcastStream<T> {
  /** @internal */
  readonly graph: Graph;
  /** @internal */
  readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[];
  readonly #side: TwoInputSide<T>;

  /** @internal */
  constructor(graph: Graph, inputs: readonly StreamInput[], type: TypeSerializer<T> | undefined, descriptors: readonly MapStateDescriptor<unknown, unknown>[]) {
    this.graph = graph;
    this.#side = { inputs, type, keySelector: undefined };
    this.descriptors = descriptors;
  }

  getType(): TypeSerializer<T> | undefined {
    return this.#side.type;
  }

  /** @internal */
  side(): TwoInputSide<T> {
    return this.#side;
  }
}

/**
 * A stream connected to a BroadcastStream: `process` takes a BroadcastProcessFunction (non-keyed
 * stream) or a KeyedBroadcastProcessFunction (keyed stream). Input 1 is the non-broadcast stream.
 */
export class BroadcastConnectedStream<IN1, IN2> {
  readonly #graph: Graph;
  readonly #first: TwoInputSide<IN1>;
  readonly #second: TwoInputSide<IN2>;
  readonly #descriptors: readonly MapStateDescriptor<unknown, unknown>[];

  /** @internal */
  constructor(graph: Graph, first: TwoInputSide<IN1>, second: TwoInputSide<IN2>, descriptors: readonly MapStateDescriptor<unknown, unknown>[]) {
    this.#graph = graph;
    this.#first = first;
    this.#second = second;
    this.#descriptors = descriptors;
  }

  getType1(): TypeSerializer<IN1> | undefined {
    return this.#first.type;
  }

  getType2(): TypeSerializer<IN2> | undefined {
    return this.#second.type;
  }

  process<K extends Key, R>(fn: KeyedBroadcastProcessFunction<K, IN1, IN2, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R>;
  process<R>(fn: BroadcastProcessFunction<IN1, IN2, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R>;
  process<R>(fn: KeyedBroadcastProcessFunction<Key, IN1, IN2, R> | BroadcastProcessFunction<IN1, IN2, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    checkCoFunction(fn, 'process', ['processElement', 'processBroadcastElement']);
    const descriptors = this.#descriptors;
    const keySelector = this.#first.keySelector;
    const options = { outputType, stateful: true };
    if (fn instanceof KeyedBroadcastProcessFunction) {
      if (keySelector === undefined) {
        throw new WeirError('INVALID_OPTION', 'a KeyedBroadcastProcessFunction can only be used on a keyed stream connected to a broadcast stream', {
          hint: 'key the non-broadcast stream first: stream.keyBy(f).connect(rules.broadcast(d)), or use a BroadcastProcessFunction',
        });
      }
      return addTwoInputOperator<IN1, IN2, R>(this.#graph, this.#first, this.#second, {
        ...options,
        operatorType: 'Co-Process-Broadcast-Keyed',
        name: 'Co-Process-Broadcast-Keyed',
        keyed: true,
        factory: (ctx, out) => new CoBroadcastWithKeyedOperator<Key, IN1, IN2, R>(fn, descriptors, ctx, out, requireKeyed(ctx.keyed, ctx.description), keySelector),
      });
    }
    if (keySelector !== undefined || !(fn instanceof BroadcastProcessFunction)) {
      throw new WeirError(
        'INVALID_OPTION',
        keySelector !== undefined
          ? 'a BroadcastProcessFunction can only be used on a non-keyed stream connected to a broadcast stream'
          : 'process() on a broadcast connection needs a BroadcastProcessFunction or a KeyedBroadcastProcessFunction',
        { hint: 'extend KeyedBroadcastProcessFunction for a keyed stream, BroadcastProcessFunction for a non-keyed one' },
      );
    }
    return addTwoInputOperator<IN1, IN2, R>(this.#graph, this.#first, this.#second, {
      ...options,
      operatorType: 'Co-Process-Broadcast',
      name: 'Co-Process-Broadcast',
      keyed: false,
      factory: (ctx, out) => new CoBroadcastWithNonKeyedOperator<IN1, IN2, R>(fn, descriptors, ctx, out),
    });
  }
}

/** `a.intervalJoin(b)`: set the bounds with `between(lower, upper)`. */
export class IntervalJoin<T1, T2, K extends Key> {
  readonly #graph: Graph;
  readonly #left: TwoInputSide<T1>;
  readonly #right: TwoInputSide<T2>;

  /** @internal */
  constructor(graph: Graph, left: TwoInputSide<T1>, right: TwoInputSide<T2>) {
    this.#graph = graph;
    this.#left = left;
    this.#right = right;
  }

  /**
   * Pairs each left record (timestamp l) with every right record of its key whose timestamp r
   * satisfies `l + lowerBoundMs <= r <= l + upperBoundMs` (both bounds inclusive unless made exclusive).
   */
  between(lowerBoundMs: number, upperBoundMs: number): IntervalJoined<T1, T2, K> {
    for (const [name, value] of [['lowerBound', lowerBoundMs], ['upperBound', upperBoundMs]] as const) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new WeirError('INVALID_OPTION', `intervalJoin().between(): ${name} must be a finite number of milliseconds, got ${String(value)}`);
      }
    }
    if (lowerBoundMs > upperBoundMs) {
      throw new WeirError('INVALID_OPTION', `intervalJoin().between(${lowerBoundMs}, ${upperBoundMs}): the lower bound is above the upper bound`, {
        hint: 'lowerBound <= upperBound must hold; e.g. between(-5000, 5000) for records within 5 s of each other',
      });
    }
    return new IntervalJoined<T1, T2, K>(this.#graph, this.#left, this.#right, lowerBoundMs, upperBoundMs);
  }
}

/** An interval join with its bounds; `process(fn)` adds the join operator. */
export class IntervalJoined<T1, T2, K extends Key> {
  readonly #graph: Graph;
  readonly #left: TwoInputSide<T1>;
  readonly #right: TwoInputSide<T2>;
  readonly #lowerBound: number;
  readonly #upperBound: number;
  #lowerInclusive = true;
  #upperInclusive = true;

  /** @internal */
  constructor(graph: Graph, left: TwoInputSide<T1>, right: TwoInputSide<T2>, lowerBound: number, upperBound: number) {
    this.#graph = graph;
    this.#left = left;
    this.#right = right;
    this.#lowerBound = lowerBound;
    this.#upperBound = upperBound;
  }

  /** Excludes the lower bound: `l + lower < r`. */
  lowerBoundExclusive(): this {
    this.#lowerInclusive = false;
    return this;
  }

  /** Excludes the upper bound: `r < l + upper`. */
  upperBoundExclusive(): this {
    this.#upperInclusive = false;
    return this;
  }

  /** Calls `fn.processElement(left, right, ctx, out)` for every pair; records out carry the larger of the two timestamps. */
  process<R>(fn: ProcessJoinFunction<T1, T2, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    checkCoFunction(fn, 'process', ['processElement']);
    const options = {
      // Exclusive bounds narrow the inclusive interval by 1 ms, as Flink does.
      lowerBound: this.#lowerInclusive ? this.#lowerBound : this.#lowerBound + 1,
      upperBound: this.#upperInclusive ? this.#upperBound : this.#upperBound - 1,
      key1: this.#left.keySelector as (value: T1) => K,
      key2: this.#right.keySelector as (value: T2) => K,
      leftType: this.#left.type,
      rightType: this.#right.type,
    };
    return addTwoInputOperator<T1, T2, R>(this.#graph, this.#left, this.#right, {
      operatorType: 'Interval Join',
      name: 'Interval Join',
      factory: (ctx, out) => new IntervalJoinOperator<K, T1, T2, R>(fn, options, ctx, out, requireKeyed(ctx.keyed, ctx.description)),
      outputType,
      stateful: true,
      keyed: true,
    });
  }
}

/** What `apply` takes after `join(...)` (a JoinFunction, or a RichFlatJoinFunction) or after `coGroup(...)`. */
type WindowJoinFunctionOf<Kind extends 'join' | 'coGroup', T1, T2, R> = Kind extends 'join' ? JoinFunction<T1, T2, R> | RichFlatJoinFunction<T1, T2, R> : CoGroupFunction<T1, T2, R>;

/**
 * `a.join(b)` or `a.coGroup(b)` (Flink's JoinedStreams and CoGroupedStreams): name each side's key
 * with `where(keyA).equalTo(keyB)`, then the windows with `window(assigner)`.
 */
export class JoinedStreams<T1, T2, Kind extends 'join' | 'coGroup' = 'join'> {
  readonly #kind: Kind;
  readonly #first: DataStream<T1>;
  readonly #second: DataStream<T2>;

  /** @internal */
  constructor(kind: Kind, first: DataStream<T1>, second: DataStream<T2>) {
    this.#kind = kind;
    this.#first = first;
    this.#second = second;
  }

  /** The key of the first input's records. */
  where<K extends Key>(key1: (value: T1) => K): WindowJoinWhere<T1, T2, K, Kind> {
    checkKeySelector(key1, `${this.#kind}().where()`);
    return new WindowJoinWhere<T1, T2, K, Kind>(this.#kind, this.#first, this.#second, key1);
  }
}

/** `a.coGroup(b)`: like a join, but the function gets all records of both sides of a key and window at once. */
export class CoGroupedStreams<T1, T2> extends JoinedStreams<T1, T2, 'coGroup'> {}

/** A window join or coGroup with the first input's key; name the second's with `equalTo`. */
export class WindowJoinWhere<T1, T2, K extends Key, Kind extends 'join' | 'coGroup'> {
  readonly #kind: Kind;
  readonly #first: DataStream<T1>;
  readonly #second: DataStream<T2>;
  readonly #key1: (value: T1) => K;

  /** @internal */
  constructor(kind: Kind, first: DataStream<T1>, second: DataStream<T2>, key1: (value: T1) => K) {
    this.#kind = kind;
    this.#first = first;
    this.#second = second;
    this.#key1 = key1;
  }

  /** The key of the second input's records; records of both inputs with equal keys meet. */
  equalTo(key2: (value: T2) => K): WindowJoinEqualTo<T1, T2, K, Kind> {
    checkKeySelector(key2, `${this.#kind}().equalTo()`);
    return new WindowJoinEqualTo<T1, T2, K, Kind>(this.#kind, this.#first, this.#second, this.#key1, key2);
  }
}

/** A window join or coGroup with both keys; set the windows with `window(assigner)`. */
export class WindowJoinEqualTo<T1, T2, K extends Key, Kind extends 'join' | 'coGroup'> {
  readonly #kind: Kind;
  readonly #first: DataStream<T1>;
  readonly #second: DataStream<T2>;
  readonly #key1: (value: T1) => K;
  readonly #key2: (value: T2) => K;

  /** @internal */
  constructor(kind: Kind, first: DataStream<T1>, second: DataStream<T2>, key1: (value: T1) => K, key2: (value: T2) => K) {
    this.#kind = kind;
    this.#first = first;
    this.#second = second;
    this.#key1 = key1;
    this.#key2 = key2;
  }

  /**
   * Groups both inputs' records into the assigner's windows (e.g. TumblingEventTimeWindows.of(60_000)):
   * each window of a key holds the records of both inputs with that key.
   */
  window<W extends Window>(assigner: WindowAssigner<unknown, W> | WindowAssigner<TaggedUnion<T1, T2>, W>): WindowJoinWithWindow<T1, T2, K, W, Kind> {
    // Flink's CoGroupedStreams: tag each input's records, union them, key and window the union.
    const type = taggedUnionType(this.#first.getType(), this.#second.getType());
    const tagged1 = this.#first.map((one): TaggedUnion<T1, T2> => ({ input: 1, one }), type);
    const tagged2 = this.#second.map((two): TaggedUnion<T1, T2> => ({ input: 2, two }), type);
    const key1 = this.#key1;
    const key2 = this.#key2;
    const windowed = tagged1
      .union(tagged2)
      .keyBy((tagged): K => (tagged.input === 1 ? key1(tagged.one as T1) : key2(tagged.two as T2)))
      .window(assigner);
    return new WindowJoinWithWindow<T1, T2, K, W, Kind>(this.#kind, windowed);
  }
}

/** A window join or coGroup with its windows: optionally a trigger, evictor or allowed lateness, then `apply`. */
export class WindowJoinWithWindow<T1, T2, K extends Key, W extends Window, Kind extends 'join' | 'coGroup'> {
  readonly #kind: Kind;
  readonly #windowed: WindowedStream<TaggedUnion<T1, T2>, K, W>;

  /** @internal */
  constructor(kind: Kind, windowed: WindowedStream<TaggedUnion<T1, T2>, K, W>) {
    this.#kind = kind;
    this.#windowed = windowed;
  }

  trigger(trigger: Trigger<unknown, W>): this {
    this.#windowed.trigger(trigger);
    return this;
  }

  evictor(evictor: Evictor<unknown, W>): this {
    this.#windowed.evictor(evictor);
    return this;
  }

  allowedLateness(lateness: number): this {
    this.#windowed.allowedLateness(lateness);
    return this;
  }

  /**
   * After `join`: calls the JoinFunction (or a RichFlatJoinFunction) for every pair of records of the
   * two inputs in each fired window of a key. After `coGroup`: calls the CoGroupFunction once per key
   * and window with both inputs' records. What it emits carries the window's last timestamp.
   */
  apply<R>(fn: Kind extends 'join' ? RichFlatJoinFunction<T1, T2, R> : never, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R>;
  apply<R>(fn: WindowJoinFunctionOf<Kind, T1, T2, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R>;
  apply<R>(fn: WindowJoinFunctionOf<Kind, T1, T2, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    const operation = `${this.#kind}().apply`;
    if (typeof fn !== 'function' && !(typeof fn === 'object' && fn !== null && typeof (fn as { join?: unknown; coGroup?: unknown })[this.#kind === 'join' ? 'join' : 'coGroup'] === 'function')) {
      throw new WeirError('INVALID_OPTION', `${operation}() needs a function or an object with a ${this.#kind === 'join' ? 'join' : 'coGroup'}() method, got ${fn === null ? 'null' : typeof fn}`);
    }
    const coGroup = this.#kind === 'join' ? new JoinCoGroupFunction<T1, T2, R>(fn as JoinFunction<T1, T2, R> | RichFlatJoinFunction<T1, T2, R>) : (fn as CoGroupFunction<T1, T2, R>);
    return this.#windowed.process<R>(new CoGroupWindowFunction<T1, T2, R, K, W>(coGroup), outputType).name(this.#kind === 'join' ? 'Window Join' : 'Window CoGroup');
  }
}

function checkKeySelector(key: unknown, where: string): void {
  if (typeof key !== 'function') {
    throw new WeirError('INVALID_OPTION', `${where} needs a key selector function, got ${key === null ? 'null' : typeof key}`, {
      hint: 'pass a function from record to key: a.join(b).where((x) => x.id).equalTo((y) => y.xId)',
    });
  }
}

/** Adds a two-input operator node: the first side's edges feed input 1, the second's input 2. */
function addTwoInputOperator<IN1, IN2, R>(
  graph: Graph,
  first: TwoInputSide<IN1>,
  second: TwoInputSide<IN2>,
  options: {
    readonly operatorType: string;
    readonly name: string;
    readonly factory: TwoInputOperatorFactory<IN1, IN2, R>;
    readonly outputType: TypeSerializer<R> | undefined;
    readonly stateful: boolean;
    readonly keyed: boolean;
  },
): SingleOutputStreamOperator<R> {
  const spec: OperatorSpec = { kind: 'two-input', factory: options.factory as unknown as TwoInputOperatorFactory<unknown, unknown, unknown> };
  const node = graph.addNode({ kind: 'operator', operatorType: options.operatorType, name: options.name, payload: spec, stateful: options.stateful, keyed: options.keyed, outputType: options.outputType });
  // Input 1's edges first: a keyed operator takes its key selector from the first keyed edge.
  for (const input of first.inputs) graph.addEdge(input.node, node.id, input.partitioner, input.explicit, input.sideOutput, 1);
  for (const input of second.inputs) graph.addEdge(input.node, node.id, input.partitioner, input.explicit, input.sideOutput, 2);
  return new SingleOutputStreamOperator<R>(graph, node, options.outputType);
}

function checkSameGraph(graph: Graph, other: Graph, operation: string): void {
  if (graph !== other) {
    throw new WeirError('INVALID_GRAPH', `${operation} of streams from different environments`, { hint: 'build every stream of a job from the same environment' });
  }
}

/** A two-input function is an object with a method per input (or per side). */
function checkCoFunction(fn: unknown, operation: string, methods: readonly string[]): void {
  const missing = typeof fn === 'object' && fn !== null ? methods.filter((method) => typeof (fn as Record<string, unknown>)[method] !== 'function') : methods;
  if (missing.length > 0) {
    throw new WeirError('INVALID_OPTION', `${operation}() needs an object with ${methods.map((m) => `${m}()`).join(' and ')}, got ${fn === null ? 'null' : typeof fn}${typeof fn === 'object' && fn !== null ? ` without ${missing.join(', ')}` : ''}`, {
      hint: typeof fn === 'function' ? `a two-input function cannot be one lambda: pass an object { ${methods.map((m) => `${m}(...) {...}`).join(', ')} }` : undefined,
    });
  }
}

/** The key of every record of `windowAll` (Flink's NullByteKeySelector): window functions never see it. */
function allWindowKey(): number {
  return 0;
}

/**
 * Flink's rule: windowAll is not parallel, so its parallelism is refused at once. (A non-parallel
 * source set to run in parallel is refused when the graph is validated, naming it.)
 */
function checkFixedParallelism(node: StreamNode<OperatorSpec>, parallelism: number): void {
  const fixed = node.fixedParallelism;
  if (fixed === undefined || parallelism === fixed || node.operatorType !== 'AllWindow') return;
  const where = `operator '${node.name}'${node.uid === undefined ? '' : ` (uid ${node.uid})`}`;
  throw new WeirError('INVALID_OPTION', `${where} cannot run at parallelism ${parallelism}: windowAll is non-parallel (one window operator sees every record), so its parallelism is 1`, {
    hint: 'drop setParallelism() on the windowAll result, or key the stream to window each key in parallel: keyBy(f).window(assigner)',
  });
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

/**
 * The settings shared by keyed and all-windowed streams: trigger, allowed lateness, late-data side
 * output and evictor, collected before the reduce, aggregate or process that adds the operator.
 */
export class WindowSettingsStream<T, W extends Window> {
  /** @internal */
  protected readonly settings: WindowSettings<T, W>;

  /** @internal */
  constructor(settings: WindowSettings<T, W>) {
    this.settings = settings;
  }

  /** Decides when windows fire instead of the assigner's default trigger. */
  trigger(trigger: Trigger<T, W> | Trigger<unknown, W>): this {
    this.settings.trigger = checkTrigger(trigger as Trigger<T, W>);
    return this;
  }

  /**
   * Keeps event-time windows for `lateness` ms after their end: a late record still goes into its
   * window and fires it again. Records later than that are dropped, or sent to `sideOutputLateData`.
   */
  allowedLateness(lateness: number): this {
    this.settings.allowedLateness = checkAllowedLateness(lateness);
    return this;
  }

  /** Sends records too late for every window they belong to to the side output `tag` (read it with `getSideOutput(tag)`). */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.settings.lateDataOutputTag = checkOutputTag(tag);
    return this;
  }

  /** Removes elements from a fired window before (or after) the window function; the window then keeps every element. */
  evictor(evictor: Evictor<T, W> | Evictor<unknown, W>): this {
    this.settings.evictor = checkEvictor(evictor as Evictor<T, W>);
    return this;
  }
}

/**
 * A keyed stream grouped into windows (`keyedStream.window(assigner)`): set the trigger, allowed
 * lateness, late-data side output or an evictor, then reduce, aggregate or process each window.
 */
export class WindowedStream<T, K extends Key, W extends Window> extends WindowSettingsStream<T, W> {
  readonly #input: KeyedStream<T, K>;

  /** @internal */
  constructor(input: KeyedStream<T, K>, settings: WindowSettings<T, W>) {
    super(settings);
    this.#input = input;
  }

  /** Combines each window's records incrementally with `fn`; emits the result when the window fires. */
  reduce(fn: (a: T, b: T) => T): SingleOutputStreamOperator<T>;
  /** Combines incrementally with `fn`; `windowFunction` gets the one result with the key and the window. */
  reduce<R>(fn: (a: T, b: T) => T, windowFunction: ProcessWindowFunctionLike<T, R, K, W>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R>;
  reduce<R>(fn: (a: T, b: T) => T, windowFunction?: ProcessWindowFunctionLike<T, R, K, W>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    const plan = reducePlan<T, R, K, W>(this.settings, fn, windowFunction);
    return this.#input.addWindowOperator<R>(plan, windowFunction === undefined ? (this.#input.getType() as TypeSerializer<R> | undefined) : outputType);
  }

  /** Aggregates each window's records incrementally with an AggregateFunction; emits its result when the window fires. */
  aggregate<ACC, R>(fn: AggregateFunction<T, ACC, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R>;
  /** Aggregates incrementally; `windowFunction` gets the aggregate's result with the key and the window. */
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFunction: ProcessWindowFunctionLike<V, R, K, W>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunctionOrType?: ProcessWindowFunctionLike<V, R, K, W> | TypeSerializer<R>,
    outputType?: TypeSerializer<R>,
  ): SingleOutputStreamOperator<R> {
    const isType = typeof windowFunctionOrType === 'object' && windowFunctionOrType !== null && typeof (windowFunctionOrType as Partial<TypeSerializer<R>>).describe === 'function';
    const windowFunction = isType ? undefined : (windowFunctionOrType as ProcessWindowFunctionLike<V, R, K, W> | undefined);
    const type = isType ? (windowFunctionOrType as TypeSerializer<R>) : outputType;
    const plan = aggregatePlan<T, ACC, V, R, K, W>(this.settings, fn, windowFunction);
    return this.#input.addWindowOperator<R>(plan, type);
  }

  /** Hands each fired window's records to a ProcessWindowFunction (the window keeps every record until it fires). */
  process<R>(fn: ProcessWindowFunctionLike<T, R, K, W>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    return this.#input.addWindowOperator<R>(processPlan<T, R, K, W>(this.settings, fn), outputType);
  }
}

/**
 * A whole stream grouped into windows without keys (`stream.windowAll(assigner)`, Flink's
 * AllWindowedStream): set the trigger, allowed lateness, late-data side output or an evictor, then
 * reduce, aggregate or process each window. One window operator at parallelism 1 sees every record.
 */
export class AllWindowedStream<T, W extends Window> extends WindowSettingsStream<T, W> {
  readonly #input: KeyedStream<T, number>;

  /** @internal */
  constructor(input: KeyedStream<T, number>, settings: WindowSettings<T, W>) {
    super(settings);
    this.#input = input;
  }

  /** Combines each window's records incrementally with `fn`; emits the result when the window fires. */
  reduce(fn: (a: T, b: T) => T): SingleOutputStreamOperator<T>;
  /** Combines incrementally with `fn`; `windowFunction` gets the one result with the window. */
  reduce<R>(fn: (a: T, b: T) => T, windowFunction: ProcessAllWindowFunctionLike<T, R, W>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R>;
  reduce<R>(fn: (a: T, b: T) => T, windowFunction?: ProcessAllWindowFunctionLike<T, R, W>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    const adapted = windowFunction === undefined ? undefined : allWindowFunction(windowFunction, 'reduce');
    const plan = reducePlan<T, R, Key, W>(this.settings, fn, adapted);
    return this.#input.addWindowOperator<R>(plan, windowFunction === undefined ? (this.#input.getType() as TypeSerializer<R> | undefined) : outputType);
  }

  /** Aggregates each window's records incrementally with an AggregateFunction; emits its result when the window fires. */
  aggregate<ACC, R>(fn: AggregateFunction<T, ACC, R>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R>;
  /** Aggregates incrementally; `windowFunction` gets the aggregate's result with the window. */
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFunction: ProcessAllWindowFunctionLike<V, R, W>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunctionOrType?: ProcessAllWindowFunctionLike<V, R, W> | TypeSerializer<R>,
    outputType?: TypeSerializer<R>,
  ): SingleOutputStreamOperator<R> {
    const isType = typeof windowFunctionOrType === 'object' && windowFunctionOrType !== null && typeof (windowFunctionOrType as Partial<TypeSerializer<R>>).describe === 'function';
    const windowFunction = isType ? undefined : (windowFunctionOrType as ProcessAllWindowFunctionLike<V, R, W> | undefined);
    const type = isType ? (windowFunctionOrType as TypeSerializer<R>) : outputType;
    const adapted = windowFunction === undefined ? undefined : allWindowFunction(windowFunction, 'aggregate');
    const plan = aggregatePlan<T, ACC, V, R, Key, W>(this.settings, fn, adapted);
    return this.#input.addWindowOperator<R>(plan, type);
  }

  /** Hands each fired window's records to a ProcessAllWindowFunction (the window keeps every record until it fires). */
  process<R>(fn: ProcessAllWindowFunctionLike<T, R, W>, outputType?: TypeSerializer<R>): SingleOutputStreamOperator<R> {
    return this.#input.addWindowOperator<R>(processPlan<T, R, Key, W>(this.settings, allWindowFunction(fn, 'process')), outputType);
  }
}
