/**
 * @module Tests of a sink writer's backpressure in running tasks: a slow in-memory writer with
 * `isAvailable` keeps its task from taking input, so the source reads ahead of what was written only by
 * a bound (chained, and across a channel), checkpoints complete while the writer holds the input back,
 * and a writer without `isAvailable` lets the source run ahead as before.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { systemClock } from '../core/clock.ts';
import { CheckpointId, JobId } from '../core/ids.ts';
import type { CheckpointBarrier } from '../core/stream-element.ts';
import { createJobGraph, type JobVertex } from '../graph/job-graph.ts';
import { StreamGraph } from '../graph/stream-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import type { Sink, SinkWriter } from '../operators/sink.ts';
import { SinkOperator } from '../operators/sink-operator.ts';
import type { Source, SourceSplit } from '../operators/source.ts';
import { Types } from '../types/types.ts';
import { LocalChannel, type ChannelLimits } from './channels.ts';
import { InputGate } from './input-gate.ts';
import { OneInputStreamTask } from './one-input-stream-task.ts';
import { createRecordWriter, type RecordWriter } from './record-writer.ts';
import { SlotMailbox } from './slot-mailbox.ts';
import { SourceStreamTask } from './source-stream-task.ts';
import type { StreamTask, StreamTaskOptions, TaskCheckpointAck } from './stream-task.ts';

const RECORDS_PER_POLL = 10;
const LIMITS: ChannelLimits = { buffersPerChannel: 2, maxBatchRecords: 10, maxBatchBytes: 32 * 1024 };

/** Emits 0, 1, ... count-1, RECORDS_PER_POLL records per poll, as fast as it is polled. */
function numbers(count: number): Source<number> {
  return {
    boundedness: 'BOUNDED',
    name: 'numbers',
    outputType: Types.number,
    createEnumerator: () => ({ assignInitialSplits: () => [[{ splitId: 'all' }]] }),
    createReader: () => {
      let next = 0;
      return {
        start() {},
        addSplits() {},
        notifyNoMoreSplits() {},
        pollNext(output) {
          const end = Math.min(count, next + RECORDS_PER_POLL);
          for (; next < end; next++) output.collect(next);
          return next >= count ? 'END_OF_INPUT' : 'MORE_AVAILABLE';
        },
        isAvailable: () => Promise.resolve(),
        snapshotState: (): SourceSplit[] => [{ splitId: 'all' }],
        close() {},
      };
    },
  };
}

/**
 * A writer whose "database" writes `perTick` records every millisecond. With `bound` it has
 * backpressure: unavailable while `bound` records wait. `flush` resolves once what was written before
 * it is done (AT_LEAST_ONCE).
 */
