/**
 * @module Tests of the two-input API of data-stream.ts (connected streams, broadcast streams, joins):
 * what is rejected when the job is built, with an error that says what to do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import {
  BroadcastProcessFunction,
  DataGeneratorSource,
  JobParameters,
  KeyedBroadcastProcessFunction,
  MapStateDescriptor,
  StreamExecutionEnvironment,
  Types,
  ValueStateDescriptor,
  type CoMapFunction,
} from '../index.ts';

function environment(): StreamExecutionEnvironment {
  return new StreamExecutionEnvironment({ jobName: 'api', parallelism: 2, parameters: new JobParameters() });
}

function numbers(env: StreamExecutionEnvironment) {
  return env.fromSource(new DataGeneratorSource((i) => i, { count: 10, outputType: Types.number }), 'numbers');
}

function rejects(build: () => unknown, ...fragments: string[]): void {
  assert.throws(build, (error: unknown) => {
    assert.ok(error instanceof WeirError, String(error));
    for (const fragment of fragments) assert.ok(`${error.message} ${error.hint ?? ''}`.includes(fragment), `'${error.message}' (hint '${error.hint ?? ''}') should mention '${fragment}'`);
    return true;
  });
}

const RULES = new MapStateDescriptor<string, number>('rules', Types.string, Types.number);

class Unkeyed extends BroadcastProcessFunction<number, number, number> {
  processElement(): void {}
  processBroadcastElement(): void {}
}

class Keyed extends KeyedBroadcastProcessFunction<number, number, number, number> {
  processElement(): void {}
  processBroadcastElement(): void {}
}

test('a broadcast function must match whether the non-broadcast stream is keyed', () => {
  const env = environment();
  const rules = numbers(env).broadcast(RULES);
  rejects(() => numbers(env).keyBy((n) => n).connect(rules).process(new Unkeyed()), 'BroadcastProcessFunction can only be used on a non-keyed stream');
  rejects(() => numbers(env).connect(rules).process(new Keyed()), 'KeyedBroadcastProcessFunction can only be used on a keyed stream', 'keyBy');
});

test('broadcast(...) takes MapStateDescriptors only', () => {
  const env = environment();
  rejects(() => numbers(env).broadcast(new ValueStateDescriptor('x') as unknown as MapStateDescriptor<unknown, unknown>), 'MapStateDescriptors', 'value state descriptor');
});

test('a two-input function is an object with a method per input, not one lambda', () => {
  const env = environment();
  const lambda = ((n: number) => n) as unknown as CoMapFunction<number, number, number>;
  rejects(() => numbers(env).connect(numbers(env)).map(lambda), 'map1() and map2()', '{ map1(...)');
  rejects(() => numbers(env).connect(numbers(env)).map({ map1: (n: number) => n } as CoMapFunction<number, number, number>), 'without map2');
});

test('streams of different environments cannot be connected or joined', () => {
  const a = numbers(environment());
  const b = numbers(environment());
  rejects(() => a.connect(b), 'connect() of streams from different environments');
  rejects(() => a.keyBy((n) => n).intervalJoin(b.keyBy((n) => n)), 'intervalJoin() of streams from different environments');
  rejects(() => a.join(b), 'join() of streams from different environments');
});

test('an interval join needs finite bounds, the lower not above the upper', () => {
  const env = environment();
  const join = () => numbers(env).keyBy((n) => n).intervalJoin(numbers(env).keyBy((n) => n));
  rejects(() => join().between(10, 5), 'between(10, 5)', 'lowerBound <= upperBound');
  rejects(() => join().between(Number.NaN, 5), 'lowerBound must be a finite number');
});

test('connected streams keyed by two selectors need two functions', () => {
  const env = environment();
  rejects(() => numbers(env).connect(numbers(env)).keyBy((n) => n, undefined as unknown as (n: number) => number), 'key2 is undefined');
});
