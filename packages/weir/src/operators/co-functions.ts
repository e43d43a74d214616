/**
 * @module User function contracts of connected streams (`a.connect(b)`): CoMapFunction,
 * CoFlatMapFunction, CoProcessFunction and KeyedCoProcessFunction, with one method per input.
 * Flink's names and shapes.
 */
import type { Key } from '../core/key-groups.ts';
import { RichFunction, type Collector, type KeyedProcessContext, type OnTimerContext, type ProcessContext } from './functions.ts';

/**
 * Maps each record of either input to one record: `map1` for input 1, `map2` for input 2. An object
 * with both methods, or a RichCoMapFunction for open/close and state.
 *
 * @example
 * orders.connect(refunds).map({ map1: (o) => o.amount, map2: (r) => -r.amount }, Types.number);
 */
export interface CoMapFunction<IN1, IN2, OUT> {
  map1(value: IN1): OUT;
  map2(value: IN2): OUT;
}

export abstract class RichCoMapFunction<IN1, IN2, OUT> extends RichFunction implements CoMapFunction<IN1, IN2, OUT> {
  abstract map1(value: IN1): OUT;
  abstract map2(value: IN2): OUT;
}

/** Emits zero or more records per record of either input, through `out`. */
export interface CoFlatMapFunction<IN1, IN2, OUT> {
  flatMap1(value: IN1, out: Collector<OUT>): void;
  flatMap2(value: IN2, out: Collector<OUT>): void;
}

export abstract class RichCoFlatMapFunction<IN1, IN2, OUT> extends RichFunction implements CoFlatMapFunction<IN1, IN2, OUT> {
  abstract flatMap1(value: IN1, out: Collector<OUT>): void;
  abstract flatMap2(value: IN2, out: Collector<OUT>): void;
}

/**
 * Processes the records of two inputs, with each record's timestamp and the current time. Timers need
 * keys: on connected keyed streams (or after `keyBy(key1, key2)`) it runs with the record's key set, as
 * a KeyedCoProcessFunction does.
 */
export abstract class CoProcessFunction<IN1, IN2, OUT> extends RichFunction {
  abstract processElement1(value: IN1, ctx: ProcessContext, out: Collector<OUT>): void;
  abstract processElement2(value: IN2, ctx: ProcessContext, out: Collector<OUT>): void;
  /** Runs for timers it registered when its inputs are keyed (connected keyed streams); never otherwise. */
  onTimer(_timestamp: number, _ctx: OnTimerContext<Key>, _out: Collector<OUT>): void {}
}

/**
 * Processes the records of two inputs partitioned by the same kind of key: records of both inputs
 * with equal keys meet in one subtask, and keyed state and timers are scoped to the record's key
 * (shared by both inputs). `onTimer` runs with the timer's key set.
 *
 * @example
 * class MatchPayments extends KeyedCoProcessFunction<string, Order, Payment, string> {
 *   #order!: ValueState<Order>;
 *   override open() { this.#order = this.getRuntimeContext().getState(new ValueStateDescriptor('order')); }
 *   processElement1(order: Order) { this.#order.update(order); }
 *   processElement2(payment: Payment, ctx: KeyedProcessContext<string>, out: Collector<string>) {
 *     if (this.#order.value() !== undefined) out.collect(ctx.getCurrentKey());
 *   }
 * }
 */
export abstract class KeyedCoProcessFunction<K extends Key, IN1, IN2, OUT> extends RichFunction {
  abstract processElement1(value: IN1, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  abstract processElement2(value: IN2, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<OUT>): void {}
}
