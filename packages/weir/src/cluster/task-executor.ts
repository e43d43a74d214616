/**
 * @module TaskExecutor: runs one slot's share of a job inside a worker thread. It builds the job graph
 * from the job module itself, checks it matches the JobManager's, wires channels (local within the
 * slot, MessagePorts to other slots) and starts subtask i of every vertex, i being the slot index.
 */
import { errorToData, WeirError } from '../core/errors.ts';
import { systemClock } from '../core/clock.ts';
import type { CheckpointId, JobVertexId } from '../core/ids.ts';
import type { CheckpointBarrier } from '../core/stream-element.ts';
import type { StopWithSavepoint } from '../checkpoint/checkpoint-coordinator.ts';
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
import { createChannelLayout, type ChannelLayout, type ChannelSpec } from '../runtime/channel-layout.ts';
import { InputGate } from '../runtime/input-gate.ts';
import type { BarrierSettings } from '../runtime/checkpointed-input.ts';
import { OneInputStreamTask } from '../runtime/one-input-stream-task.ts';
import { TwoInputStreamTask } from '../runtime/two-input-stream-task.ts';
import { createRecordWriter, type RecordWriter } from '../runtime/record-writer.ts';
import { SlotMailbox } from '../runtime/slot-mailbox.ts';
import { SourceStreamTask } from '../runtime/source-stream-task.ts';
import { describeOperator } from '../runtime/operator-chain.ts';
import type { StreamTask, StreamTaskOptions } from '../runtime/stream-task.ts';
import { Types } from '../types/types.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { displayModule, loadJob } from './job-loader.ts';
import type { FromWorker, RegionDeployment, SlotDeployment } from './worker-protocol.ts';
import { METRICS_REPORT_INTERVAL_MS } from './task-metrics.ts';

export interface TaskExecutorOptions {
  /** Sends a message to the JobManager. */
  readonly send: (message: FromWorker) => void;
}

/** A task of this slot, with the remote channel ids it registered (retired when it is cancelled). */
interface DeployedTask {
  readonly vertexId: JobVertexId;
  readonly task: StreamTask;
  readonly remoteChannels: readonly { readonly peer: PeerConnection; readonly id: number }[];
}

/** What a slot keeps from its deployment to build tasks again when their region restarts. */
interface SlotJob {
  readonly deployment: SlotDeployment;
  readonly graph: JobGraph<OperatorSpec>;
  readonly layout: ChannelLayout;
  readonly parameters: Readonly<Record<string, string>>;
  readonly mailbox: SlotMailbox;
}

