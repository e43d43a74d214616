/**
 * @module WindowProcessContext: what a ProcessWindowFunction sees of the window being evaluated (the
 * window, time, per-window and per-key state, side outputs); shared by the window operators.
 */
import type { KeyedContext, Output } from '../stream-operator.ts';
import type { OutputTag } from '../output-tag.ts';
import type { StateDescriptor } from '../../state/state-descriptors.ts';
import type { KeyedStateStore, ProcessWindowFunctionContext } from './process-window-function.ts';
import type { Window } from './window.ts';

/** The operator's clocks, as a window function reads them. */
export interface WindowTimes {
  currentProcessingTime(): number;
  currentWatermark(): number;
}

/** What a ProcessWindowFunction sees for the window being evaluated; the operator sets `current` before each call. */
export class WindowProcessContext<W extends Window> implements ProcessWindowFunctionContext<W> {
  current!: W;
  readonly #times: WindowTimes;
  readonly #output: Output<unknown>;
  readonly #timestamp: () => number;
  readonly #windowState: KeyedStateStore;
  readonly #globalState: KeyedStateStore;

  constructor(times: WindowTimes, keyed: KeyedContext, output: Output<unknown>, timestamp: () => number) {
    this.#times = times;
    this.#output = output;
    this.#timestamp = timestamp;
    const backend = keyed.backend;
    const perWindow = <D extends StateDescriptor>(descriptor: D): never => backend.getPartitionedState(descriptor, this.current) as never;
    this.#windowState = {
      getState: perWindow,
      getListState: perWindow,
      getMapState: perWindow,
      getReducingState: perWindow,
      getAggregatingState: perWindow,
    };
    const perKey = <D extends StateDescriptor>(descriptor: D): never => backend.getState(descriptor) as never;
    this.#globalState = {
      getState: perKey,
      getListState: perKey,
      getMapState: perKey,
      getReducingState: perKey,
      getAggregatingState: perKey,
    };
  }

  window(): W {
    return this.current;
  }

  currentProcessingTime(): number {
    return this.#times.currentProcessingTime();
  }

  currentWatermark(): number {
    return this.#times.currentWatermark();
  }

  windowState(): KeyedStateStore {
    return this.#windowState;
  }

  globalState(): KeyedStateStore {
    return this.#globalState;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    this.#output.collectSide(tag, value, this.#timestamp());
  }
}
