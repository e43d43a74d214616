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
}

const MAGIC = 'weir-channel-state-1';

/** Encodes the recorded channels: a JSON header (serializers, counts), then the records. */
export function encodeChannelState(channels: readonly RecordedChannel[]): Uint8Array {
  const out = new DataOutput(1024);
  const header = JSON.stringify({ magic: MAGIC, channels: channels.map((c) => ({ type: c.serializer.describe(), count: c.values.length })) });
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
  try {
    const input = new DataInput(bytes);
    const header = JSON.parse(input.readString()) as { magic?: unknown; channels?: { type: TypeDescription; count: number }[] };
    if (header.magic !== MAGIC || !Array.isArray(header.channels)) throw new Error('not channel state');
    const values: unknown[] = [];
    const timestamps: number[] = [];
    for (const channel of header.channels) {
      const serializer = serializerFromDescription(channel.type);
      for (let i = 0; i < channel.count; i++) {
        timestamps.push(input.readFloat64());
        values.push(serializer.read(input));
      }
    }
    return { values, timestamps };
  } catch (error) {
    throw new WeirError('CHECKPOINT_CORRUPT', `the in-flight records of ${where} could not be read: ${describeCause(error)}`, { cause: error });
  }
}
