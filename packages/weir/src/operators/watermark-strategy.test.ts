/**
 * @module Tests of WatermarkStrategy and its generators: bounded out-of-orderness (max - bound - 1),
 * monotonous timestamps, no watermarks, idleness on a manual clock, and the timestamp assigner's checks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import type { WatermarkOutput } from './watermark-generator.ts';
import { WatermarkStrategy } from './watermark-strategy.ts';

/** Records what a generator emits: watermarks as numbers, 'idle' and 'active'. */
class RecordingOutput implements WatermarkOutput {
  readonly emitted: (number | string)[] = [];
  emitWatermark(timestamp: number): void {
    this.emitted.push(timestamp);
  }
  markIdle(): void {
    this.emitted.push('idle');
  }
  markActive(): void {
    this.emitted.push('active');
  }
}

const context = (clock = new ManualClock()): { clock: ManualClock; description: string } => ({ clock, description: 'source test' });

test('bounded out-of-orderness emits the highest timestamp seen minus the bound minus 1, periodically', () => {
  const generator = WatermarkStrategy.forBoundedOutOfOrderness<number>(50).createWatermarkGenerator(context());
  const out = new RecordingOutput();
  generator.onPeriodicEmit(out);
  assert.deepEqual(out.emitted, [], 'nothing before the first event');
  let max = Number.NEGATIVE_INFINITY;
  const expected: number[] = [];
  for (const t of [100, 80, 130, 90, 130, 200]) {
    generator.onEvent(t, t, out);
    max = Math.max(max, t);
    generator.onPeriodicEmit(out);
    expected.push(max - 50 - 1);
  }
  assert.deepEqual(out.emitted, expected);
});

test('monotonous timestamps emit the highest timestamp minus 1; noWatermarks emits nothing', () => {
  const monotonous = WatermarkStrategy.forMonotonousTimestamps<number>().createWatermarkGenerator(context());
  const none = WatermarkStrategy.noWatermarks<number>().createWatermarkGenerator(context());
  const out = new RecordingOutput();
  const silent = new RecordingOutput();
  for (const t of [5, 9, 12]) {
    monotonous.onEvent(t, t, out);
    monotonous.onPeriodicEmit(out);
    none.onEvent(t, t, silent);
    none.onPeriodicEmit(silent);
  }
  assert.deepEqual(out.emitted, [4, 8, 11]);
  assert.deepEqual(silent.emitted, []);
});

test('withIdleness marks the output idle once no event came for the timeout, and lets the watermark through again after an event', () => {
  const clock = new ManualClock(1000);
  const generator = WatermarkStrategy.forMonotonousTimestamps<number>().withIdleness(100).createWatermarkGenerator(context(clock));
  const out = new RecordingOutput();
  generator.onEvent(10, 10, out);
  generator.onPeriodicEmit(out);
  clock.advance(60);
  generator.onPeriodicEmit(out); // no event since the last check: inactivity starts now
  clock.advance(100);
  generator.onPeriodicEmit(out); // exactly the timeout: not yet
  clock.advance(1);
  generator.onPeriodicEmit(out);
  generator.onPeriodicEmit(out); // idle once
  generator.onEvent(20, 20, out);
  generator.onPeriodicEmit(out);
  assert.deepEqual(out.emitted, [9, 9, 9, 'idle', 19]);
});

test('a split that never gets an event becomes idle after the timeout too', () => {
  const clock = new ManualClock(0);
  const generator = WatermarkStrategy.forBoundedOutOfOrderness<number>(5).withIdleness(50).createWatermarkGenerator(context(clock));
  const out = new RecordingOutput();
  for (let i = 0; i < 5; i++) {
    generator.onPeriodicEmit(out);
    clock.advance(20);
  }
  assert.deepEqual(out.emitted, ['idle']);
});

test('the timestamp assigner gives the event time; without one, records keep the source timestamp', () => {
  const strategy = WatermarkStrategy.forMonotonousTimestamps<{ at: number }>();
  assert.equal(strategy.createTimestampAssigner('x')({ at: 5 }, 42), 42);
  assert.equal(strategy.withTimestampAssigner((e) => e.at).createTimestampAssigner('x')({ at: 5 }, 42), 5);
  assert.equal(strategy.withTimestampAssigner({ extractTimestamp: (e, previous) => e.at + previous }).createTimestampAssigner('x')({ at: 5 }, 1), 6);
});

test('an assigner that returns no number or throws fails naming the operator', () => {
  const bad = WatermarkStrategy.forMonotonousTimestamps<{ at: unknown }>().withTimestampAssigner((e) => e.at as number).createTimestampAssigner("source 'clicks' (uid c) subtask 1/1");
  assert.throws(
    () => bad({ at: '2024-01-01' }, 0),
    (error: unknown) => error instanceof WeirError && error.code === 'INVALID_TIMESTAMP' && error.message.includes("source 'clicks'") && error.message.includes("the string '2024-01-01'"),
  );
  const throwing = WatermarkStrategy.noWatermarks<number>()
    .withTimestampAssigner(() => {
      throw new Error('boom');
    })
    .createTimestampAssigner("source 'clicks'");
  assert.throws(() => throwing(1, 0), (error: unknown) => error instanceof WeirError && error.code === 'USER_FUNCTION_FAILED' && error.message.includes('boom'));
});

test('bad strategy options are reported by name', () => {
  assert.throws(() => WatermarkStrategy.forBoundedOutOfOrderness(-1), /maxOutOfOrderness/);
  assert.throws(() => WatermarkStrategy.forMonotonousTimestamps().withIdleness(0), /idleTimeout/);
  assert.throws(() => WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner(5 as never), /withTimestampAssigner/);
  assert.throws(() => WatermarkStrategy.forGenerator('x' as never), /forGenerator/);
});

test('forGenerator runs a generator of your own, created per split', () => {
  let created = 0;
  const strategy = WatermarkStrategy.forGenerator<number>(() => {
    created++;
    return { onEvent: (_e, t, output) => output.emitWatermark(t), onPeriodicEmit: () => {} };
  });
  const out = new RecordingOutput();
  strategy.createWatermarkGenerator(context()).onEvent(3, 7, out);
  strategy.createWatermarkGenerator(context());
  assert.deepEqual(out.emitted, [7]);
  assert.equal(created, 2);
});
