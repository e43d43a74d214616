/**
 * @module TwoInputStreamTask: a task whose head operator has two inputs, each fed by its own InputGate.
 * It takes batches from both gates in turn while its outputs have room, hands records, watermarks and
 * statuses to the head's input 1 or 2, and ends once both inputs have. Checkpoint barriers are handled
 * over the channels of both gates as one range (one CheckpointedInput), so alignment, at-least-once,
 * unaligned and timed-out alignment work across the two inputs exactly as across one.
 */
import { WeirError } from '../core/errors.ts';
import { keyGroupOf } from '../core/key-groups.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { Partitioner } from '../graph/partitioner.ts';
import type { InputIndex, TwoInputStreamOperator } from '../operators/two-input-stream-operator.ts';
import { decodeChannelStateByChannel, type RecordedChannel } from './channel-state.ts';
import { CheckpointedInput, type BarrierSettings, type InputChannels } from './checkpointed-input.ts';
import type { InputGate } from './input-gate.ts';
import { EncodedBatch, type RecordBatch } from './record-batch.ts';
import { StreamTask, type StreamTaskOptions } from './stream-task.ts';
import type { CheckpointId } from '../core/ids.ts';

const BATCHES_PER_RUN = 8;

type ProcessRecord = (value: unknown, timestamp: number) => void;

export class TwoInputStreamTask extends StreamTask {
  readonly #gates: readonly [InputGate, InputGate];
  /** Channels of gate 2 are numbered after those of gate 1 in the barrier handling. */
  readonly #offset: number;
  readonly #input: CheckpointedInput;
  readonly #ended = [false, false];
  #head: TwoInputStreamOperator<unknown, unknown, unknown> | undefined;
  #process: readonly [ProcessRecord, ProcessRecord] | undefined;
  /** The gate polled first in the next step, so a busy input cannot starve the other. */
  #next = 0;

