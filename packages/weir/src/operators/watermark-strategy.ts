/**
 * @module WatermarkStrategy (Flink's): how a source or `assignTimestampsAndWatermarks` gives records
 * their event timestamps and makes watermarks, with an optional idle timeout.
 */
import { WeirError } from '../core/errors.ts';
import { checkNumber } from '../core/options.ts';
import { userFunctionFailed } from './user-function-error.ts';
import { AscendingTimestampsWatermarks, BoundedOutOfOrdernessWatermarks } from './bounded-out-of-orderness-watermarks.ts';
import type { TimestampAssigner, WatermarkGenerator, WatermarkGeneratorSupplier, WatermarkGeneratorSupplierContext } from './watermark-generator.ts';
import { WatermarksWithIdleness } from './watermarks-with-idleness.ts';

const noWatermarks: WatermarkGenerator<never> = { onEvent: () => {}, onPeriodicEmit: () => {} };

/**
 * Creates the timestamp assigner and watermark generator of each source split (or operator subtask).
 * Strategies are immutable: `withTimestampAssigner` and `withIdleness` return new ones.
 *
 * @example
 * env.fromSource(source, WatermarkStrategy.forBoundedOutOfOrderness<Bid>(5_000)
 *   .withTimestampAssigner((bid) => bid.time)
 *   .withIdleness(60_000), 'bids');
 */
export class WatermarkStrategy<T> {
  readonly #supplier: WatermarkGeneratorSupplier<T>;
  readonly #assigner: TimestampAssigner<T> | undefined;
  readonly #idleTimeoutMs: number | undefined;

  private constructor(supplier: WatermarkGeneratorSupplier<T>, assigner: TimestampAssigner<T> | undefined, idleTimeoutMs: number | undefined) {
    this.#supplier = supplier;
    this.#assigner = assigner;
    this.#idleTimeoutMs = idleTimeoutMs;
  }

  /** Periodic watermarks `max timestamp - maxOutOfOrdernessMs - 1`: records may be that much out of order. */
  static forBoundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    const bound = checkNumber('maxOutOfOrderness', maxOutOfOrdernessMs, 0, Number.MAX_SAFE_INTEGER, 'WatermarkStrategy.forBoundedOutOfOrderness()');
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(bound), undefined, undefined);
  }

  /** For timestamps that never decrease: periodic watermarks `max timestamp - 1`. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new AscendingTimestampsWatermarks<T>(), undefined, undefined);
  }

  /** No watermarks (only the final one at the end of a bounded input): for processing-time jobs. */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => noWatermarks, undefined, undefined);
  }

  /** A strategy with a generator of your own, created per split or subtask. */
  static forGenerator<T>(supplier: WatermarkGeneratorSupplier<T>): WatermarkStrategy<T> {
    if (typeof supplier !== 'function') {
      throw new WeirError('INVALID_OPTION', `WatermarkStrategy.forGenerator() needs a function that creates a WatermarkGenerator, got ${typeof supplier}`, {
        hint: 'pass (context) => ({ onEvent(event, timestamp, output) { ... }, onPeriodicEmit(output) { ... } })',
      });
    }
    return new WatermarkStrategy<T>(supplier, undefined, undefined);
  }

  /**
   * Takes each record's event timestamp from `assigner(event, recordTimestamp)`. Without one, records
   * keep the timestamp their source gave them.
   */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    const ok = typeof assigner === 'function' || (typeof assigner === 'object' && assigner !== null && typeof assigner.extractTimestamp === 'function');
    if (!ok) {
      throw new WeirError('INVALID_OPTION', `withTimestampAssigner() needs a function (event, recordTimestamp) => ms, got ${assigner === null ? 'null' : typeof assigner}`, {
        hint: 'e.g. withTimestampAssigner((event) => event.time)',
      });
    }
    return new WatermarkStrategy<T>(this.#supplier, assigner, this.#idleTimeoutMs);
  }

  /**
   * Marks a split (or subtask) idle after `idleTimeoutMs` without records, so it no longer holds the
   * watermark back downstream; it is active again with its next record.
   */
  withIdleness(idleTimeoutMs: number): WatermarkStrategy<T> {
    const timeout = checkNumber('idleTimeout', idleTimeoutMs, 1, Number.MAX_SAFE_INTEGER, 'WatermarkStrategy.withIdleness()');
    return new WatermarkStrategy<T>(this.#supplier, this.#assigner, timeout);
  }

  /** The idle timeout in ms, if set. */
  getIdleTimeout(): number | undefined {
    return this.#idleTimeoutMs;
  }

  /** A new generator (with the idleness wrapper when an idle timeout is set). */
  createWatermarkGenerator(context: WatermarkGeneratorSupplierContext): WatermarkGenerator<T> {
    const generator = this.#supplier(context);
    if (typeof generator !== 'object' || generator === null || typeof generator.onEvent !== 'function' || typeof generator.onPeriodicEmit !== 'function') {
      throw new WeirError('INVALID_OPTION', `the watermark generator supplier of ${context.description} returned no WatermarkGenerator`, {
        hint: 'return an object with onEvent(event, timestamp, output) and onPeriodicEmit(output)',
      });
    }
    return this.#idleTimeoutMs === undefined ? generator : new WatermarksWithIdleness(generator, this.#idleTimeoutMs, context.clock);
  }

  /**
   * The timestamp of each record: the assigner's, checked to be a number (a user's assigner can
   * return anything), or the record's own when there is no assigner.
   */
  createTimestampAssigner(description: string): (event: T, recordTimestamp: number) => number {
    const assigner = this.#assigner;
    if (assigner === undefined) return (_event, recordTimestamp) => recordTimestamp;
    const extract = typeof assigner === 'function' ? assigner : (event: T, recordTimestamp: number): number => assigner.extractTimestamp(event, recordTimestamp);
    return (event, recordTimestamp) => {
      let timestamp: number;
      try {
        timestamp = extract(event, recordTimestamp);
      } catch (error) {
        throw userFunctionFailed(description, 'its timestamp assigner', error);
      }
      if (typeof timestamp !== 'number' || Number.isNaN(timestamp)) {
        throw new WeirError('INVALID_TIMESTAMP', `the timestamp assigner of ${description} returned ${describe(timestamp)}, not a number of epoch milliseconds`, {
          hint: 'return the event time as a number, e.g. (event) => event.time or (event) => Date.parse(event.isoTime)',
        });
      }
      return timestamp;
    };
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string '${value}'`;
  if (typeof value === 'number') return String(value);
  return value === null ? 'null' : typeof value;
}
