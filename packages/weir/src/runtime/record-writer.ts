/**
 * @module RecordWriter: the output of a task into one JobEdge. It picks the channel(s) of each record
 * by the edge's partitioner (one class per partitioner keeps the hot path monomorphic) and broadcasts
 * control elements to every channel.
 */
import { WeirError, describeCause } from '../core/errors.ts';
import { checkKey, hashKey, subtaskForKeyGroup, type Key } from '../core/key-groups.ts';
import type { ControlElement } from '../core/stream-element.ts';
import type { Partitioner } from '../graph/partitioner.ts';
import type { ChannelWriter } from './channels.ts';

export abstract class RecordWriter {
  readonly channels: readonly ChannelWriter[];

  constructor(channels: readonly ChannelWriter[]) {
    this.channels = channels;
  }

  abstract emit(value: unknown, timestamp: number): void;

  broadcastControl(element: ControlElement): void {
    for (const channel of this.channels) channel.emitControl(element);
  }

  flush(): void {
    for (const channel of this.channels) channel.flush();
  }

  /** Sends the partly filled batches that have waited since before `cutoff` (a `performance.now()` time). */
  flushOlderThan(cutoff: number): void {
    for (const channel of this.channels) {
      const since = channel.partialSince;
      if (since >= 0 && since <= cutoff) channel.flush();
    }
  }

  isAvailable(): boolean {
    for (const channel of this.channels) if (!channel.isAvailable()) return false;
    return true;
  }

}

/** One channel: forward edges and the global partitioner. */
class SingleChannelWriter extends RecordWriter {
  readonly #channel: ChannelWriter;
  constructor(channels: readonly ChannelWriter[], index: number) {
    super(channels);
    this.#channel = channels[index] as ChannelWriter;
  }
  emit(value: unknown, timestamp: number): void {
    this.#channel.add(value, timestamp);
  }
}

class RoundRobinWriter extends RecordWriter {
  #next: number;
  constructor(channels: readonly ChannelWriter[], start: number) {
    super(channels);
    this.#next = start % channels.length;
  }
  emit(value: unknown, timestamp: number): void {
    (this.channels[this.#next] as ChannelWriter).add(value, timestamp);
    if (++this.#next === this.channels.length) this.#next = 0;
  }
}

/** A seeded xorshift, so a shuffle is reproducible from the subtask index. */
class ShuffleWriter extends RecordWriter {
  #state: number;
  constructor(channels: readonly ChannelWriter[], seed: number) {
    super(channels);
    this.#state = (seed * 0x9e3779b1) | 1;
  }
  emit(value: unknown, timestamp: number): void {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x;
    (this.channels[(x >>> 0) % this.channels.length] as ChannelWriter).add(value, timestamp);
  }
}

class BroadcastWriter extends RecordWriter {
  emit(value: unknown, timestamp: number): void {
    for (const channel of this.channels) channel.add(value, timestamp);
  }
}

/** keyBy: key -> key group -> owning subtask -> channel. */
class KeyGroupWriter extends RecordWriter {
  readonly #keySelector: (value: unknown) => Key;
  readonly #maxParallelism: number;
  readonly #parallelism: number;
  readonly #describe: () => string;

  constructor(channels: readonly ChannelWriter[], keySelector: (value: unknown) => Key, maxParallelism: number, describe: () => string) {
    super(channels);
    this.#keySelector = keySelector;
    this.#maxParallelism = maxParallelism;
    this.#parallelism = channels.length;
    this.#describe = describe;
  }

  emit(value: unknown, timestamp: number): void {
    let key: unknown;
    try {
      key = this.#keySelector(value);
    } catch (error) {
      throw new WeirError('USER_FUNCTION_FAILED', `key selector of ${this.#describe()} failed: ${describeCause(error)}`, { cause: error, retriable: true });
    }
    if (typeof key !== 'string' && (typeof key !== 'number' || key !== key)) {
      const problem = checkKey(key);
      if (problem !== undefined) {
        throw new WeirError('INVALID_KEY', `key selector of ${this.#describe()} returned an invalid key: ${problem}`, {
          hint: 'make the key selector return a defined string, number, bigint or boolean (or an array of those) for every record',
        });
      }
    }
    const keyGroup = (hashKey(key as Key) >>> 0) % this.#maxParallelism;
    const subtask = subtaskForKeyGroup(this.#maxParallelism, this.#parallelism, keyGroup);
    (this.channels[subtask] as ChannelWriter).add(value, timestamp);
  }
}

export interface RecordWriterOptions {
  readonly partitioner: Partitioner;
  /** One writer per consumer subtask for all-to-all edges; the connected ones for pointwise edges. */
  readonly channels: readonly ChannelWriter[];
  readonly producerSubtask: number;
  /** The consumer's maxParallelism (key groups) for keyBy edges. */
  readonly maxParallelism: number;
  /** `keyBy() into operator 'x' (uid y) at subtask i/p of 'z'`, for key errors. */
  readonly describe: () => string;
}

export function createRecordWriter(options: RecordWriterOptions): RecordWriter {
  const { partitioner, channels } = options;
  if (channels.length === 0) throw new WeirError('INTERNAL', 'a record writer needs at least one channel');
  switch (partitioner.kind) {
    case 'forward':
    case 'global':
      return new SingleChannelWriter(channels, 0);
    case 'rebalance':
    case 'rescale':
      return channels.length === 1 ? new SingleChannelWriter(channels, 0) : new RoundRobinWriter(channels, options.producerSubtask);
    case 'shuffle':
      return new ShuffleWriter(channels, options.producerSubtask + 1);
    case 'broadcast':
      return new BroadcastWriter(channels);
    case 'hash':
      return new KeyGroupWriter(channels, partitioner.keySelector, options.maxParallelism, options.describe);
  }
}
