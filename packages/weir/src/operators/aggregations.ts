/**
 * @module The built-in rolling aggregations of a KeyedStream as reduce functions, with Flink's
 * semantics: sum/min/max change one field of the first record seen for the key; minBy/maxBy keep
 * the whole record holding the extreme value (the first one on ties).
 */
import type { ReduceFunction } from '../state/aggregate-function.ts';

export type AggregationKind = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

/** A field name of an object record, an index of a tuple record, or undefined for a number stream. */
export type AggregationField = string | number | undefined;

/** A reduce function for `kind`; a non-numeric field throws a TypeError that the operator reports with its name. */
export function createAggregation<T>(kind: AggregationKind, field: AggregationField): ReduceFunction<T> {
  const read = (record: T): number => {
    const value = field === undefined ? record : (record as Record<string | number, unknown>)[field];
    if (typeof value !== 'number' && typeof value !== 'bigint') {
      const what = field === undefined ? 'the record' : `field ${JSON.stringify(field)}`;
      throw new TypeError(`${kind}(): ${what} is ${value === undefined ? 'undefined' : typeof value}, not a number`);
    }
    return value as number;
  };
  const write = (record: T, value: number): T => {
    if (field === undefined) return value as T;
    if (Array.isArray(record)) {
      const copy = record.slice() as unknown[];
      copy[field as number] = value;
      return copy as T;
    }
    return { ...(record as object), [field]: value } as T;
  };
  switch (kind) {
    case 'sum':
      return (acc, value) => write(acc, (read(acc)) + (read(value)));
    case 'min':
      return (acc, value) => {
        const a = read(acc);
        const b = read(value);
        return b < a ? write(acc, b) : acc;
      };
    case 'max':
      return (acc, value) => {
        const a = read(acc);
        const b = read(value);
        return b > a ? write(acc, b) : acc;
      };
    case 'minBy':
      return (acc, value) => (read(value) < read(acc) ? value : acc);
    case 'maxBy':
      return (acc, value) => (read(value) > read(acc) ? value : acc);
  }
}
