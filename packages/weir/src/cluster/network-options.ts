/**
 * @module The network buffer options with Flink's keys: how many batches a channel may hold or have in
 * flight (its credits), and how large a batch between slots may grow. Fewer, smaller buffers mean
 * less memory and faster barriers under backpressure; more, larger ones mean more throughput.
 */
import { intOption, memorySizeOption, type Configuration } from '../core/configuration.ts';
import { DEFAULT_CHANNEL_LIMITS, type ChannelLimits } from '../runtime/channels.ts';

export const BUFFERS_PER_CHANNEL = intOption({
  key: 'taskmanager.network.memory.buffers-per-channel',
  defaultValue: DEFAULT_CHANNEL_LIMITS.buffersPerChannel,
  description: 'Batches a channel may hold (in one slot) or have in flight (between slots) before its producer waits.',
  min: 1,
  max: 1024,
});

/** `taskmanager.memory.segment-size`: the largest batch between slots, in bytes ('32 kb', 65536, ...). */
export const SEGMENT_SIZE = memorySizeOption({
  key: 'taskmanager.memory.segment-size',
  defaultValue: DEFAULT_CHANNEL_LIMITS.maxBatchBytes,
  description: 'The largest batch sent between slots.',
  min: 256,
  max: 16 * 1024 ** 2,
});

export const NETWORK_OPTIONS = [BUFFERS_PER_CHANNEL, SEGMENT_SIZE] as const;

export function channelLimitsFrom(configuration: Configuration): ChannelLimits {
  return {
    ...DEFAULT_CHANNEL_LIMITS,
    buffersPerChannel: configuration.get(BUFFERS_PER_CHANNEL),
    maxBatchBytes: configuration.get(SEGMENT_SIZE),
  };
}