export class TaskExecutor {
  readonly #send: (message: FromWorker) => void;
  #tasks: DeployedTask[] = [];
  readonly #peers = new Map<number, PeerConnection>();
  #job: SlotJob | undefined;
  #metricsTimer: NodeJS.Timeout | undefined;

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
      for (const peer of deployment.peers) this.#peers.set(peer.slot, new PeerConnection(peer.port));
      this.#job = { deployment, graph: jobGraph, layout: createChannelLayout(jobGraph), parameters: parameters.toObject(), mailbox };
      const created = this.#createTasks(this.#job, {
        vertices: jobGraph.vertices.map((v) => v.id),
        vertexAttempts: deployment.vertexAttempts,
        restored: deployment.restored,
        restoredCheckpointId: deployment.restoredCheckpointId,
      });
      this.#send({ type: 'deployed' });
      this.#metricsTimer = setInterval(() => this.reportMetrics(), METRICS_REPORT_INTERVAL_MS);
      this.#metricsTimer.unref();
      for (const task of created) void task.start();
    } catch (error) {
      this.#send({ type: 'slot-failed', error: errorToData(error) });
    }
  }

  /**
   * Region failover: cancels this slot's tasks of `vertices`, waits until their operators closed, and
   * retires their remote channels so data still in flight for them is dropped.
   */
  async cancelTasks(vertices: readonly string[]): Promise<void> {
    const region = new Set(vertices);
    const cancelled = this.#tasks.filter((t) => region.has(t.vertexId));
    this.#tasks = this.#tasks.filter((t) => !region.has(t.vertexId));
    for (const { task, remoteChannels } of cancelled) {
      this.#job?.mailbox.unregister(task);
      for (const channel of remoteChannels) channel.peer.retire(channel.id);
    }
    await Promise.all(cancelled.map(({ task }) => task.cancel()));
  }

  /** Region failover: starts this slot's tasks of a restarted region, with their restored state. */
  deployTasks(deployment: RegionDeployment): void {
    try {
      const job = this.#job;
      if (job === undefined) throw new WeirError('INTERNAL', 'a region was redeployed to a slot that has no job');
      for (const task of this.#createTasks(job, deployment)) void task.start();
    } catch (error) {
      this.#send({ type: 'slot-failed', error: errorToData(error) });
    }
  }

  /** Sources of this slot inject the barrier, each between two of its records; with `stop`, they stop after it. */
  triggerCheckpoint(barrier: CheckpointBarrier, stop?: StopWithSavepoint): void {
    const mailbox = this.#job?.mailbox;
    if (mailbox === undefined) return;
    for (const { task } of this.#tasks) {
      if (task instanceof SourceStreamTask) mailbox.execute(() => task.triggerCheckpoint(barrier, stop));
    }
  }

  /** The final checkpoint: every task of this slot (all wait at the end of their input) snapshots at once. */
  triggerFinalCheckpoint(barrier: CheckpointBarrier): void {
    const mailbox = this.#job?.mailbox;
    if (mailbox === undefined) return;
    for (const { task } of this.#tasks) mailbox.execute(() => task.triggerFinalCheckpoint(barrier));
  }

  /** The final checkpoint completed: the tasks waiting for it close and report finished. */
  finishTasks(): void {
    const mailbox = this.#job?.mailbox;
    if (mailbox === undefined) return;
    for (const { task } of this.#tasks) mailbox.execute(() => void task.finishAfterFinalCheckpoint());
  }

  notifyCheckpointComplete(checkpointId: CheckpointId): void {
    for (const { task } of this.#tasks) this.#job?.mailbox.execute(() => task.notifyCheckpointComplete(checkpointId));
  }

  notifyCheckpointAborted(checkpointId: CheckpointId): void {
    for (const { task } of this.#tasks) this.#job?.mailbox.execute(() => task.notifyCheckpointAborted(checkpointId));
  }

  /** Sends the counters of this slot's running tasks to the JobManager (every second, and when asked). */
  reportMetrics(requestId?: number): void {
    const tasks = this.#tasks.filter(({ task }) => task.status === 'RUNNING').map(({ task }) => task.recordCounts());
    if (tasks.length > 0 || requestId !== undefined) this.#send({ type: 'task-metrics', tasks, requestId });
  }

  shutdown(): void {
    clearInterval(this.#metricsTimer);
    this.#job?.mailbox.stop();
    for (const { task } of this.#tasks) void task.cancel();
    for (const peer of this.#peers.values()) peer.close();
  }

  /** Creates (without starting) this slot's subtasks of `region.vertices`: subtask i runs in slot i. */
  #createTasks(job: SlotJob, region: RegionDeployment): StreamTask[] {
    const { deployment, graph, layout, parameters: jobParameters, mailbox } = job;
    const slot = deployment.slot;
    const vertexById = new Map<JobVertexId, JobVertex<OperatorSpec>>(graph.vertices.map((v) => [v.id, v]));
    const wanted = new Set(region.vertices);
    const created: StreamTask[] = [];
    // Every restart of a region gives its channels new ids, so both ends agree and stale data is dropped.
    const wireId = (spec: ChannelSpec): number => {
      const producer = graph.edges[spec.edge]?.source;
      const attempt = producer === undefined ? 0 : (region.vertexAttempts[producer] ?? 0);
      return spec.id + layout.channels.length * attempt;
    };
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
      if (slot >= vertex.parallelism || !wanted.has(vertex.id)) continue;
      const subtaskIndex = slot;
      const head = vertex.operators[0];
      if (head === undefined) continue;
      const description = describeOperator(head, subtaskIndex, vertex.parallelism);
      const attemptNumber = region.vertexAttempts[vertex.id] ?? 0;
      const remoteChannels: { peer: PeerConnection; id: number }[] = [];
      const remote = (other: number, spec: ChannelSpec): { peer: PeerConnection; id: number } => {
        const channel = { peer: peer(other), id: wireId(spec) };
        remoteChannels.push(channel);
        return channel;
      };

      const writers = new Map<number, RecordWriter>();
      for (const edgeIndex of vertex.outputs) {
        const edge = graph.edges[edgeIndex];
        if (edge === undefined) continue;
        const target = vertexById.get(edge.target) as JobVertex<OperatorSpec>;
        const targetHead = target.operators[0];
        const channels: ChannelWriter[] = layout.outputsOf(edgeIndex, subtaskIndex).map((spec) => {
          if (spec.consumer === slot) return local(spec);
          const { peer: to, id } = remote(spec.consumer, spec);
          return new RemoteChannelWriter(id, to, serializerOf(edgeIndex), deployment.channelLimits, () => description);
        });
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
        attemptNumber,
        vertex,
        subtaskIndex,
        writers,
        mailbox,
        restored: region.restored?.[vertex.id]?.[subtaskIndex],
        restoredCheckpointId: region.restoredCheckpointId,
        finalCheckpoint: deployment.checkpointing?.finalCheckpoint === true,
        incrementalCheckpoints: deployment.checkpointing?.incremental === true,
        clock: systemClock,
        sendEventToCoordinator: (operator, event) => {
          this.#send({ type: 'operator-event', uid: operator.uid, subtaskIndex, event });
        },
        onRunning: () => {
          this.#send({ type: 'task-running', vertexId: vertex.id, subtaskIndex, attemptNumber });
        },
        onEndOfInput: () => {
          this.#send({ type: 'task-end-of-input', vertexId: vertex.id, subtaskIndex, attemptNumber });
        },
        onFinished: (report) => {
          this.#send({ type: 'task-finished', report, attemptNumber });
        },
        onFailed: (error) => {
          this.#send({ type: 'task-failed', vertexId: vertex.id, subtaskIndex, attemptNumber, error: errorToData(error) });
        },
        onCheckpointAck: (ack) => {
          this.#send({ type: 'checkpoint-ack', ack });
        },
        onCheckpointDecline: (checkpointId, error, taskNotRunning) => {
          this.#send({ type: 'checkpoint-decline', checkpointId, vertexId: vertex.id, subtaskIndex, reason: errorToData(error), taskNotRunning: taskNotRunning === true });
        },
      };

      let task: StreamTask;
      if (head.node.payload.kind === 'source') {
        const splits: readonly SourceSplit[] = deployment.splits[vertex.id]?.[subtaskIndex] ?? [];
        task = new SourceStreamTask(options, splits);
      } else {
        const inputs: InputChannel[] = layout.inputsOf(vertex.id, subtaskIndex).map((spec) => {
          if (spec.producer === slot) return local(spec);
          const { peer: from, id } = remote(spec.producer, spec);
          return new RemoteInputChannel(id, from, serializerOf(spec.edge), () => description);
        });
        const inputSpecs = layout.inputsOf(vertex.id, subtaskIndex);
        const barrierSettings = (specs: readonly ChannelSpec[]): BarrierSettings => ({
          mode: deployment.checkpointing?.mode ?? 'EXACTLY_ONCE',
          unaligned: deployment.checkpointing?.unaligned ?? false,
          alignedCheckpointTimeout: deployment.checkpointing?.alignedCheckpointTimeout ?? 0,
          channelSerializers: specs.map((spec) => serializerOf(spec.edge)),
        });
        if (head.node.payload.kind === 'two-input') {
          // One gate per input; the barrier handling numbers input 1's channels first, then input 2's.
          const of = (input: 1 | 2): number[] => inputSpecs.flatMap((spec, i) => (graph.edges[spec.edge]?.inputIndex === input ? [i] : []));
          const [first, second] = [of(1), of(2)];
          const gate = (indexes: number[]): InputGate => new InputGate(indexes.map((i) => inputs[i] as InputChannel));
          task = new TwoInputStreamTask(options, gate(first), gate(second), barrierSettings([...first, ...second].map((i) => inputSpecs[i] as ChannelSpec)));
        } else {
          task = new OneInputStreamTask(options, new InputGate(inputs), barrierSettings(inputSpecs));
        }
      }
      this.#tasks.push({ vertexId: vertex.id, task, remoteChannels });
      created.push(task);
    }
    return created;
  }
}
