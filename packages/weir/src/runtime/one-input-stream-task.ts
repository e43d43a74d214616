/**
 * @module OneInputStreamTask: a task fed by an InputGate. It takes batches while its outputs have room,
 * hands each record to the head operator, forwards combined watermarks and ends when every input has.
 */
import { WeirError } from '../core/errors.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { OneInputStreamOperator } from '../operators/stream-operator.ts';
import type { InputGate } from './input-gate.ts';
import { EncodedBatch } from './record-batch.ts';
import type { CheckpointId } from '../core/ids.ts';
import type { CheckpointingMode } from '../checkpoint/checkpoint-config.ts';
import { AlignedBarrierHandler, AtLeastOnceBarrierHandler, type BarrierDecision, type CheckpointBarrierHandler } from './checkpoint-barrier-handler.ts';
import { StreamTask, type StreamTaskOptions } from './stream-task.ts';

const BATCHES_PER_RUN = 8;

export class OneInputStreamTask extends StreamTask {
  readonly #gate: InputGate;
  readonly #barriers: CheckpointBarrierHandler;
  #head: OneInputStreamOperator<unknown, unknown> | undefined;

  constructor(options: StreamTaskOptions, gate: InputGate, mode: CheckpointingMode) {
    super(options);
    this.#gate = gate;
    const channels = gate.channels.length;
    this.#barriers = mode === 'AT_LEAST_ONCE' ? new AtLeastOnceBarrierHandler(channels) : new AlignedBarrierHandler(channels);
    gate.onAvailable = () => {
      this.schedule();
    };
    gate.onChannelEnded = (channel) => {
      this.#apply(this.#barriers.onEndOfInput(channel, performance.now()));
    };
  }

  override notifyCheckpointAborted(checkpointId: CheckpointId): void {
    this.#apply(this.#barriers.onAborted(checkpointId));
    super.notifyCheckpointAborted(checkpointId);
  }

  #apply(decisions: readonly BarrierDecision[]): void {
    for (const decision of decisions) {
      switch (decision.kind) {
        case 'block':
          this.#gate.block(decision.channel);
          break;
        case 'snapshot':
          this.performCheckpoint(decision.barrier, decision.alignmentMs);
          this.#gate.unblockAll();
          break;
        case 'abort':
          this.#gate.unblockAll();
          this.options.onCheckpointDecline(
            decision.checkpointId,
            new WeirError('CHECKPOINT_FAILED', `${this.name} gave up checkpoint ${decision.checkpointId}: ${decision.reason}`),
          );
          break;
      }
    }
    if (this.#gate.hasInput()) this.schedule();
  }

  protected initialize(): Promise<void> {
    this.#head = this.chain?.operators[0]?.instance;
    if (this.#head === undefined) throw new WeirError('INTERNAL', `${this.name} has no head operator`);
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
        case 'end-of-input':
          void this.endOfInput();
          return;
        case 'control':
          if (event.element.kind !== 'barrier') throw new WeirError('INTERNAL', `${this.name} received an element it cannot handle: ${event.element.kind}`);
          this.#apply(this.#barriers.onBarrier(event.channel, event.element, performance.now()));
          break;
      }
      if (!this.isRunning) return;
    }
    if (this.#gate.hasInput()) this.schedule();
  }
}
