/**
 * @module OneInputStreamTask: a task fed by an InputGate. It takes batches while its outputs have room,
 * hands each record to the head operator, forwards combined watermarks and ends when every input has.
 */
import { WeirError } from '../core/errors.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { OneInputStreamOperator } from '../operators/stream-operator.ts';
import type { InputGate } from './input-gate.ts';
import { EncodedBatch } from './record-batch.ts';
import { StreamTask, type StreamTaskOptions } from './stream-task.ts';

const BATCHES_PER_RUN = 8;

export class OneInputStreamTask extends StreamTask {
  readonly #gate: InputGate;
  #head: OneInputStreamOperator<unknown, unknown> | undefined;

  constructor(options: StreamTaskOptions, gate: InputGate) {
    super(options);
    this.#gate = gate;
    gate.onAvailable = () => {
      this.schedule();
    };
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
          throw new WeirError('INTERNAL', `${this.name} received an element it cannot handle: ${event.element.kind}`);
      }
      if (!this.isRunning) return;
    }
    if (this.#gate.hasInput()) this.schedule();
  }
}
