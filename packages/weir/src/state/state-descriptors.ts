/**
 * @module State descriptors: the name, kind and types of one keyed state, which an operator hands to
 * its keyed state backend to get the state object (Flink's `*StateDescriptor` classes).
 */
import { WeirError } from '../core/errors.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import type { AggregateFunction, ReduceFunction } from './aggregate-function.ts';

/** The five kinds of keyed state. */
export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

/**
 * Describes a `ValueState<T>`: one value per key.
 *
 * @example
 * const count = backend.getState(new ValueStateDescriptor<number>('count'));
 */
export class ValueStateDescriptor<T> {
  readonly kind = 'value' as const;
  readonly name: string;
  readonly serializer: TypeSerializer<T> | undefined;

  constructor(name: string, serializer?: TypeSerializer<T>) {
    this.name = requireName(name, 'ValueStateDescriptor');
    this.serializer = serializer;
  }
}

/** Describes a `ListState<T>`: a list of elements per key. `serializer` is the element serializer. */
export class ListStateDescriptor<T> {
  readonly kind = 'list' as const;
  readonly name: string;
  readonly serializer: TypeSerializer<T> | undefined;

  constructor(name: string, serializer?: TypeSerializer<T>) {
    this.name = requireName(name, 'ListStateDescriptor');
    this.serializer = serializer;
  }
}

/**
 * Describes a `MapState<UK, UV>`: a map per key. User keys are compared as a JavaScript `Map` does
 * (strings, numbers and other primitives by value, objects by identity), so use primitive user keys.
 */
export class MapStateDescriptor<UK, UV> {
  readonly kind = 'map' as const;
  readonly name: string;
  readonly keySerializer: TypeSerializer<UK> | undefined;
  readonly valueSerializer: TypeSerializer<UV> | undefined;

  constructor(name: string, keySerializer?: TypeSerializer<UK>, valueSerializer?: TypeSerializer<UV>) {
    this.name = requireName(name, 'MapStateDescriptor');
    this.keySerializer = keySerializer;
    this.valueSerializer = valueSerializer;
  }
}

/** Describes a `ReducingState<T>`: one value per key, combined with `reduceFunction` on every `add`. */
export class ReducingStateDescriptor<T> {
  readonly kind = 'reducing' as const;
  readonly name: string;
  readonly reduceFunction: ReduceFunction<T>;
  readonly serializer: TypeSerializer<T> | undefined;

  constructor(name: string, reduceFunction: ReduceFunction<T>, serializer?: TypeSerializer<T>) {
    this.name = requireName(name, 'ReducingStateDescriptor');
    if (typeof reduceFunction !== 'function') {
      throw new WeirError('STATE_ACCESS', `ReducingStateDescriptor '${this.name}' needs a reduce function, got ${typeof reduceFunction}`, {
        hint: 'pass (a, b) => combined as the second argument',
      });
    }
    this.reduceFunction = reduceFunction;
    this.serializer = serializer;
  }
}

/**
 * Describes an `AggregatingState<IN, OUT>`: an accumulator per key, fed by `aggregateFunction.add`.
 * `accumulatorSerializer` serializes the accumulator, which is what the state stores.
 */
export class AggregatingStateDescriptor<IN, ACC, OUT> {
  readonly kind = 'aggregating' as const;
  readonly name: string;
  readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>;
  readonly accumulatorSerializer: TypeSerializer<ACC> | undefined;

  constructor(name: string, aggregateFunction: AggregateFunction<IN, ACC, OUT>, accumulatorSerializer?: TypeSerializer<ACC>) {
    this.name = requireName(name, 'AggregatingStateDescriptor');
    const missing = (['createAccumulator', 'add', 'getResult', 'merge'] as const).filter(
      (method) => typeof (aggregateFunction as Partial<AggregateFunction<IN, ACC, OUT>> | undefined)?.[method] !== 'function',
    );
    if (missing.length > 0) {
      throw new WeirError('STATE_ACCESS', `AggregatingStateDescriptor '${this.name}' needs an AggregateFunction; missing ${missing.join(', ')}`, {
        hint: 'pass an object with createAccumulator(), add(value, acc), getResult(acc) and merge(a, b)',
      });
    }
    this.aggregateFunction = aggregateFunction;
    this.accumulatorSerializer = accumulatorSerializer;
  }
}

/**
 * Any state descriptor, its type parameters widened to `unknown`. The reducing member is written out
 * because a reduce function takes T as a parameter, so no `ReducingStateDescriptor<X>` accepts them all.
 */
export type StateDescriptor =
  | ValueStateDescriptor<unknown>
  | ListStateDescriptor<unknown>
  | MapStateDescriptor<unknown, unknown>
  | { readonly kind: 'reducing'; readonly name: string; readonly reduceFunction: (a: never, b: never) => unknown }
  | AggregatingStateDescriptor<unknown, unknown, unknown>;

function requireName(name: unknown, descriptor: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new WeirError('STATE_ACCESS', `${descriptor} needs a non-empty name, got ${typeof name === 'string' ? 'an empty string' : typeof name}`, {
      hint: 'name every state; the name identifies it in snapshots and must be unique within its operator',
    });
  }
  return name;
}
