/**
 * @module Channel state of an unaligned checkpoint: the records that were in flight on a task's input
 * channels at the checkpoint, encoded with each channel's serializer (whose description travels with
 * them), and replayed into the task before new input after a restore.
 */
import { WeirError, describeCause } from '../core/errors.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import { DataInput } from '../types/data-input.ts';
import { DataOutput } from '../types/data-output.ts';
import { serializerFromDescription } from '../types/serializer-from-description.ts';
import type { TypeDescription, TypeSerializer } from '../types/type-serializer.ts';

/** Records kept from one channel, in arrival order. */
export interface RecordedChannel {
  readonly serializer: TypeSerializer<unknown>;
  readonly values: unknown[];
  readonly timestamps: number[];
  /** The input of a two-input task the channel feeds; undefined for a one-input task. */
  readonly input?: 1 | 2 | undefined;
}

/** The subtask that recorded channel state, so a restore at another parallelism can pick what is its own. */
export interface ChannelStateOrigin {
  readonly subtask: number;
  readonly parallelism: number;
}

const MAGIC = 'weir-channel-state-1';

/** Encodes the recorded channels: a JSON header (serializers, counts, inputs, origin), then the records. */
export function encodeChannelState(channels: readonly RecordedChannel[], origin?: ChannelStateOrigin): Uint8Array {
  const out = new DataOutput(1024);
  const header = JSON.stringify({
    magic: MAGIC,
    ...(origin === undefined ? {} : { origin }),
    channels: channels.map((c) => ({ type: c.serializer.describe(), count: c.values.length, ...(c.input === undefined ? {} : { input: c.input }) })),
  });
  out.writeString(header);
  for (const channel of channels) {
    for (let i = 0; i < channel.values.length; i++) {
      out.writeFloat64(channel.timestamps[i] ?? NO_TIMESTAMP);
      channel.serializer.write(channel.values[i], out);
    }
  }
  return out.toUint8Array();
}

/** Decodes channel state into records with their timestamps, in channel order. */
export function decodeChannelState(bytes: Uint8Array, where: string): { values: unknown[]; timestamps: number[] } {
  const values: unknown[] = [];
  const timestamps: number[] = [];
  for (const channel of decodeChannelStateByChannel(bytes, where).channels) {
    for (let i = 0; i < channel.values.length; i++) {
      values.push(channel.values[i]);
      timestamps.push(channel.timestamps[i] ?? NO_TIMESTAMP);
    }
  }
  return { values, timestamps };
}

/** Decodes channel state channel by channel, with each channel's input and the recording subtask. */
export function decodeChannelStateByChannel(
  bytes: Uint8Array,
  where: string,
): { readonly origin: ChannelStateOrigin | undefined; readonly channels: readonly { input: 1 | 2 | undefined; values: unknown[]; timestamps: number[] }[] } {
  try {
    const input = new DataInput(bytes);
    const header = JSON.parse(input.readString()) as {
      magic?: unknown;
      origin?: ChannelStateOrigin;
      channels?: { type: TypeDescription; count: number; input?: 1 | 2 }[];
    };
    if (header.magic !== MAGIC || !Array.isArray(header.channels)) throw new Error('not channel state');
    const channels = header.channels.map((channel) => {
      const serializer = serializerFromDescription(channel.type);
      const values: unknown[] = [];
      const timestamps: number[] = [];
      for (let i = 0; i < channel.count; i++) {
        timestamps.push(input.readFloat64());
        values.push(serializer.read(input));
      }
      return { input: channel.input, values, timestamps };
    });
    return { origin: header.origin, channels };
  } catch (error) {
    throw new WeirError('CHECKPOINT_CORRUPT', `the in-flight records of ${where} could not be read: ${describeCause(error)}`, { cause: error });
  }
}
