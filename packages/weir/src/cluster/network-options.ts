/**
 * @module The network buffer options with Flink's keys: how many batches a channel may hold or have in
 * flight (its credits), and how large a batch between slots may grow. Fewer, smaller buffers mean
 * less memory and faster barriers under backpressure; more, larger ones mean more throughput.
 */
import { intOption, invalidConfigValue, type ConfigOption, type Configuration } from '../core/configuration.ts';
import { DEFAULT_CHANNEL_LIMITS, type ChannelLimits } from '../runtime/channels.ts';

export const BUFFERS_PER_CHANNEL = intOption({
  key: 'taskmanager.network.memory.buffers-per-channel',
  defaultValue: DEFAULT_CHANNEL_LIMITS.buffersPerChannel,
  description: 'Batches a channel may hold (in one slot) or have in flight (between slots) before its producer waits.',
  min: 1,
  max: 1024,
});

const UNITS: Record<string, number> = { b: 1, bytes: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** `taskmanager.memory.segment-size`: the largest batch between slots, in bytes ('32 kb', 65536, ...). */
export const SEGMENT_SIZE: ConfigOption<number> = {
  key: 'taskmanager.memory.segment-size',
  fallbackKeys: [],
  defaultValue: DEFAULT_CHANNEL_LIMITS.maxBatchBytes,
  description: 'The largest batch sent between slots.',
  accepted: 'a size from 256 b to 16 mb, e.g. 32 kb',
  parse(raw, key) {
    const match = typeof raw === 'number' ? [String(raw), String(raw), 'b'] : typeof raw === 'string' ? /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(raw) : null;
    const unit = UNITS[(match?.[2] ?? '').toLowerCase() || 'b'];
    const bytes = match === null || unit === undefined ? Number.NaN : Number(match[1]) * unit;
    if (!Number.isInteger(bytes) || bytes < 256 || bytes > 16 * 1024 ** 2) invalidConfigValue(key, raw, this.accepted);
    return bytes;
  },
};

export const NETWORK_OPTIONS = [BUFFERS_PER_CHANNEL, SEGMENT_SIZE] as const;

export function channelLimitsFrom(configuration: Configuration): ChannelLimits {
  return {
    ...DEFAULT_CHANNEL_LIMITS,
    buffersPerChannel: configuration.get(BUFFERS_PER_CHANNEL),
    maxBatchBytes: configuration.get(SEGMENT_SIZE),
  };
}