  /** `gate1` holds the channels of the head's input 1, `gate2` those of input 2; `settings` covers both, gate 1's channels first. */
  constructor(options: StreamTaskOptions, gate1: InputGate, gate2: InputGate, settings: BarrierSettings) {
    super(options);
    this.#gates = [gate1, gate2];
    const offset = gate1.channels.length;
    this.#offset = offset;
    const channels: InputChannels = {
      count: offset + gate2.channels.length,
      block: (channel) => {
        if (channel < offset) gate1.block(channel);
        else gate2.block(channel - offset);
      },
      unblockAll: () => {
        gate1.unblockAll();
        gate2.unblockAll();
      },
      hasInput: () => gate1.hasInput() || gate2.hasInput(),
    };
    this.#input = new CheckpointedInput(
      {
        name: this.name,
        performCheckpoint: (barrier, alignmentMs, unaligned) => {
          this.performCheckpoint(barrier, alignmentMs, unaligned);
        },
        registerProcessingTimer: (time, action) => this.registerProcessingTimer(time, action),
        decline: (checkpointId, error) => {
          this.options.onCheckpointDecline(checkpointId, error);
        },
        schedule: () => {
          this.schedule();
        },
        now: () => this.options.clock.now(),
      },
      channels,
      settings,
      {
        inputOf: (channel) => (channel < offset ? 1 : 2),
        origin: { subtask: options.subtaskIndex, parallelism: options.vertex.parallelism },
      },
    );
    for (const gate of this.#gates) {
      gate.onAvailable = () => {
        this.schedule();
      };
    }
    gate1.onChannelEnded = (channel) => {
      this.#input.onChannelEnded(channel);
    };
    gate2.onChannelEnded = (channel) => {
      this.#input.onChannelEnded(offset + channel);
    };
  }

  override notifyCheckpointAborted(checkpointId: CheckpointId): void {
    this.#input.onAborted(checkpointId);
    super.notifyCheckpointAborted(checkpointId);
  }

  protected initialize(): Promise<void> {
    const first = this.chain?.operators[0];
    if (first === undefined || first.operator.node.payload.kind !== 'two-input') {
      throw new WeirError('INTERNAL', `${this.name} is not headed by a two-input operator`);
    }
    const head = first.instance as TwoInputStreamOperator<unknown, unknown, unknown>;
    this.#head = head;
    this.#process = [
      (value, timestamp) => {
        head.processElement1(value, timestamp);
      },
      (value, timestamp) => {
        head.processElement2(value, timestamp);
      },
    ];
    this.#replayChannelState();
    return Promise.resolve();
  }

  /**
   * In-flight records of an unaligned checkpoint come first, before any new input. Every old subtask's
   * are handed over, and each input keeps what is its own: a keyed input the records of its key groups,
   * a broadcast input those of the old subtask whose broadcast state this subtask restored (its index
   * modulo the old parallelism), any other input those of the old subtasks j with j mod p = its index.
   */
  #replayChannelState(): void {
    const first = this.chain?.operators[0];
    const process = this.#process;
    if (first === undefined || process === undefined) return;
    const blobs = this.options.restored?.operators[first.operator.uid]?.channel ?? [];
    if (blobs.length === 0) return;
    const { subtaskIndex } = this.options;
    const { parallelism } = this.options.vertex;
    const backend = first.context.keyed?.backend;
    const partitioners = new Map<InputIndex, Partitioner>();
    for (const edge of first.operator.node.inEdges) if (edge.inputIndex !== undefined && !partitioners.has(edge.inputIndex)) partitioners.set(edge.inputIndex, edge.partitioner);
    for (const bytes of blobs) {
      const { origin, channels } = decodeChannelStateByChannel(bytes, this.name);
      for (const channel of channels) {
        const input: InputIndex = channel.input ?? 1;
        const partitioner = partitioners.get(input);
        let keep: ((value: unknown) => boolean) | undefined;
        if (partitioner?.kind === 'hash' && backend !== undefined) {
          const keySelector = partitioner.keySelector;
          keep = (value) => backend.keyGroupRange.contains(keyGroupOf(keySelector(value), backend.maxParallelism));
        } else if (origin !== undefined) {
          const own = partitioner?.kind === 'broadcast' ? origin.subtask === subtaskIndex % origin.parallelism : origin.subtask % parallelism === subtaskIndex;
          if (!own) continue;
        }
        const processRecord = input === 1 ? process[0] : process[1];
        for (let i = 0; i < channel.values.length; i++) {
          if (keep !== undefined && !keep(channel.values[i])) continue;
          processRecord(channel.values[i], channel.timestamps[i] ?? NO_TIMESTAMP);
        }
      }
    }
  }

  protected processInput(): void {
    const head = this.#head as TwoInputStreamOperator<unknown, unknown, unknown>;
    for (let n = 0; n < BATCHES_PER_RUN; n++) {
      if (!this.outputsAvailable()) return;
      const index = this.#pickGate();
      if (index === undefined) return;
      const gate = this.#gates[index];
      const event = gate.poll();
      if (event === undefined) continue;
      switch (event.kind) {
        case 'batch':
          this.#processBatch(index, event.channel, event.batch);
          break;
        case 'watermark':
          if (index === 0) head.processWatermark1(event.timestamp);
          else head.processWatermark2(event.timestamp);
          break;
        case 'watermark-status':
          if (index === 0) head.processWatermarkStatus1(event.idle);
          else head.processWatermarkStatus2(event.idle);
          break;
        case 'end-of-input':
          this.#endInput(index);
          if (!this.isRunning) return;
          break;
        case 'control':
          if (event.element.kind !== 'barrier') throw new WeirError('INTERNAL', `${this.name} received an element it cannot handle: ${event.element.kind}`);
          this.#input.onBarrier(index === 0 ? event.channel : this.#offset + event.channel, event.element);
          break;
      }
      if (!this.isRunning) return;
    }
    if (this.#gates[0].hasInput() || this.#gates[1].hasInput()) this.schedule();
  }

  /** The gate to poll now: the two take turns while both have input. */
  #pickGate(): 0 | 1 | undefined {
    const first = this.#next as 0 | 1;
    const second = (1 - first) as 0 | 1;
    this.#next = second;
    if (this.#gates[first].hasInput()) return first;
    if (this.#gates[second].hasInput()) return second;
    return undefined;
  }

  #endInput(index: 0 | 1): void {
    if (this.#ended[index] === true) return;
    this.#ended[index] = true;
    (this.#head as TwoInputStreamOperator<unknown, unknown, unknown>).endInput(index === 0 ? 1 : 2);
    if (this.#ended[0] === true && this.#ended[1] === true) void this.endOfInput();
  }

  #processBatch(index: 0 | 1, channel: number, batch: RecordBatch | EncodedBatch): void {
    const process = (this.#process as readonly [ProcessRecord, ProcessRecord])[index];
    const recorded = this.#input.recordedChannel(index === 0 ? channel : this.#offset + channel);
    if (recorded !== undefined) {
      this.#processRecorded(process, batch, recorded);
      return;
    }
    if (batch instanceof EncodedBatch) {
      const count = batch.count;
      this.counters.recordsIn += count;
      if (batch.hasTimestamps) {
        for (let i = 0; i < count; i++) process(batch.next(), batch.timestamp(i));
      } else {
        for (let i = 0; i < count; i++) process(batch.next(), NO_TIMESTAMP);
      }
      return;
    }
    const { values, timestamps } = batch;
    this.counters.recordsIn += values.length;
    if (timestamps === null) {
      for (let i = 0; i < values.length; i++) process(values[i], NO_TIMESTAMP);
    } else {
      for (let i = 0; i < values.length; i++) process(values[i], timestamps[i] ?? NO_TIMESTAMP);
    }
  }

  /** Processes a batch of a channel whose records are in flight across an unaligned checkpoint, keeping them. */
  #processRecorded(process: ProcessRecord, batch: RecordBatch | EncodedBatch, recorded: RecordedChannel): void {
    const { values, timestamps } = batch instanceof EncodedBatch ? batch.decodeAll() : batch;
    this.counters.recordsIn += values.length;
    for (let i = 0; i < values.length; i++) {
      const timestamp = timestamps?.[i] ?? NO_TIMESTAMP;
      recorded.values.push(values[i]);
      recorded.timestamps.push(timestamp);
      process(values[i], timestamp);
    }
  }
}
