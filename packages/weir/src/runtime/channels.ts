/**
 * @module Channels between a producer subtask and a consumer subtask. A LocalChannel (same slot) hands
 * over arrays of values; a remote channel (another slot) sends encoded batches over a MessagePort.
 * Both are bounded: a producer may hand over a batch only while it holds a credit, and the consumer
 * returns a credit for each batch it takes, so backpressure reaches the sources and memory stays bounded.
 */
import type { MessagePort } from 'node:worker_threads';
import { NO_TIMESTAMP, type ControlElement } from '../core/stream-element.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { BatchEncoder, appendRecord, decodeBatch, newBatch, type RecordBatch } from './record-batch.ts';

export type ChannelItem = RecordBatch | ControlElement;

export function isControl(item: ChannelItem): item is ControlElement {
  return (item as ControlElement).kind !== undefined;
}

/** The consumer side of a channel, read by an InputGate. */
export interface InputChannel {
  /** Takes the next item, or undefined when none is queued. */
  poll(): ChannelItem | undefined;
  hasItems(): boolean;
  /** Called (once per arrival burst) when an item becomes available. */
  onData: () => void;
}

/** The producer side of a channel, fed by a RecordWriter. */
export interface ChannelWriter {
  add(value: unknown, timestamp: number): void;
  /** Sends the partly filled batch, then the element, keeping their order. */
  emitControl(element: ControlElement): void;
  /** Sends the partly filled batch, if any. */
  flush(): void;
  /** True while the consumer has room: the producer may go on. */
  isAvailable(): boolean;
  /** `performance.now()` when the oldest unsent record was added, or -1 when nothing waits. */
  readonly partialSince: number;
  /** Called when the writer becomes available again. */
  onAvailable: () => void;
}

export interface ChannelLimits {
  /** Batches a channel may hold (local) or have in flight (remote) before the producer waits. */
  readonly buffersPerChannel: number;
  /** Records in a local batch. */
  readonly maxBatchRecords: number;
  /** Bytes in a remote batch. */
  readonly maxBatchBytes: number;
}

export const DEFAULT_CHANNEL_LIMITS: ChannelLimits = { buffersPerChannel: 4, maxBatchRecords: 1024, maxBatchBytes: 32 * 1024 };

const noop = (): void => {};

/** A channel inside one thread: both ends at once, no encoding. */
export class LocalChannel implements InputChannel, ChannelWriter {
  onData: () => void = noop;
  onAvailable: () => void = noop;
  partialSince = -1;
  readonly #queue: ChannelItem[] = [];
  #head = 0;
  #batch: RecordBatch | null = null;
  readonly #limits: ChannelLimits;

  constructor(limits: ChannelLimits) {
    this.#limits = limits;
  }

  add(value: unknown, timestamp: number): void {
    let batch = this.#batch;
    if (batch === null) {
      batch = this.#batch = newBatch();
      this.partialSince = performance.now();
    }
    if (timestamp === NO_TIMESTAMP && batch.timestamps === null) batch.values.push(value);
    else appendRecord(batch, value, timestamp);
    if (batch.values.length >= this.#limits.maxBatchRecords) this.flush();
  }

  emitControl(element: ControlElement): void {
    this.flush();
    this.#enqueue(element);
  }

  flush(): void {
    const batch = this.#batch;
    if (batch === null) return;
    this.#batch = null;
    this.partialSince = -1;
    this.#enqueue(batch);
  }

  isAvailable(): boolean {
    return this.#queue.length - this.#head < this.#limits.buffersPerChannel;
  }

  poll(): ChannelItem | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const wasFull = !this.isAvailable();
    const item = this.#queue[this.#head++];
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (wasFull) this.onAvailable();
    return item;
  }

  hasItems(): boolean {
    return this.#head < this.#queue.length;
  }

  #enqueue(item: ChannelItem): void {
    const wasEmpty = this.#head >= this.#queue.length;
    this.#queue.push(item);
    if (wasEmpty) this.onData();
  }
}

/** What crosses a MessagePort between two slots; `c` is the channel id. */
export type WireMessage =
  | { readonly c: number; readonly b: ArrayBuffer }
  | { readonly c: number; readonly e: ControlElement }
  | { readonly c: number; readonly k: number };

/**
 * Receives the wire messages of one MessagePort (one per pair of slots) and routes them by channel id.
 * When a pipelined region restarts, its channels get new ids: messages still in flight for the old
 * ones are dropped (`retire`), and messages for a new channel that arrive before this side created it
 * wait for its registration.
 */
export class PeerConnection {
  readonly #port: MessagePort;
  readonly #inputs = new Map<number, RemoteInputChannel>();
  readonly #writers = new Map<number, RemoteChannelWriter>();
  readonly #retired = new Set<number>();
  readonly #early = new Map<number, WireMessage[]>();

  constructor(port: MessagePort) {
    this.#port = port;
    port.on('message', (message: WireMessage) => {
      this.#dispatch(message);
    });
  }

  registerInput(channelId: number, channel: RemoteInputChannel): void {
    this.#inputs.set(channelId, channel);
    this.#replayEarly(channelId);
  }

  registerWriter(channelId: number, writer: RemoteChannelWriter): void {
    this.#writers.set(channelId, writer);
    this.#replayEarly(channelId);
  }

