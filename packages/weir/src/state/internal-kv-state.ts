/**
 * @module The runtime side of keyed state (Flink's `InternalKvState`): what operators, not user
 * functions, call on a state object, namely choosing its namespace and merging namespaces.
 */
import type { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from './state-descriptors.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state.ts';

/** A state object whose namespace the runtime can set (window operators: the window). */
export interface InternalKvState {
  readonly name: string;
  /**
   * Scopes later calls to `namespace` (per state object, so a window operator can address its window
   * state and the user's global state at once). Throws for a state registered without namespaces
   * unless `namespace` is the void namespace.
   */
  setCurrentNamespace(namespace: unknown): void;
  getCurrentNamespace(): unknown;
}

/** A state whose values under several namespaces can be merged into one (merging windows). */
export interface InternalMergingState extends InternalKvState {
  /**
   * For the current key: combines the values under `sources` into the value under `target` and
   * removes the sources. The current namespace is left unchanged.
   */
  mergeNamespaces(target: unknown, sources: Iterable<unknown>): void;
}

export type InternalValueState<T> = ValueState<T> & InternalKvState;
export type InternalListState<T> = ListState<T> & InternalMergingState;
export type InternalMapState<UK, UV> = MapState<UK, UV> & InternalKvState;
export type InternalReducingState<T> = ReducingState<T> & InternalMergingState;
export type InternalAggregatingState<IN, OUT> = AggregatingState<IN, OUT> & InternalMergingState;

/** The runtime view of the state object a descriptor produces. */
export type InternalStateOf<D> =
  D extends ValueStateDescriptor<infer T>
    ? InternalValueState<T>
    : D extends ListStateDescriptor<infer T>
      ? InternalListState<T>
      : D extends MapStateDescriptor<infer UK, infer UV>
        ? InternalMapState<UK, UV>
        : D extends ReducingStateDescriptor<infer T>
          ? InternalReducingState<T>
          : D extends AggregatingStateDescriptor<infer IN, infer _ACC, infer OUT>
            ? InternalAggregatingState<IN, OUT>
            : never;
