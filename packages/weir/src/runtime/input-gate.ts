/**
 * @module InputGate: merges a task's input channels. It hands out items from channels that have data
 * in turn, tracks which channels have ended, and combines per-channel watermarks into one (the
 * minimum over live channels; an ended channel no longer holds time back).
 */
import type { ControlElement } from '../core/stream-element.ts';
import type { EncodedBatch, RecordBatch } from './record-batch.ts';
import { isControl, type InputChannel } from './channels.ts';

export type GateEvent =
  | { readonly kind: 'batch'; readonly channel: number; readonly batch: RecordBatch | EncodedBatch }
  | { readonly kind: 'watermark'; readonly timestamp: number }
  | { readonly kind: 'end-of-input' }
  | { readonly kind: 'control'; readonly channel: number; readonly element: ControlElement };

export class InputGate {
  readonly channels: readonly InputChannel[];
  /** Called when the gate goes from nothing to read to something to read. */
  onAvailable: () => void = () => {};
  /** Called when one channel delivers its end of input (barrier alignment must stop waiting for it). */
  onChannelEnded: (channel: number) => void = () => {};
  readonly #ready: number[] = [];
  readonly #queued: boolean[];
  readonly #ended: boolean[];
  readonly #blocked: boolean[];
  readonly #watermarks: number[];
  #endedCount = 0;
  #combinedWatermark = Number.NEGATIVE_INFINITY;

  constructor(channels: readonly InputChannel[]) {
    this.channels = channels;
    this.#queued = channels.map(() => false);
    this.#ended = channels.map(() => false);
    this.#blocked = channels.map(() => false);
    this.#watermarks = channels.map(() => Number.NEGATIVE_INFINITY);
    channels.forEach((channel, index) => {
      channel.onData = () => {
        this.#markReady(index);
      };
    });
  }

  get isFinished(): boolean {
    return this.#endedCount === this.channels.length;
  }

  hasInput(): boolean {
    return this.#ready.length > 0;
  }

  /** Stops handing out items of `channel` (barrier alignment) until `unblockAll`. */
  block(channel: number): void {
    if (this.#blocked[channel] === true) return;
    this.#blocked[channel] = true;
    const position = this.#ready.indexOf(channel);
    if (position >= 0) this.#ready.splice(position, 1);
    this.#queued[channel] = false;
  }

  /** Resumes every blocked channel; those holding items are served again, in channel order. */
  unblockAll(): void {
    for (let channel = 0; channel < this.channels.length; channel++) {
      if (this.#blocked[channel] !== true) continue;
      this.#blocked[channel] = false;
      if ((this.channels[channel] as InputChannel).hasItems()) this.#markReady(channel);
    }
  }

  isBlocked(channel: number): boolean {
    return this.#blocked[channel] === true;
  }

  /**
   * The next event, or undefined when no channel has data. Watermarks and end-of-input are returned
   * only when they change the combined view; other control elements are passed on.
   */
  poll(): GateEvent | undefined {
    while (this.#ready.length > 0) {
      const index = this.#ready[0] as number;
      const channel = this.channels[index] as InputChannel;
      const item = channel.poll();
      if (item === undefined || !channel.hasItems()) {
        this.#ready.shift();
        this.#queued[index] = false;
      } else if (this.#ready.length > 1) {
        // Round robin: a busy channel goes to the back so the others are served too.
        this.#ready.shift();
        this.#ready.push(index);
      }
      if (item === undefined) continue;
      if (!isControl(item)) return { kind: 'batch', channel: index, batch: item };
      const event = this.#onControl(index, item);
      if (event !== undefined) return event;
    }
    return undefined;
  }

  #onControl(index: number, element: ControlElement): GateEvent | undefined {
    switch (element.kind) {
      case 'watermark':
        if (element.timestamp > (this.#watermarks[index] ?? Number.NEGATIVE_INFINITY)) {
          this.#watermarks[index] = element.timestamp;
          return this.#combine();
        }
        return undefined;
      case 'end-of-input':
        if (this.#ended[index] === true) return undefined;
        this.#ended[index] = true;
        this.#endedCount++;
        this.onChannelEnded(index);
        if (this.isFinished) return { kind: 'end-of-input' };
        return this.#combine();
      default:
        return { kind: 'control', channel: index, element };
    }
  }

  #combine(): GateEvent | undefined {
    if (this.isFinished) return undefined;
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.channels.length; i++) {
      if (this.#ended[i] !== true) min = Math.min(min, this.#watermarks[i] ?? Number.NEGATIVE_INFINITY);
    }
    if (min > this.#combinedWatermark) {
      this.#combinedWatermark = min;
      return { kind: 'watermark', timestamp: min };
    }
    return undefined;
  }

  #markReady(index: number): void {
    if (this.#queued[index] === true || this.#blocked[index] === true) return;
    this.#queued[index] = true;
    const wasEmpty = this.#ready.length === 0;
    this.#ready.push(index);
    if (wasEmpty) this.onAvailable();
  }
}
