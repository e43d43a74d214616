/**
 * @module The keyed state interfaces user functions see (Flink's `State` family). Every call is scoped
 * to the backend's current key, and for window state to the state's current namespace.
 */
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './state-descriptors.ts';

/** What every state kind can do: drop the current key's (and namespace's) value. */
export interface State {
  clear(): void;
}

/**
 * One value per key.
 *
 * @example
 * const count = backend.getState(new ValueStateDescriptor<number>('count'));
 * count.update((count.value() ?? 0) + 1);
 */
export interface ValueState<T> extends State {
  /** The current key's value, or undefined when it has none. */
  value(): T | undefined;
  /** Replaces the current key's value; `undefined` clears it. */
  update(value: T | undefined): void;
}

/** A list per key. */
export interface ListState<T> extends State {
  /**
   * The current key's elements, empty when it has none. The iterable is a live view: do not keep it
   * across a write to this state.
   */
  get(): Iterable<T>;
  /** Appends one element; `undefined` is rejected because it could not be told from "no element". */
  add(value: T): void;
  /** Appends every element; an empty iterable changes nothing. */
  addAll(values: Iterable<T>): void;
  /** Replaces the list; an empty iterable clears it. */
  update(values: Iterable<T>): void;
}

/**
 * A map per key. User keys are compared as in a JavaScript `Map`. Iterables are live views of the
 * current key's map: do not keep them across a write to this state.
 */
export interface MapState<UK, UV> extends State {
  get(key: UK): UV | undefined;
  put(key: UK, value: UV): void;
  putAll(entries: Iterable<readonly [UK, UV]>): void;
  remove(key: UK): void;
  contains(key: UK): boolean;
  entries(): Iterable<[UK, UV]>;
  keys(): Iterable<UK>;
  values(): Iterable<UV>;
  /** True when the current key has no mapping. */
  isEmpty(): boolean;
  [Symbol.iterator](): Iterator<[UK, UV]>;
}

/** One value per key, combined with the descriptor's reduce function on every `add`. */
export interface ReducingState<T> extends State {
  get(): T | undefined;
  /** Reduces `value` into the current value; `undefined` clears the state (as Flink's heap state does). */
  add(value: T | undefined): void;
}

/** An accumulator per key, fed by the descriptor's aggregate function; `get` returns its result. */
export interface AggregatingState<IN, OUT> extends State {
  get(): OUT | undefined;
  /** Adds `value` to the accumulator; `undefined` clears the state (as Flink's heap state does). */
  add(value: IN | undefined): void;
}

/** The state object a descriptor produces. */
export type StateOf<D> =
  D extends ValueStateDescriptor<infer T>
    ? ValueState<T>
    : D extends ListStateDescriptor<infer T>
      ? ListState<T>
      : D extends MapStateDescriptor<infer UK, infer UV>
        ? MapState<UK, UV>
        : D extends ReducingStateDescriptor<infer T>
          ? ReducingState<T>
          : D extends AggregatingStateDescriptor<infer IN, infer _ACC, infer OUT>
            ? AggregatingState<IN, OUT>
            : never;
