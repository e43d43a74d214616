/**
 * @module StatusWatermarkValve: combines the watermarks and watermark statuses of a task's input
 * channels into one (Flink's valve). The combined watermark is the minimum over the active channels
 * that are aligned; an idle channel does not hold event time back, and a channel that becomes active
 * again counts only once its watermark has caught up. Pure: it returns what to emit.
 */

/** What the valve tells its task to emit, in order. */
export type ValveOutput = { readonly kind: 'watermark'; readonly timestamp: number } | { readonly kind: 'watermark-status'; readonly idle: boolean };

interface ChannelStatus {
  watermark: number;
  idle: boolean;
  /** Counts toward the minimum: active, and not behind the last emitted watermark since it became active. */
  aligned: boolean;
  ended: boolean;
}

export class StatusWatermarkValve {
  readonly #channels: ChannelStatus[];
  #lastWatermark = Number.NEGATIVE_INFINITY;
  #idle = false;

  constructor(channels: number) {
    this.#channels = Array.from({ length: channels }, () => ({ watermark: Number.NEGATIVE_INFINITY, idle: false, aligned: true, ended: false }));
  }

  /** The last combined watermark emitted. */
  get watermark(): number {
    return this.#lastWatermark;
  }

  /** True while every live channel is idle (the task's output is idle). */
  get idle(): boolean {
    return this.#idle;
  }

  /** A watermark from `channel`; ignored while the channel (or the whole valve) is idle, as in Flink. */
  inputWatermark(channel: number, timestamp: number): ValveOutput[] {
    const status = this.#channels[channel];
    if (status === undefined || status.ended || status.idle || this.#idle) return [];
    if (timestamp <= status.watermark) return [];
    status.watermark = timestamp;
    if (!status.aligned && timestamp >= this.#lastWatermark) status.aligned = true;
    return this.#newMinAcrossAligned();
  }

  /** `channel` became idle or active again. */
  inputWatermarkStatus(channel: number, idle: boolean): ValveOutput[] {
    const status = this.#channels[channel];
    if (status === undefined || status.ended || status.idle === idle) return [];
    if (idle) {
      status.idle = true;
      status.aligned = false;
      if (!this.#hasActiveChannels()) {
        // Nothing will advance the watermark any more: flush it to the highest any channel reached.
        const out: ValveOutput[] = status.watermark === this.#lastWatermark ? this.#maxAcrossAll() : [];
        this.#idle = true;
        out.push({ kind: 'watermark-status', idle: true });
        return out;
      }
      return status.watermark === this.#lastWatermark ? this.#newMinAcrossAligned() : [];
    }
    status.idle = false;
    if (status.watermark >= this.#lastWatermark) status.aligned = true;
    if (this.#idle) {
      this.#idle = false;
      return [{ kind: 'watermark-status', idle: false }];
    }
    return [];
  }

  /** `channel` delivered its end of input: it no longer holds time back. */
  inputEnded(channel: number): ValveOutput[] {
    const status = this.#channels[channel];
    if (status === undefined || status.ended) return [];
    status.ended = true;
    status.aligned = false;
    if (this.#channels.every((c) => c.ended)) return [];
    if (!this.#idle && !this.#hasActiveChannels()) {
      this.#idle = true;
      return [{ kind: 'watermark-status', idle: true }];
    }
    return this.#newMinAcrossAligned();
  }

  #hasActiveChannels(): boolean {
    for (const c of this.#channels) if (!c.ended && !c.idle) return true;
    return false;
  }

  #newMinAcrossAligned(): ValveOutput[] {
    let min = Number.POSITIVE_INFINITY;
    let any = false;
    for (const c of this.#channels) {
      if (c.ended || !c.aligned) continue;
      any = true;
      if (c.watermark < min) min = c.watermark;
    }
    if (!any || min <= this.#lastWatermark) return [];
    this.#lastWatermark = min;
    return [{ kind: 'watermark', timestamp: min }];
  }

  #maxAcrossAll(): ValveOutput[] {
    let max = Number.NEGATIVE_INFINITY;
    for (const c of this.#channels) if (!c.ended && c.watermark > max) max = c.watermark;
    if (max <= this.#lastWatermark) return [];
    this.#lastWatermark = max;
    return [{ kind: 'watermark', timestamp: max }];
  }
}
