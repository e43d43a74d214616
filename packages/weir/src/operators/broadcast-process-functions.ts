/**
 * @module User function contracts of broadcast connections (`stream.connect(rules.broadcast(d))`):
 * BroadcastProcessFunction and KeyedBroadcastProcessFunction. Records of the broadcast input reach
 * every subtask and may change the broadcast state; records of the other input only read it.
 */
import type { Key } from '../core/key-groups.ts';
import type { BroadcastState, ReadOnlyBroadcastState } from '../state/broadcast-state.ts';
import type { MapStateDescriptor, StateDescriptor } from '../state/state-descriptors.ts';
import type { StateOf } from '../state/state.ts';
import { RichFunction, type Collector, type TimeDomain, type TimerService } from './functions.ts';
import type { OutputTag } from './output-tag.ts';

/** What both sides of a broadcast function see. */
export interface BaseBroadcastProcessContext {
  /** The current record's timestamp, or undefined when it has none. */
  timestamp(): number | undefined;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** Emits `value` to the side output `tag`, with the current record's timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** The broadcast side: the broadcast state may be changed. */
export interface BroadcastProcessContext extends BaseBroadcastProcessContext {
  /** The state of a descriptor passed to `broadcast(...)`. */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/** The non-broadcast side: the broadcast state may only be read. */
export interface ReadOnlyBroadcastProcessContext extends BaseBroadcastProcessContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/**
 * Processes a non-keyed stream connected to a broadcast stream. Every subtask receives every
 * broadcast record in the same order, so changing the broadcast state only as a function of them keeps
 * all subtasks' copies equal, which is what makes a restore (each subtask gets one copy) correct.
 */
export abstract class BroadcastProcessFunction<IN1, IN2, OUT> extends RichFunction {
  abstract processElement(value: IN1, ctx: ReadOnlyBroadcastProcessContext, out: Collector<OUT>): void;
  abstract processBroadcastElement(value: IN2, ctx: BroadcastProcessContext, out: Collector<OUT>): void;
}

/** The broadcast side of a keyed broadcast function: no current key, but every key's state is reachable. */
export interface KeyedBroadcastProcessContext<K> extends BroadcastProcessContext {
  /**
   * Calls `fn` for every key of this subtask that has a value in `descriptor`'s keyed state, with the
   * key set as current (so `state` is that key's); `fn` may read, change or clear it.
   */
  applyToKeyedState<D extends StateDescriptor>(descriptor: D, fn: (key: K, state: StateOf<D>) => void): void;
}

/** The keyed side of a keyed broadcast function: the record's key, keyed state, timers, read-only broadcast state. */
export interface KeyedReadOnlyBroadcastProcessContext<K> extends ReadOnlyBroadcastProcessContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

export interface KeyedBroadcastOnTimerContext<K> extends KeyedReadOnlyBroadcastProcessContext<K> {
  timeDomain(): TimeDomain;
}

/**
 * Processes a keyed stream connected to a broadcast stream: the keyed records with keyed state,
 * timers and read-only broadcast state, the broadcast records with read-write broadcast state.
 *
 * @example
 * const RULES = new MapStateDescriptor<string, Rule>('rules', Types.string, RuleType);
 * events.keyBy((e) => e.user).connect(rules.broadcast(RULES)).process(new class extends KeyedBroadcastProcessFunction<string, Event, Rule, Alert> {
 *   processElement(e: Event, ctx: KeyedReadOnlyBroadcastProcessContext<string>, out: Collector<Alert>) {
 *     for (const [name, rule] of ctx.getBroadcastState(RULES).immutableEntries()) if (rule.matches(e)) out.collect({ user: e.user, rule: name });
 *   }
 *   processBroadcastElement(rule: Rule, ctx: KeyedBroadcastProcessContext<string>) {
 *     ctx.getBroadcastState(RULES).put(rule.name, rule);
 *   }
 * }());
 */
export abstract class KeyedBroadcastProcessFunction<K extends Key, IN1, IN2, OUT> extends RichFunction {
  abstract processElement(value: IN1, ctx: KeyedReadOnlyBroadcastProcessContext<K>, out: Collector<OUT>): void;
  abstract processBroadcastElement(value: IN2, ctx: KeyedBroadcastProcessContext<K>, out: Collector<OUT>): void;
  onTimer(_timestamp: number, _ctx: KeyedBroadcastOnTimerContext<K>, _out: Collector<OUT>): void {}
}
