/**
 * @module TaskExecutor: runs one slot's share of a job inside a worker thread. It builds the job graph
 * from the job module itself, checks it matches the JobManager's, wires channels (local within the
 * slot, MessagePorts to other slots) and starts subtask i of every vertex, i being the slot index.
 */
import { errorToData, WeirError } from '../core/errors.ts';
import { systemClock } from '../core/clock.ts';
import type { CheckpointId, JobVertexId } from '../core/ids.ts';
import type { CheckpointBarrier } from '../core/stream-element.ts';
import type { JobGraph, JobVertex } from '../graph/job-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import type { SourceSplit } from '../operators/source.ts';
import {
  LocalChannel,
  PeerConnection,
  RemoteChannelWriter,
  RemoteInputChannel,
  type ChannelWriter,
  type InputChannel,
} from '../runtime/channels.ts';
import { createChannelLayout, type ChannelSpec } from '../runtime/channel-layout.ts';
import { InputGate } from '../runtime/input-gate.ts';
import { OneInputStreamTask } from '../runtime/one-input-stream-task.ts';
import { createRecordWriter, type RecordWriter } from '../runtime/record-writer.ts';
import { SlotMailbox } from '../runtime/slot-mailbox.ts';
import { SourceStreamTask } from '../runtime/source-stream-task.ts';
import { describeOperator } from '../runtime/operator-chain.ts';
import type { StreamTask, StreamTaskOptions } from '../runtime/stream-task.ts';
import { Types } from '../types/types.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { displayModule, loadJob } from './job-loader.ts';
import type { FromWorker, SlotDeployment } from './worker-protocol.ts';

export interface TaskExecutorOptions {
  /** Sends a message to the JobManager. */
  readonly send: (message: FromWorker) => void;
}

export class TaskExecutor {
  readonly #send: (message: FromWorker) => void;
  readonly #tasks: StreamTask[] = [];
  readonly #peers = new Map<number, PeerConnection>();
  #mailbox: SlotMailbox | undefined;

  constructor(options: TaskExecutorOptions) {
    this.#send = options.send;
  }

