/**
 * @module What a window join or coGroup runs inside its window operator (Flink's CoGroupedStreams
 * internals): records of both inputs travel as one stream of tagged unions, and the window function
 * splits a fired window's records back into the two sides for a CoGroupFunction. A join is a coGroup
 * that calls the JoinFunction for every pair of the two sides.
 */
import type { Key } from '../core/key-groups.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { Types } from '../types/types.ts';
import { closeFunction, openFunction, type Collector, type OpenContext } from './functions.ts';
import { RichCoGroupFunction, RichFlatJoinFunction, RichJoinFunction, type CoGroupFunction, type JoinFunction } from './join-functions.ts';
import { ProcessWindowFunction, type ProcessWindowFunctionContext } from './windowing/process-window-function.ts';
import type { Window } from './windowing/window.ts';

/** A record of input 1 (`one`) or input 2 (`two`) of a window join, in one stream. */
export interface TaggedUnion<T1, T2> {
  readonly input: number;
  readonly one?: T1 | undefined;
  readonly two?: T2 | undefined;
}

/** The serializer of tagged unions of records of `first` and `second` (generic when undeclared). */
export function taggedUnionType<T1, T2>(first: TypeSerializer<T1> | undefined, second: TypeSerializer<T2> | undefined): TypeSerializer<TaggedUnion<T1, T2>> {
  return Types.object({
    input: Types.int,
    one: Types.optional(first ?? Types.generic<T1>()),
    two: Types.optional(second ?? Types.generic<T2>()),
  });
}

/** Calls a join function for every pair of the two sides of a window (Flink's JoinCoGroupFunction). */
export class JoinCoGroupFunction<T1, T2, R> extends RichCoGroupFunction<T1, T2, R> {
  readonly #fn: JoinFunction<T1, T2, R> | RichFlatJoinFunction<T1, T2, R>;

  constructor(fn: JoinFunction<T1, T2, R> | RichFlatJoinFunction<T1, T2, R>) {
    super();
    this.#fn = fn;
  }

  /** The user's join function, which gets the lifecycle calls. */
  get wrapped(): unknown {
    return this.#fn;
  }

  coGroup(first: readonly T1[], second: readonly T2[], out: Collector<R>): void {
    const fn = this.#fn;
    if (fn instanceof RichFlatJoinFunction) {
      for (const a of first) for (const b of second) fn.join(a, b, out);
    } else if (fn instanceof RichJoinFunction) {
      for (const a of first) for (const b of second) out.collect(fn.join(a, b));
    } else {
      for (const a of first) for (const b of second) out.collect(fn(a, b));
    }
  }
}

/**
 * Splits a fired window's tagged records into the two sides, in arrival order, and hands them to the
 * coGroup function; its lifecycle (open, close, runtime context) reaches the user's function.
 */
export class CoGroupWindowFunction<T1, T2, R, K extends Key, W extends Window> extends ProcessWindowFunction<TaggedUnion<T1, T2>, R, K, W> {
  readonly #fn: CoGroupFunction<T1, T2, R>;

  constructor(fn: CoGroupFunction<T1, T2, R>) {
    super();
    this.#fn = fn;
  }

  override async open(context: OpenContext): Promise<void> {
    const fn = this.#fn;
    await openFunction(fn instanceof JoinCoGroupFunction ? fn.wrapped : fn, context.runtimeContext);
  }

  override async close(): Promise<void> {
    const fn = this.#fn;
    await closeFunction(fn instanceof JoinCoGroupFunction ? fn.wrapped : fn);
  }

  process(_key: K, _context: ProcessWindowFunctionContext<W>, elements: Iterable<TaggedUnion<T1, T2>>, out: Collector<R>): void {
    const first: T1[] = [];
    const second: T2[] = [];
    for (const element of elements) {
      if (element.input === 1) first.push(element.one as T1);
      else second.push(element.two as T2);
    }
    const fn = this.#fn;
    if (fn instanceof RichCoGroupFunction) fn.coGroup(first, second, out);
    else fn(first, second, out);
  }
}