  /** Forgets a channel of a cancelled task; what still arrives for it is dropped. */
  retire(channelId: number): void {
    this.#inputs.delete(channelId);
    this.#writers.delete(channelId);
    this.#early.delete(channelId);
    this.#retired.add(channelId);
  }

  send(message: WireMessage, transfer?: ArrayBuffer): void {
    if (transfer === undefined) this.#port.postMessage(message);
    else this.#port.postMessage(message, [transfer]);
  }

  close(): void {
    this.#port.close();
  }

  #dispatch(message: WireMessage): void {
    if ('k' in message) {
      const writer = this.#writers.get(message.c);
      if (writer !== undefined) writer.addCredit(message.k);
      else this.#holdEarly(message);
      return;
    }
    const input = this.#inputs.get(message.c);
    if (input !== undefined) input.receive('b' in message ? message.b : message.e);
    else this.#holdEarly(message);
  }

  #holdEarly(message: WireMessage): void {
    if (this.#retired.has(message.c)) return;
    const held = this.#early.get(message.c);
    if (held === undefined) this.#early.set(message.c, [message]);
    else held.push(message);
  }

  #replayEarly(channelId: number): void {
    const held = this.#early.get(channelId);
    if (held === undefined) return;
    // A slot holds one end of a channel: only what that end consumes is replayed.
    const rest: WireMessage[] = [];
    for (const message of held) {
      const consumer = 'k' in message ? this.#writers.get(channelId) : this.#inputs.get(channelId);
      if (consumer === undefined) rest.push(message);
      else this.#dispatch(message);
    }
    if (rest.length === 0) this.#early.delete(channelId);
    else this.#early.set(channelId, rest);
  }
}

/** The producer side of a channel to another slot: encodes as it goes, sends a batch per credit. */
export class RemoteChannelWriter implements ChannelWriter {
  onAvailable: () => void = noop;
  partialSince = -1;
  readonly #channelId: number;
  readonly #peer: PeerConnection;
  readonly #encoder: BatchEncoder;
  readonly #limits: ChannelLimits;
  #credits: number;
  readonly #pending: (ArrayBuffer | ControlElement)[] = [];

  constructor(channelId: number, peer: PeerConnection, serializer: TypeSerializer<unknown>, limits: ChannelLimits, describe: () => string) {
    this.#channelId = channelId;
    this.#peer = peer;
    this.#limits = limits;
    this.#credits = limits.buffersPerChannel;
    this.#encoder = new BatchEncoder(serializer, Math.min(limits.maxBatchBytes + 1024, 64 * 1024), describe);
    peer.registerWriter(channelId, this);
  }

  add(value: unknown, timestamp: number): void {
    if (this.partialSince < 0) this.partialSince = performance.now();
    this.#encoder.add(value, timestamp);
    if (this.#encoder.bytes >= this.#limits.maxBatchBytes) this.flush();
  }

  emitControl(element: ControlElement): void {
    this.flush();
    if (this.#pending.length === 0) this.#peer.send({ c: this.#channelId, e: element });
    else this.#pending.push(element);
  }

  flush(): void {
    if (this.#encoder.count === 0) return;
    this.partialSince = -1;
    const buffer = this.#encoder.seal();
    if (this.#pending.length === 0 && this.#credits > 0) {
      this.#credits--;
      this.#peer.send({ c: this.#channelId, b: buffer }, buffer);
    } else {
      this.#pending.push(buffer);
    }
  }

  isAvailable(): boolean {
    return this.#pending.length === 0 && this.#credits > 0;
  }

  addCredit(credits: number): void {
    this.#credits += credits;
    while (this.#pending.length > 0) {
      const next = this.#pending[0];
      if (next instanceof ArrayBuffer) {
        if (this.#credits === 0) break;
        this.#credits--;
        this.#pending.shift();
        this.#peer.send({ c: this.#channelId, b: next }, next);
      } else if (next !== undefined) {
        this.#pending.shift();
        this.#peer.send({ c: this.#channelId, e: next });
      }
    }
    if (this.isAvailable()) this.onAvailable();
  }
}

/** The consumer side of a channel from another slot: decodes a batch when it is taken, then returns a credit. */
export class RemoteInputChannel implements InputChannel {
  onData: () => void = noop;
  readonly #channelId: number;
  readonly #peer: PeerConnection;
  readonly #serializer: TypeSerializer<unknown>;
  readonly #describe: () => string;
  readonly #queue: (ArrayBuffer | ControlElement)[] = [];
  #head = 0;

  constructor(channelId: number, peer: PeerConnection, serializer: TypeSerializer<unknown>, describe: () => string) {
    this.#channelId = channelId;
    this.#peer = peer;
    this.#serializer = serializer;
    this.#describe = describe;
    peer.registerInput(channelId, this);
  }

  receive(item: ArrayBuffer | ControlElement): void {
    const wasEmpty = this.#head >= this.#queue.length;
    this.#queue.push(item);
    if (wasEmpty) this.onData();
  }

  poll(): ChannelItem | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const item = this.#queue[this.#head] as ArrayBuffer | ControlElement;
    this.#queue[this.#head++] = undefined as unknown as ControlElement;
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (!(item instanceof ArrayBuffer)) return item;
    this.#peer.send({ c: this.#channelId, k: 1 });
    return decodeBatch(item, this.#serializer, this.#describe);
  }

  hasItems(): boolean {
    return this.#head < this.#queue.length;
  }
}