class SlowWriter implements SinkWriter<number> {
  readonly received: number[] = [];
  written = 0;
  /** How often isAvailable answered false. */
  refusals = 0;
  /** The largest lead of the source's records over the written ones, sampled at every write. */
  maxLead = 0;
  onAvailable: (() => void) | undefined = undefined;
  /** Records the source has emitted so far. */
  emitted: () => number = () => 0;
  /** Called whenever isAvailable answers false. */
  onRefusal: () => void = () => {};
  readonly #bound: number;
  readonly #perTick: number;
  readonly #flushes: { readonly upTo: number; readonly resolve: () => void }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(bound: number, perTick: number) {
    this.#bound = bound;
    this.#perTick = perTick;
  }

  get pending(): number {
    return this.received.length - this.written;
  }

  write(value: number): void {
    this.received.push(value);
    this.maxLead = Math.max(this.maxLead, this.emitted() - this.written);
    this.#timer ??= setInterval(() => this.#tick(), 1);
  }

  isAvailable(): boolean {
    const available = this.pending < this.#bound;
    if (!available) {
      this.refusals++;
      this.onRefusal();
    }
    return available;
  }

  flush(): Promise<void> {
    const upTo = this.received.length;
    if (this.written >= upTo) return Promise.resolve();
    return new Promise((resolve) => this.#flushes.push({ upTo, resolve }));
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #tick(): void {
    const wasFull = this.pending >= this.#bound;
    this.written = Math.min(this.received.length, this.written + this.#perTick);
    while (this.#flushes.length > 0 && (this.#flushes[0]?.upTo ?? 0) <= this.written) this.#flushes.shift()?.resolve();
    if (this.pending === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    if (wasFull && this.pending < this.#bound) this.onAvailable?.();
  }
}

/** The same writer without `isAvailable`: a sink as before the contract. */
function withoutBackpressure(writer: SlowWriter): SinkWriter<number> {
  return { write: (value) => writer.write(value), flush: () => writer.flush(), close: () => writer.close() };
}

/** Source -> sink, chained into one task or (`separate`) in two tasks joined by a channel. */
function graphOf(count: number, sink: Sink<number>, chaining: 'chained' | 'separate'): readonly JobVertex<OperatorSpec>[] {
  const graph = new StreamGraph<OperatorSpec>({ jobName: 'sink-backpressure', parallelism: 1, maxParallelism: undefined, chainingEnabled: true, bufferTimeoutMs: 5 });
  const source = graph.addNode({
    kind: 'source',
    operatorType: 'Source: numbers',
    name: 'numbers',
    payload: { kind: 'source', source: numbers(count) },
    stateful: false,
    keyed: false,
    outputType: Types.number,
  });
  const target = graph.addNode({
    kind: 'sink',
    operatorType: 'Sink: slow',
    name: 'slow',
    payload: { kind: 'one-input', factory: (context) => new SinkOperator(sink, context) },
    stateful: false,
    keyed: false,
    chainingStrategy: chaining === 'chained' ? 'ALWAYS' : 'HEAD',
  });
  graph.addEdge(source.id, target.id, { kind: 'forward' }, false);
  return createJobGraph(graph).vertices;
}

interface Run {
  readonly finished: Promise<void>;
  readonly acks: TaskCheckpointAck[];
  /** Injects barrier n at the source (in the mailbox, as the JobManager's trigger does). */
  triggerCheckpoint(n: number): void;
  readonly source: SourceStreamTask;
}

/** Runs the vertices in one slot, wired by local channels; resolves once every task finished. */
function run(vertices: readonly JobVertex<OperatorSpec>[]): Run {
  const mailbox = new SlotMailbox({
    bufferTimeoutMs: 5,
    onUncaught: (error) => {
      throw error;
    },
  });
  const acks: TaskCheckpointAck[] = [];
  const tasks: StreamTask[] = [];
  const ends: Promise<void>[] = [];
  const channel = new LocalChannel(LIMITS);
  for (const vertex of vertices) {
    let finish!: () => void;
    let failed!: (error: unknown) => void;
    ends.push(new Promise<void>((resolve, reject) => ((finish = resolve), (failed = reject))));
    const writers = new Map<number, RecordWriter>();
    for (const edge of vertex.outputs) {
      writers.set(edge, createRecordWriter({ partitioner: { kind: 'forward' }, channels: [channel], producerSubtask: 0, maxParallelism: 128, describe: () => 'forward' }));
    }
    const options: StreamTaskOptions = {
      jobId: JobId('job'),
      jobName: 'sink-backpressure',
      jobParameters: {},
      attemptNumber: 0,
      vertex,
      subtaskIndex: 0,
      writers,
      mailbox,
      clock: systemClock,
      sendEventToCoordinator: () => {},
      onRunning: () => {},
      onFinished: () => finish(),
      onFailed: (error) => failed(error),
      onCheckpointAck: (ack) => acks.push(ack),
      onCheckpointDecline: (checkpointId, error) => failed(new Error(`checkpoint ${checkpointId} declined: ${String(error)}`)),
    };
    tasks.push(
      vertex.operators[0]?.node.payload.kind === 'source'
        ? new SourceStreamTask(options, [{ splitId: 'all' }])
        : new OneInputStreamTask(options, new InputGate([channel]), { mode: 'EXACTLY_ONCE', unaligned: false, channelSerializers: [Types.number] }),
    );
  }
  const source = tasks[0] as SourceStreamTask;
  // Last first, as the executor starts a slot's tasks: consumers are ready before producers emit.
  for (const task of [...tasks].reverse()) void task.start();
  return {
    finished: Promise.all(ends).then(() => undefined),
    acks,
    source,
    triggerCheckpoint(n) {
      const barrier: CheckpointBarrier = { kind: 'barrier', checkpointId: CheckpointId(n), timestamp: Date.now(), type: 'checkpoint', unaligned: false };
      mailbox.execute(() => source.triggerCheckpoint(barrier));
    },
  };
}

function range(count: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(i);
  return values;
}

describe('a sink writer with backpressure holds its task back', () => {
  const count = 3000;
  const bound = 50;
  const perTick = 5;

  test('chained to the source: the source reads ahead of the written records by at most the bound and one poll', async () => {
    const writer = new SlowWriter(bound, perTick);
    const vertices = graphOf(count, { name: 'slow', createWriter: () => writer }, 'chained');
    assert.equal(vertices.length, 1, 'source and sink are chained');
    const job = run(vertices);
    writer.emitted = () => job.source.recordCounts().recordsIn;
    await job.finished;
    assert.deepEqual(writer.received, range(count));
    assert.equal(writer.written, count);
    assert.ok(writer.refusals > 0, 'the writer was unavailable at times');
    assert.ok(writer.maxLead <= bound + RECORDS_PER_POLL, `the source led by ${writer.maxLead} records`);
  });

  test('behind a channel: the lead is bounded by the bound, the channel buffers and one batch', async () => {
    const writer = new SlowWriter(bound, perTick);
    const vertices = graphOf(count, { name: 'slow', createWriter: () => writer }, 'separate');
    assert.equal(vertices.length, 2, 'the sink runs in its own task');
    const job = run(vertices);
    writer.emitted = () => job.source.recordCounts().recordsIn;
    await job.finished;
    assert.deepEqual(writer.received, range(count));
    assert.ok(writer.refusals > 0, 'the writer was unavailable at times');
    // queued batches, the partly filled one, the batch the sink task took last, and one poll
    const channelRecords = (LIMITS.buffersPerChannel + 2) * LIMITS.maxBatchRecords;
    assert.ok(writer.maxLead <= bound + channelRecords + RECORDS_PER_POLL, `the source led by ${writer.maxLead} records`);
  });

  test('a checkpoint triggered while the writer is unavailable completes before the input ends, and its flush covered the records before the barrier', async () => {
    const writer = new SlowWriter(bound, perTick);
    const job = run(graphOf(count, { name: 'slow', createWriter: () => writer }, 'separate'));
    writer.emitted = () => job.source.recordCounts().recordsIn;
    let triggered: { readonly emitted: number } | undefined;
    writer.onRefusal = () => {
      if (triggered !== undefined) return;
      triggered = { emitted: job.source.recordCounts().recordsIn };
      job.triggerCheckpoint(1);
    };
    const acked = new Promise<number>((resolve) => {
      const poll = setInterval(() => {
        if (job.acks.length === 2) {
          clearInterval(poll);
          resolve(writer.written);
        }
      }, 1);
    });
    const writtenAtAck = await acked;
    await job.finished;
    assert.ok(triggered !== undefined, 'the writer was unavailable and the checkpoint was triggered then');
    assert.ok(writtenAtAck < count, `both tasks acknowledged checkpoint 1 while ${count - writtenAtAck} records were still to be written`);
    assert.ok(writtenAtAck >= triggered.emitted, 'the sink acknowledged once every record before the barrier was written');
    assert.deepEqual(writer.received, range(count));
  });

  test('a writer without isAvailable does not hold its task back: the source runs far ahead (as before the contract)', async () => {
    const writer = new SlowWriter(bound, perTick);
    const job = run(graphOf(count, { name: 'plain', createWriter: () => withoutBackpressure(writer) }, 'chained'));
    writer.emitted = () => job.source.recordCounts().recordsIn;
    await job.finished;
    assert.deepEqual(writer.received, range(count));
    assert.equal(writer.refusals, 0);
    assert.ok(writer.maxLead > count / 2, `the source led by ${writer.maxLead} records`);
  });
});
