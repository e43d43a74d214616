/**
 * @module OutputTag: names a side output of an operator (Flink's OutputTag), e.g. the late records of
 * a window or what a ProcessFunction sends aside with `ctx.output(tag, value)`.
 */
import { WeirError } from '../core/errors.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';

/**
 * Identifies a side output by its id; records sent to it have type `T`. Pass the same tag (or one
 * with the same id) to `getSideOutput(tag)` to read them as a stream.
 *
 * @example
 * const late = new OutputTag<Bid>('late-bids', BidType);
 * const sums = bids.keyBy((b) => b.item).window(TumblingEventTimeWindows.of(60_000))
 *   .sideOutputLateData(late).reduce(add);
 * sums.getSideOutput(late).sinkTo(new CollectSink('late'));
 */
export class OutputTag<T> {
  readonly id: string;
  /** The type of the side output's records; undefined: the generic serializer. */
  readonly type: TypeSerializer<T> | undefined;

  constructor(id: string, type?: TypeSerializer<T>) {
    if (typeof id !== 'string' || id.length === 0) {
      throw new WeirError('INVALID_OPTION', `an OutputTag needs a non-empty id, got ${typeof id === 'string' ? 'an empty string' : typeof id}`, {
        hint: "name the side output: new OutputTag<Event>('late-events')",
      });
    }
    this.id = id;
    this.type = type;
  }

  toString(): string {
    return `OutputTag(${this.id})`;
  }
}