  async deploy(deployment: SlotDeployment): Promise<void> {
    try {
      const { jobGraph, definition, parameters } = await loadJob(deployment.submission);
      if (jobGraph.fingerprint !== deployment.fingerprint) {
        throw new WeirError('NONDETERMINISTIC_GRAPH', `job '${definition.name}' in ${displayModule(deployment.submission.module)} built a different graph in worker slot ${deployment.slot} than on the JobManager`, {
          hint: 'the job definition must build the same graph every time: do not branch on randomness, time, the thread or environment that differ between processes',
        });
      }
      const mailbox = new SlotMailbox({
        bufferTimeoutMs: jobGraph.bufferTimeoutMs,
        onUncaught: (error) => {
          this.#send({ type: 'slot-failed', error: errorToData(error) });
        },
      });
      this.#mailbox = mailbox;
      for (const peer of deployment.peers) this.#peers.set(peer.slot, new PeerConnection(peer.port));
      this.#createTasks(deployment, jobGraph, parameters.toObject(), mailbox);
      this.#send({ type: 'deployed' });
      for (const task of this.#tasks) void task.start();
    } catch (error) {
      this.#send({ type: 'slot-failed', error: errorToData(error) });
    }
  }

  /** Sources of this slot inject the barrier, each between two of its records. */
  triggerCheckpoint(barrier: CheckpointBarrier): void {
    const mailbox = this.#mailbox;
    if (mailbox === undefined) return;
    for (const task of this.#tasks) {
      if (task instanceof SourceStreamTask) mailbox.execute(() => task.triggerCheckpoint(barrier));
    }
  }

  notifyCheckpointComplete(checkpointId: CheckpointId): void {
    for (const task of this.#tasks) this.#mailbox?.execute(() => task.notifyCheckpointComplete(checkpointId));
  }

  notifyCheckpointAborted(checkpointId: CheckpointId): void {
    for (const task of this.#tasks) this.#mailbox?.execute(() => task.notifyCheckpointAborted(checkpointId));
  }

  shutdown(): void {
    this.#mailbox?.stop();
    for (const task of this.#tasks) task.cancel();
    for (const peer of this.#peers.values()) peer.close();
  }

  #createTasks(deployment: SlotDeployment, graph: JobGraph<OperatorSpec>, jobParameters: Readonly<Record<string, string>>, mailbox: SlotMailbox): void {
    const slot = deployment.slot;
    const layout = createChannelLayout(graph);
    const vertexById = new Map<JobVertexId, JobVertex<OperatorSpec>>(graph.vertices.map((v) => [v.id, v]));
    const localChannels = new Map<number, LocalChannel>();
    const local = (spec: ChannelSpec): LocalChannel => {
      let channel = localChannels.get(spec.id);
      if (channel === undefined) {
        channel = new LocalChannel(deployment.channelLimits);
        localChannels.set(spec.id, channel);
      }
      return channel;
    };
    const peer = (other: number): PeerConnection => {
      const connection = this.#peers.get(other);
      if (connection === undefined) throw new WeirError('INTERNAL', `slot ${slot} has no connection to slot ${other}`);
      return connection;
    };
    const serializerOf = (edge: number): TypeSerializer<unknown> => graph.edges[edge]?.serializer ?? Types.generic<unknown>();

    for (const vertex of graph.vertices) {
      if (slot >= vertex.parallelism) continue;
      const subtaskIndex = slot;
      const head = vertex.operators[0];
      if (head === undefined) continue;
      const description = describeOperator(head, subtaskIndex, vertex.parallelism);

      const writers = new Map<number, RecordWriter>();
      for (const edgeIndex of vertex.outputs) {
        const edge = graph.edges[edgeIndex];
        if (edge === undefined) continue;
        const target = vertexById.get(edge.target) as JobVertex<OperatorSpec>;
        const targetHead = target.operators[0];
        const channels: ChannelWriter[] = layout.outputsOf(edgeIndex, subtaskIndex).map((spec) =>
          spec.consumer === slot
            ? local(spec)
            : new RemoteChannelWriter(spec.id, peer(spec.consumer), serializerOf(edgeIndex), deployment.channelLimits, () => description),
        );
        writers.set(
          edgeIndex,
          createRecordWriter({
            partitioner: edge.partitioner,
            channels,
            producerSubtask: subtaskIndex,
            maxParallelism: target.maxParallelism,
            describe: () => `keyBy() into ${targetHead === undefined ? target.name : `operator '${targetHead.node.name}' (uid ${targetHead.uid})`}, at ${description}`,
          }),
        );
      }

      const options: StreamTaskOptions = {
        jobId: deployment.jobId,
        jobName: graph.jobName,
        jobParameters,
        attemptNumber: deployment.attemptNumber,
        vertex,
        subtaskIndex,
        writers,
        mailbox,
        restored: deployment.restored?.[vertex.id]?.[subtaskIndex],
        clock: systemClock,
        sendEventToCoordinator: (operator, event) => {
          this.#send({ type: 'operator-event', uid: operator.uid, subtaskIndex, event });
        },
        onRunning: () => {
          this.#send({ type: 'task-running', vertexId: vertex.id, subtaskIndex });
        },
        onFinished: (report) => {
          this.#send({ type: 'task-finished', report });
        },
        onFailed: (error) => {
          this.#send({ type: 'task-failed', vertexId: vertex.id, subtaskIndex, error: errorToData(error) });
        },
        onCheckpointAck: (ack) => {
          this.#send({ type: 'checkpoint-ack', ack });
        },
        onCheckpointDecline: (checkpointId, error, taskNotRunning) => {
          this.#send({ type: 'checkpoint-decline', checkpointId, vertexId: vertex.id, subtaskIndex, reason: errorToData(error), taskNotRunning: taskNotRunning === true });
        },
      };

      if (head.node.payload.kind === 'source') {
        const splits: readonly SourceSplit[] = deployment.splits[vertex.id]?.[subtaskIndex] ?? [];
        this.#tasks.push(new SourceStreamTask(options, splits));
      } else {
        const inputs: InputChannel[] = layout.inputsOf(vertex.id, subtaskIndex).map((spec) =>
          spec.producer === slot ? local(spec) : new RemoteInputChannel(spec.id, peer(spec.producer), serializerOf(spec.edge), () => description),
        );
        const inputSpecs = layout.inputsOf(vertex.id, subtaskIndex);
        this.#tasks.push(
          new OneInputStreamTask(options, new InputGate(inputs), {
            mode: deployment.checkpointing?.mode ?? 'EXACTLY_ONCE',
            unaligned: deployment.checkpointing?.unaligned ?? false,
            alignedCheckpointTimeout: deployment.checkpointing?.alignedCheckpointTimeout ?? 0,
            channelSerializers: inputSpecs.map((spec) => serializerOf(spec.edge)),
          }),
        );
      }
    }
  }
}
