/**
 * @module OperatorChain: instantiates the operators of one vertex for one subtask and wires them:
 * a chained successor is a direct call, a network output is a RecordWriter.
 */
import type { Clock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import { SubtaskIndex, type JobId, type StreamNodeId } from '../core/ids.ts';
import { keyGroupRangeForSubtask } from '../core/key-groups.ts';
import { watermark } from '../core/stream-element.ts';
import type { ChainedOperator, JobVertex } from '../graph/job-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import type { KeyedContext, OneInputStreamOperator, Output, ProcessingTimeService, StreamOperatorContext } from '../operators/stream-operator.ts';
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
  sendEventToCoordinator(operator: ChainedOperator<OperatorSpec>, event: unknown): void;
}

export interface OperatorInstance {
  readonly operator: ChainedOperator<OperatorSpec>;
  readonly instance: OneInputStreamOperator<unknown, unknown>;
  readonly context: StreamOperatorContext;
}

export interface OperatorChain {
  /** Operators in topological order (head first); a source vertex's head is not an operator. */
  readonly operators: readonly OperatorInstance[];
  /** Where the head receives records: the first operator, or for a source, the source's output. */
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
    const targets: Output<unknown>[] = [];
    for (const next of operator.chainedOutputs) {
      const instance = created.get(next);
      if (instance === undefined) throw new WeirError('INTERNAL', `chained operator ${next} was not created before its input`);
      targets.push(new ChainingOutput(instance.instance));
    }
    for (const edge of operator.networkOutputs) {
      const writer = env.writers.get(edge);
      if (writer === undefined) throw new WeirError('INTERNAL', `no record writer for edge ${edge}`);
      targets.push(new RecordWriterOutput(writer, env.counters));
    }
    const output = targets.length === 0 ? discardingOutput : targets.length === 1 ? (targets[0] as Output<unknown>) : new BroadcastingOutput(targets);
    outputs.set(operator.node.id, output);
    const spec = operator.node.payload;
    if (spec.kind === 'source') continue;
    const context = createOperatorContext(env, operator);
    created.set(operator.node.id, { operator, instance: spec.factory(context, output), context });
  }
  const ordered = vertex.operators.map((o) => created.get(o.node.id)).filter((o): o is OperatorInstance => o !== undefined);
  const head = vertex.operators[0] as ChainedOperator<OperatorSpec>;
  const headInstance = created.get(head.node.id);
  const headOutput = headInstance !== undefined ? new ChainingOutput(headInstance.instance) : (outputs.get(head.node.id) as Output<unknown>);
  return { operators: ordered, headOutput };
}

function createOperatorContext(env: ChainEnvironment, operator: ChainedOperator<OperatorSpec>): StreamOperatorContext {
  const { vertex, subtaskIndex } = env;
  const description = describeOperator(operator, subtaskIndex, vertex.parallelism);
  let keyed: KeyedContext | undefined;
  if (operator.node.keyed) {
    const edge = operator.node.inEdges[0];
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

class ChainingOutput implements Output<unknown> {
  readonly #operator: OneInputStreamOperator<unknown, unknown>;
  constructor(operator: OneInputStreamOperator<unknown, unknown>) {
    this.#operator = operator;
  }
  collect(value: unknown, timestamp: number): void {
    this.#operator.processElement(value, timestamp);
  }
  emitWatermark(timestamp: number): void {
    this.#operator.processWatermark(timestamp);
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
  emitWatermark(timestamp: number): void {
    this.#writer.broadcastControl(watermark(timestamp));
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
  emitWatermark(timestamp: number): void {
    for (const output of this.#outputs) output.emitWatermark(timestamp);
  }
}

const discardingOutput: Output<unknown> = {
  collect: () => {},
  emitWatermark: () => {},
};
