/**
 * @module Windows (Flink's): a Window groups records for a window operator; TimeWindow is the span
 * [start, end) of time windows and sessions, GlobalWindow the one window of everything. A window is
 * the namespace of its state and timers, so each has a serializer.
 */
import { WeirError } from '../../core/errors.ts';
import type { DataInput } from '../../types/data-input.ts';
import type { DataOutput } from '../../types/data-output.ts';
import type { TypeDescription, TypeSerializer } from '../../types/type-serializer.ts';
import { Types } from '../../types/types.ts';

/** A group of records; `maxTimestamp()` is the largest timestamp that still belongs to it. */
export abstract class Window {
  abstract maxTimestamp(): number;

  toString(): string {
    return `${this.constructor.name}{maxTimestamp=${this.maxTimestamp()}}`;
  }
}

/**
 * Serializes windows for state and timers. A restore may hand windows back as plain data (their
 * fields without the class); `toWindow` turns that back into a window.
 */
export interface WindowSerializer<W extends Window> extends TypeSerializer<W> {
  toWindow(value: unknown): W;
}

/** The half-open span [start, end) of event or processing time. */
export class TimeWindow extends Window {
  readonly start: number;
  readonly end: number;

  constructor(start: number, end: number) {
    super();
    this.start = start;
    this.end = end;
  }

  getStart(): number {
    return this.start;
  }

  getEnd(): number {
    return this.end;
  }

  /** `end - 1`: the last millisecond in the window. */
  maxTimestamp(): number {
    return this.end - 1;
  }

  /** True when the two windows overlap or touch (a session that ends where another starts merges with it). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window that covers both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  equals(other: unknown): boolean {
    return other instanceof TimeWindow && other.start === this.start && other.end === this.end;
  }

  override toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }

  /**
   * The start of the window of size `windowSize` (shifted by `offset`) that holds `timestamp`; for
   * negative timestamps too.
   *
   * @example
   * TimeWindow.getWindowStartWithOffset(1234, 0, 1000) // 1000
   * TimeWindow.getWindowStartWithOffset(-1, 0, 1000)   // -1000
   */
  static getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
    const remainder = (timestamp - offset) % windowSize;
    return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;
  }

  /**
   * Merges overlapping windows (Flink's session merging): sorts by start, groups windows that
   * intersect, and calls `callback(group, cover)` for every group of two or more.
   */
  static mergeWindows(windows: Iterable<TimeWindow>, callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void): void {
    const sorted = [...windows].sort((a, b) => a.start - b.start || a.end - b.end);
    const merged: { cover: TimeWindow; members: TimeWindow[] }[] = [];
    let current: { cover: TimeWindow; members: TimeWindow[] } | undefined;
    for (const candidate of sorted) {
      if (current === undefined) {
        current = { cover: candidate, members: [candidate] };
      } else if (current.cover.intersects(candidate)) {
        current.cover = current.cover.cover(candidate);
        current.members.push(candidate);
      } else {
        merged.push(current);
        current = { cover: candidate, members: [candidate] };
      }
    }
    if (current !== undefined) merged.push(current);
    for (const group of merged) if (group.members.length > 1) callback(group.members, group.cover);
  }
}

const timeWindowFields = Types.object({ start: Types.number, end: Types.number });

/** Writes a TimeWindow as the object type `{ start: number, end: number }`, so a restore can read it without this class. */
export const timeWindowSerializer: WindowSerializer<TimeWindow> = {
  describe: (): TypeDescription => timeWindowFields.describe(),
  write: (window: TimeWindow, out: DataOutput): void => {
    timeWindowFields.write(window, out);
  },
  read: (input: DataInput): TimeWindow => {
    const { start, end } = timeWindowFields.read(input);
    return new TimeWindow(start, end);
  },
  copy: (window: TimeWindow): TimeWindow => window,
  toWindow: (value: unknown): TimeWindow => {
    if (value instanceof TimeWindow) return value;
    const plain = value as { start?: unknown; end?: unknown } | null;
    if (typeof plain !== 'object' || plain === null || typeof plain.start !== 'number' || typeof plain.end !== 'number') {
      throw new WeirError('INTERNAL', `expected a time window { start, end }, got ${JSON.stringify(value)}`);
    }
    return new TimeWindow(plain.start, plain.end);
  },
};

/** The single window of GlobalWindows: every record of a key is in it; it never ends by time. */
export class GlobalWindow extends Window {
  static readonly #instance = new GlobalWindow();

  private constructor() {
    super();
  }

  static get(): GlobalWindow {
    return GlobalWindow.#instance;
  }

  /** Infinity: a global window never closes by time (its state is never cleaned up by a timer). */
  maxTimestamp(): number {
    return Number.POSITIVE_INFINITY;
  }

  override toString(): string {
    return 'GlobalWindow';
  }
}

const globalWindowFields = Types.object({});

export const globalWindowSerializer: WindowSerializer<GlobalWindow> = {
  describe: (): TypeDescription => globalWindowFields.describe(),
  write: (): void => {},
  read: (): GlobalWindow => GlobalWindow.get(),
  copy: (window: GlobalWindow): GlobalWindow => window,
  toWindow: (): GlobalWindow => GlobalWindow.get(),
};
