/**
 * @module InputGate: merges a task's input channels. It hands out items from channels that have data
 * in turn, tracks which channels have ended, and combines per-channel watermarks and watermark
 * statuses into one (a StatusWatermarkValve: the minimum over live, active channels; an ended or idle
 * channel no longer holds time back).
 */
import type { ControlElement } from '../core/stream-element.ts';
import type { EncodedBatch, RecordBatch } from './record-batch.ts';
import { isControl, type InputChannel } from './channels.ts';
import { StatusWatermarkValve, type ValveOutput } from './status-watermark-valve.ts';

export type GateEvent =
  | { readonly kind: 'batch'; readonly channel: number; readonly batch: RecordBatch | EncodedBatch }
  | { readonly kind: 'watermark'; readonly timestamp: number }
  | { readonly kind: 'watermark-status'; readonly idle: boolean }
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
  readonly #valve: StatusWatermarkValve;
  /** Combined watermarks and statuses not handed out yet (one input element can produce two). */
  readonly #pending: ValveOutput[] = [];
  #endedCount = 0;

  constructor(channels: readonly InputChannel[]) {
    this.channels = channels;
    this.#queued = channels.map(() => false);
    this.#ended = channels.map(() => false);
    this.#blocked = channels.map(() => false);
    this.#valve = new StatusWatermarkValve(channels.length);
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
    return this.#ready.length > 0 || this.#pending.length > 0;
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
    const pending = this.#pending.shift();
    if (pending !== undefined) return pending;
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
        return this.#emit(this.#valve.inputWatermark(index, element.timestamp));
      case 'watermark-status':
        return this.#emit(this.#valve.inputWatermarkStatus(index, element.idle));
      case 'end-of-input':
        if (this.#ended[index] === true) return undefined;
        this.#ended[index] = true;
        this.#endedCount++;
        this.onChannelEnded(index);
        if (this.isFinished) return { kind: 'end-of-input' };
        return this.#emit(this.#valve.inputEnded(index));
      default:
        return { kind: 'control', channel: index, element };
    }
  }

  /** The first of the valve's outputs now, the rest on the next polls. */
  #emit(outputs: readonly ValveOutput[]): GateEvent | undefined {
    if (outputs.length === 0) return undefined;
    for (let i = 1; i < outputs.length; i++) this.#pending.push(outputs[i] as ValveOutput);
    return outputs[0];
  }

  #markReady(index: number): void {
    if (this.#queued[index] === true || this.#blocked[index] === true) return;
    this.#queued[index] = true;
    const wasEmpty = this.#ready.length === 0;
    this.#ready.push(index);
    if (wasEmpty) this.onAvailable();
  }
}
