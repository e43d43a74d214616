/**
 * @module OperatorChain: instantiates the operators of one vertex for one subtask and wires them:
 * a chained successor is a direct call, a network output is a RecordWriter.
 */
import type { Clock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import { SubtaskIndex, type JobId, type StreamNodeId } from '../core/ids.ts';
import { keyGroupRangeForSubtask } from '../core/key-groups.ts';
import { WATERMARK_STATUS_ACTIVE, WATERMARK_STATUS_IDLE, watermark } from '../core/stream-element.ts';
import type { ChainedOperator, JobVertex } from '../graph/job-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import type { OutputTag } from '../operators/output-tag.ts';
import type { KeyedContext, OneInputStreamOperator, Output, ProcessingTimeService, StreamOperatorContext } from '../operators/stream-operator.ts';
import type { TwoInputStreamOperator } from '../operators/two-input-stream-operator.ts';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { OperatorStateBackend } from '../state/operator-state-backend.ts';
import type { RecordWriter } from './record-writer.ts';

/** Counts what a task emits to the network. */
export interface TaskCounters {
  recordsIn: number;
  recordsOut: number;
}

export interface ChainEnvironment {
  readonly jobId: JobId;
  readonly jobName: string;
  readonly jobParameters: Readonly<Record<string, string>>;
  readonly attemptNumber: number;
  readonly vertex: JobVertex<OperatorSpec>;
  readonly subtaskIndex: number;
  readonly writers: ReadonlyMap<number, RecordWriter>;
  readonly clock: Clock;
  readonly processingTimeService: ProcessingTimeService;
  readonly counters: TaskCounters;
  /** Keyed state to restore, by operator uid (every relevant old subtask's snapshot). */
  readonly restoredKeyed?: ReadonlyMap<string, readonly Uint8Array[]> | undefined;
  /** Operator state to restore, by operator uid (every old subtask's snapshot; each takes its share). */
  readonly restoredOperator?: ReadonlyMap<string, readonly Uint8Array[]> | undefined;
  readonly restored: boolean;
  /** The checkpoint the restored state comes from. */
  readonly restoredCheckpointId?: number | undefined;
  /** The job ends with a final checkpoint (checkpointing is on). */
  readonly finalCheckpoint?: boolean | undefined;
  sendEventToCoordinator(operator: ChainedOperator<OperatorSpec>, event: unknown): void;
}

export interface OperatorInstance {
  readonly operator: ChainedOperator<OperatorSpec>;
  readonly instance: OneInputStreamOperator<unknown, unknown> | TwoInputStreamOperator<unknown, unknown, unknown>;
  readonly context: StreamOperatorContext;
}

export interface OperatorChain {
  /** Operators in topological order (head first); a source vertex's head is not an operator. */
  readonly operators: readonly OperatorInstance[];
  /**
   * Where the head receives records: the first operator, or for a source, the source's output. A
   * two-input head receives its records from its task, input by input; this is its own output.
   */
  readonly headOutput: Output<unknown>;
}

/** `operator 'name' (uid x) subtask i/p`, the way every error names an operator. */
export function describeOperator(operator: ChainedOperator<OperatorSpec>, subtaskIndex: number, parallelism: number): string {
  const kind = operator.node.kind === 'source' ? 'source' : operator.node.kind === 'sink' ? 'sink' : 'operator';
  return `${kind} '${operator.node.name}' (uid ${operator.uid}) subtask ${subtaskIndex + 1}/${parallelism}`;
}

export function createOperatorChain(env: ChainEnvironment): OperatorChain {
  const { vertex } = env;
  const created = new Map<StreamNodeId, OperatorInstance>();
  const outputs = new Map<StreamNodeId, Output<unknown>>();
  for (let i = vertex.operators.length - 1; i >= 0; i--) {
    const operator = vertex.operators[i] as ChainedOperator<OperatorSpec>;
    const chained = (next: StreamNodeId): Output<unknown> => {
      const instance = created.get(next);
      if (instance === undefined) throw new WeirError('INTERNAL', `chained operator ${next} was not created before its input`);
      return new ChainingOutput(oneInput(instance), outputs.get(next) ?? discardingOutput);
    };
    const network = (edge: number): Output<unknown> => {
      const writer = env.writers.get(edge);
      if (writer === undefined) throw new WeirError('INTERNAL', `no record writer for edge ${edge}`);
      return new RecordWriterOutput(writer, env.counters);
    };
    const targets: Output<unknown>[] = [...operator.chainedOutputs.map(chained), ...operator.networkOutputs.map(network)];
    const main = targets.length === 0 ? discardingOutput : targets.length === 1 ? (targets[0] as Output<unknown>) : new BroadcastingOutput(targets);
    let output = main;
    if (operator.sideOutputs.length > 0) {
      const sides = new Map<string, Output<unknown>[]>();
      for (const side of operator.sideOutputs) {
        const list = sides.get(side.tag) ?? [];
        list.push(side.kind === 'chained' ? chained(side.target) : network(side.edge));
        sides.set(side.tag, list);
      }
      output = new SideOutputsOutput(main, sides);
    }
    outputs.set(operator.node.id, output);
    const spec = operator.node.payload;
    if (spec.kind === 'source') continue;
    const context = createOperatorContext(env, operator);
    created.set(operator.node.id, { operator, instance: spec.factory(context, output), context });
  }
  const ordered = vertex.operators.map((o) => created.get(o.node.id)).filter((o): o is OperatorInstance => o !== undefined);
  const head = vertex.operators[0] as ChainedOperator<OperatorSpec>;
  const headInstance = created.get(head.node.id);
  const headOutput =
    headInstance !== undefined && head.node.payload.kind === 'one-input'
      ? new ChainingOutput(oneInput(headInstance), outputs.get(head.node.id) ?? discardingOutput)
      : (outputs.get(head.node.id) as Output<unknown>);
  return { operators: ordered, headOutput };
}

/** A chained (so one-input) operator; a two-input operator always heads its chain. */
function oneInput(instance: OperatorInstance): OneInputStreamOperator<unknown, unknown> {
  if (instance.operator.node.payload.kind !== 'one-input') {
    throw new WeirError('INTERNAL', `operator '${instance.operator.node.name}' (uid ${instance.operator.uid}) has two inputs and cannot be chained to its input`);
  }
  return instance.instance as OneInputStreamOperator<unknown, unknown>;
}

function createOperatorContext(env: ChainEnvironment, operator: ChainedOperator<OperatorSpec>): StreamOperatorContext {
  const { vertex, subtaskIndex } = env;
  const description = describeOperator(operator, subtaskIndex, vertex.parallelism);
  let keyed: KeyedContext | undefined;
  if (operator.node.keyed) {
    // A keyed two-input operator may have a non-keyed (broadcast) input; the first keyed edge gives the key selector.
    const edge = operator.node.inEdges.find((e) => e.partitioner.kind === 'hash');
    if (edge?.partitioner.kind !== 'hash') throw new WeirError('INTERNAL', `${description} is keyed but its input is not partitioned by key`);
    const backend = new HeapKeyedStateBackend({
      keyGroupRange: keyGroupRangeForSubtask(vertex.maxParallelism, vertex.parallelism, subtaskIndex),
      maxParallelism: vertex.maxParallelism,
      operatorDescription: description,
    });
    // Before the operator exists: it may register (and so check) its states in its constructor.
    const restored = env.restoredKeyed?.get(operator.uid);
    if (restored !== undefined && restored.length > 0) backend.restore(restored);
    keyed = { keySelector: edge.partitioner.keySelector, backend };
  }
  const operatorState = new OperatorStateBackend({ operatorDescription: description });
  const restoredOperator = env.restoredOperator?.get(operator.uid);
  if (restoredOperator !== undefined && restoredOperator.length > 0) {
    operatorState.restore(restoredOperator, { subtaskIndex: SubtaskIndex(subtaskIndex), parallelism: vertex.parallelism });
  }
  return {
    operatorState,
    restored: env.restored,
    restoredCheckpointId: env.restored ? env.restoredCheckpointId : undefined,
    finalCheckpoint: env.finalCheckpoint === true,
    name: operator.node.name,
    uid: operator.uid,
    subtaskIndex,
    parallelism: vertex.parallelism,
    maxParallelism: vertex.maxParallelism,
    attemptNumber: env.attemptNumber,
    description,
    jobId: env.jobId,
    jobName: env.jobName,
    jobParameters: env.jobParameters,
    clock: env.clock,
    processingTimeService: env.processingTimeService,
    keyed,
    sendEventToCoordinator: (event) => {
      env.sendEventToCoordinator(operator, event);
    },
  };
}

/** Into the next operator of the chain; `operatorOutput` is that operator's own output, which gets statuses it does not handle. */
class ChainingOutput implements Output<unknown> {
  readonly #operator: OneInputStreamOperator<unknown, unknown>;
  readonly #operatorOutput: Output<unknown>;
  constructor(operator: OneInputStreamOperator<unknown, unknown>, operatorOutput: Output<unknown>) {
    this.#operator = operator;
    this.#operatorOutput = operatorOutput;
  }
  collect(value: unknown, timestamp: number): void {
    this.#operator.processElement(value, timestamp);
  }
  collectSide(): void {}
  emitWatermark(timestamp: number): void {
    this.#operator.processWatermark(timestamp);
  }
  emitWatermarkStatus(idle: boolean): void {
    if (this.#operator.processWatermarkStatus !== undefined) this.#operator.processWatermarkStatus(idle);
    else this.#operatorOutput.emitWatermarkStatus(idle);
  }
}

class RecordWriterOutput implements Output<unknown> {
  readonly #writer: RecordWriter;
  readonly #counters: TaskCounters;
  constructor(writer: RecordWriter, counters: TaskCounters) {
    this.#writer = writer;
    this.#counters = counters;
  }
  collect(value: unknown, timestamp: number): void {
    this.#counters.recordsOut++;
    this.#writer.emit(value, timestamp);
  }
  collectSide(): void {}
  emitWatermark(timestamp: number): void {
    this.#writer.broadcastControl(watermark(timestamp));
  }
  emitWatermarkStatus(idle: boolean): void {
    this.#writer.broadcastControl(idle ? WATERMARK_STATUS_IDLE : WATERMARK_STATUS_ACTIVE);
  }
}

class BroadcastingOutput implements Output<unknown> {
  readonly #outputs: readonly Output<unknown>[];
  constructor(outputs: readonly Output<unknown>[]) {
    this.#outputs = outputs;
  }
  collect(value: unknown, timestamp: number): void {
    for (const output of this.#outputs) output.collect(value, timestamp);
  }
  collectSide(): void {}
  emitWatermark(timestamp: number): void {
    for (const output of this.#outputs) output.emitWatermark(timestamp);
  }
  emitWatermarkStatus(idle: boolean): void {
    for (const output of this.#outputs) output.emitWatermarkStatus(idle);
  }
}

/** An operator's main output plus its side outputs by tag id; watermarks and statuses reach them all. */
class SideOutputsOutput implements Output<unknown> {
  readonly #main: Output<unknown>;
  readonly #sides: ReadonlyMap<string, readonly Output<unknown>[]>;
  constructor(main: Output<unknown>, sides: ReadonlyMap<string, readonly Output<unknown>[]>) {
    this.#main = main;
    this.#sides = sides;
  }
  collect(value: unknown, timestamp: number): void {
    this.#main.collect(value, timestamp);
  }
  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void {
    const targets = this.#sides.get(tag.id);
    if (targets === undefined) return;
    for (const target of targets) target.collect(value, timestamp);
  }
  emitWatermark(timestamp: number): void {
    this.#main.emitWatermark(timestamp);
    for (const targets of this.#sides.values()) for (const target of targets) target.emitWatermark(timestamp);
  }
  emitWatermarkStatus(idle: boolean): void {
    this.#main.emitWatermarkStatus(idle);
    for (const targets of this.#sides.values()) for (const target of targets) target.emitWatermarkStatus(idle);
  }
}

const discardingOutput: Output<unknown> = {
  collect: () => {},
  collectSide: () => {},
  emitWatermark: () => {},
  emitWatermarkStatus: () => {},
};
