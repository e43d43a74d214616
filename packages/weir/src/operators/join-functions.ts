/**
 * @module User function contracts of joins: ProcessJoinFunction (interval join), JoinFunction and
 * FlatJoinFunction (window join), CoGroupFunction (window coGroup). Flink's names and shapes.
 */
import { RichFunction, type Collector } from './functions.ts';
import type { OutputTag } from './output-tag.ts';

/** The timestamps of a joined pair, as a ProcessJoinFunction sees them. */
export interface ProcessJoinContext {
  getLeftTimestamp(): number;
  getRightTimestamp(): number;
  /** The pair's timestamp: the larger of the two; what `out` stamps on the records it emits. */
  getTimestamp(): number;
  /** Emits `value` to the side output `tag`, with the pair's timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * Called for every pair of an interval join: a left record and a right record with the same key
 * whose timestamps satisfy `left + lower <= right <= left + upper`.
 */
export abstract class ProcessJoinFunction<IN1, IN2, OUT> extends RichFunction {
  abstract processElement(left: IN1, right: IN2, ctx: ProcessJoinContext, out: Collector<OUT>): void;
}

/** Combines one pair of a window join into one record. */
export type JoinFunction<IN1, IN2, OUT> = ((first: IN1, second: IN2) => OUT) | RichJoinFunction<IN1, IN2, OUT>;

export abstract class RichJoinFunction<IN1, IN2, OUT> extends RichFunction {
  abstract join(first: IN1, second: IN2): OUT;
}

/** Emits zero or more records per pair of a window join. */
export type FlatJoinFunction<IN1, IN2, OUT> = ((first: IN1, second: IN2, out: Collector<OUT>) => void) | RichFlatJoinFunction<IN1, IN2, OUT>;

export abstract class RichFlatJoinFunction<IN1, IN2, OUT> extends RichFunction {
  abstract join(first: IN1, second: IN2, out: Collector<OUT>): void;
}

/**
 * Called once per key and window of a window coGroup with the records of both inputs (either may be
 * empty, not both).
 */
export type CoGroupFunction<IN1, IN2, OUT> = ((first: readonly IN1[], second: readonly IN2[], out: Collector<OUT>) => void) | RichCoGroupFunction<IN1, IN2, OUT>;

export abstract class RichCoGroupFunction<IN1, IN2, OUT> extends RichFunction {
  abstract coGroup(first: readonly IN1[], second: readonly IN2[], out: Collector<OUT>): void;
}
