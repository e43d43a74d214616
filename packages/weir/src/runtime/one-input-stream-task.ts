/**
 * @module OneInputStreamTask: a task fed by an InputGate. It takes batches while its outputs have room,
 * hands each record to the head operator, forwards combined watermarks and ends when every input has.
 */
import { WeirError } from '../core/errors.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { OneInputStreamOperator } from '../operators/stream-operator.ts';
import type { InputGate } from './input-gate.ts';
import { EncodedBatch, type RecordBatch } from './record-batch.ts';
import { decodeChannelState, type RecordedChannel } from './channel-state.ts';
import type { CheckpointId } from '../core/ids.ts';
import { keyGroupOf } from '../core/key-groups.ts';
import { CheckpointedInput, type BarrierSettings } from './checkpointed-input.ts';
import { StreamTask, type StreamTaskOptions } from './stream-task.ts';

const BATCHES_PER_RUN = 8;

export class OneInputStreamTask extends StreamTask {
  readonly #gate: InputGate;
  readonly #input: CheckpointedInput;
  #head: OneInputStreamOperator<unknown, unknown> | undefined;

  constructor(options: StreamTaskOptions, gate: InputGate, settings: BarrierSettings) {
    super(options);
    this.#gate = gate;
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
      { count: gate.channels.length, block: (channel) => gate.block(channel), unblockAll: () => gate.unblockAll(), hasInput: () => gate.hasInput() },
      settings,
    );
    gate.onAvailable = () => {
      this.schedule();
    };
    gate.onChannelEnded = (channel) => {
      this.#input.onChannelEnded(channel);
    };
  }

  override notifyCheckpointAborted(checkpointId: CheckpointId): void {
    this.#input.onAborted(checkpointId);
    super.notifyCheckpointAborted(checkpointId);
  }

  protected initialize(): Promise<void> {
    const first = this.chain?.operators[0];
    if (first === undefined || first.operator.node.payload.kind !== 'one-input') throw new WeirError('INTERNAL', `${this.name} has no one-input head operator`);
    const head = first.instance as OneInputStreamOperator<unknown, unknown>;
    this.#head = head;
    // In-flight records of an unaligned checkpoint come first, before any new input.
    // A keyed task gets every old subtask's records (the parallelism may have changed) and keeps its own.
    const keyed = first.context.keyed;
    const uid = first.operator.uid;
    for (const bytes of this.options.restored?.operators[uid]?.channel ?? []) {
      const { values, timestamps } = decodeChannelState(bytes, this.name);
      for (let i = 0; i < values.length; i++) {
        if (keyed !== undefined && !keyed.backend.keyGroupRange.contains(keyGroupOf(keyed.keySelector(values[i]), keyed.backend.maxParallelism))) continue;
        head.processElement(values[i], timestamps[i] ?? NO_TIMESTAMP);
      }
    }
    return Promise.resolve();
  }

  protected processInput(): void {
    const head = this.#head as OneInputStreamOperator<unknown, unknown>;
    for (let n = 0; n < BATCHES_PER_RUN; n++) {
      if (!this.outputsAvailable()) return;
      const event = this.#gate.poll();
      if (event === undefined) return;
      switch (event.kind) {
        case 'batch': {
          const batch = event.batch;
          const recorded = this.#input.recordedChannel(event.channel);
          if (recorded !== undefined) {
            this.#processRecorded(head, batch, recorded);
            break;
          }
          if (batch instanceof EncodedBatch) {
            const count = batch.count;
            this.counters.recordsIn += count;
            if (batch.hasTimestamps) {
              for (let i = 0; i < count; i++) head.processElement(batch.next(), batch.timestamp(i));
            } else {
              for (let i = 0; i < count; i++) head.processElement(batch.next(), NO_TIMESTAMP);
            }
            break;
          }
          const { values, timestamps } = batch;
          this.counters.recordsIn += values.length;
          if (timestamps === null) {
            for (let i = 0; i < values.length; i++) head.processElement(values[i], NO_TIMESTAMP);
          } else {
            for (let i = 0; i < values.length; i++) head.processElement(values[i], timestamps[i] ?? NO_TIMESTAMP);
          }
          break;
        }
        case 'watermark':
          head.processWatermark(event.timestamp);
          break;
        case 'watermark-status':
          this.chain?.headOutput.emitWatermarkStatus(event.idle);
          break;
        case 'end-of-input':
          void this.endOfInput();
          return;
        case 'control':
          if (event.element.kind !== 'barrier') throw new WeirError('INTERNAL', `${this.name} received an element it cannot handle: ${event.element.kind}`);
          this.#input.onBarrier(event.channel, event.element);
          break;
      }
      if (!this.isRunning) return;
    }
    if (this.#gate.hasInput()) this.schedule();
  }

  /** Processes a batch of a channel whose records are in flight across an unaligned checkpoint, keeping them. */
  #processRecorded(head: OneInputStreamOperator<unknown, unknown>, batch: RecordBatch | EncodedBatch, recorded: RecordedChannel): void {
    const { values, timestamps } = batch instanceof EncodedBatch ? batch.decodeAll() : batch;
    this.counters.recordsIn += values.length;
    for (let i = 0; i < values.length; i++) {
      const timestamp = timestamps?.[i] ?? NO_TIMESTAMP;
      recorded.values.push(values[i]);
      recorded.timestamps.push(timestamp);
      head.processElement(values[i], timestamp);
    }
  }
}
