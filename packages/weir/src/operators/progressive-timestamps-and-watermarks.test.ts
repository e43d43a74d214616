/**
 * @module Tests of the source side of event time: per-split generators combined by minimum, idle
 * splits left out, a reader without splits idle from the start, and the final watermark; and of the
 * assignTimestampsAndWatermarks operator.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { JobId, OperatorUid } from '../core/ids.ts';
import { MAX_WATERMARK } from '../core/stream-element.ts';
import { OperatorStateBackend } from '../state/operator-state-backend.ts';
import { ProgressiveTimestampsAndWatermarks } from './progressive-timestamps-and-watermarks.ts';
import type { ReaderOutput } from './source.ts';
import type { Output, ProcessingTimeService, StreamOperatorContext } from './stream-operator.ts';
import { TimestampsAndWatermarksOperator } from './timestamps-and-watermarks-operator.ts';
import { WatermarkStrategy } from './watermark-strategy.ts';

interface Reading {
  readonly split: string;
  readonly time: number;
}

/** Records, watermarks and statuses in order: `r:<time>@<timestamp>`, `wm:<t>`, `idle`, `active`. */
function recordingOutput(): { output: Output<Reading>; log: string[] } {
  const log: string[] = [];
  return {
    log,
    output: {
      collect: (value, timestamp) => log.push(`r:${value.time}@${timestamp}`),
      collectSide: () => {},
      emitWatermark: (timestamp) => log.push(`wm:${timestamp}`),
      emitWatermarkStatus: (idle) => log.push(idle ? 'idle' : 'active'),
    },
  };
}

const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Reading>(10).withTimestampAssigner((r) => r.time);

test('each split has its own generator and the source watermark is the minimum over the splits', () => {
  const { output, log } = recordingOutput();
  const watermarks = new ProgressiveTimestampsAndWatermarks<Reading>({ strategy, clock: new ManualClock(), description: 'source', output, hasSplits: true });
  const reader = watermarks.readerOutput;
  const a = reader.createOutputForSplit?.('a') as ReaderOutput<Reading>;
  const b = reader.createOutputForSplit?.('b') as ReaderOutput<Reading>;
  a.collect({ split: 'a', time: 100 });
  b.collect({ split: 'b', time: 50 });
  watermarks.emitPeriodicWatermark();
  a.collect({ split: 'a', time: 200 });
  watermarks.emitPeriodicWatermark();
  b.collect({ split: 'b', time: 300 });
  watermarks.emitPeriodicWatermark();
  // min(89, 39) = 39; then min(189, 39); then min(189, 289) = 189.
  assert.deepEqual(log, ['r:100@100', 'r:50@50', 'wm:39', 'r:200@200', 'r:300@300', 'wm:189']);
  reader.releaseOutputForSplit?.('a');
  assert.equal(log.at(-1), 'wm:289', 'a finished split no longer holds the watermark back');
});

test('an idle split is left out of the minimum; all idle makes the source idle; a record makes it active again', () => {
  const clock = new ManualClock(0);
  const { output, log } = recordingOutput();
  const watermarks = new ProgressiveTimestampsAndWatermarks<Reading>({ strategy: strategy.withIdleness(100), clock, description: 'source', output, hasSplits: true });
  const a = watermarks.readerOutput.createOutputForSplit?.('a') as ReaderOutput<Reading>;
  const b = watermarks.readerOutput.createOutputForSplit?.('b') as ReaderOutput<Reading>;
  a.collect({ split: 'a', time: 500 });
  b.collect({ split: 'b', time: 20 });
  const tick = (): void => {
    watermarks.emitPeriodicWatermark();
    clock.advance(60);
  };
  tick();
  assert.equal(log.at(-1), 'wm:9');
  for (let i = 0; i < 4; i++) {
    a.collect({ split: 'a', time: 500 + i });
    tick();
  }
  // b had no record for more than 100 ms: it is idle and a alone sets the watermark.
  assert.equal(log.at(-1), 'wm:492');
  for (let i = 0; i < 4; i++) tick();
  assert.equal(log.at(-1), 'idle', 'both splits idle: the source is idle');
  b.collect({ split: 'b', time: 30 });
  assert.deepEqual(log.slice(-2), ['active', 'r:30@30'], 'active again before the record');
  watermarks.emitFinalWatermark();
  assert.equal(log.at(-1), `wm:${MAX_WATERMARK}`);
});

test('a reader without splits is idle from the start; a reader that emits through its main output is one part', () => {
  const empty = recordingOutput();
  new ProgressiveTimestampsAndWatermarks<Reading>({ strategy, clock: new ManualClock(), description: 'source', output: empty.output, hasSplits: false });
  assert.deepEqual(empty.log, ['idle']);

  const main = recordingOutput();
  let records = 0;
  const watermarks = new ProgressiveTimestampsAndWatermarks<Reading>({
    strategy,
    clock: new ManualClock(),
    description: 'source',
    output: main.output,
    hasSplits: true,
    onRecord: () => records++,
  });
  watermarks.readerOutput.collect({ split: '-', time: 70 }, 1);
  watermarks.emitPeriodicWatermark();
  assert.deepEqual(main.log, ['r:70@70', 'wm:59']);
  assert.equal(records, 1);
});

/** A processing-time service whose timers the test fires by hand. */
class ManualTimers implements ProcessingTimeService {
  readonly clock = new ManualClock(0);
  readonly pending: { time: number; callback: (time: number) => void }[] = [];
  now(): number {
    return this.clock.now();
  }
  registerTimer(time: number, callback: (time: number) => void): () => void {
    const timer = { time, callback };
    this.pending.push(timer);
    return () => this.pending.splice(this.pending.indexOf(timer), 1);
  }
  fire(): void {
    const next = this.pending.shift();
    if (next === undefined) return;
    this.clock.set(next.time);
    next.callback(next.time);
  }
}

function operatorContext(timers: ManualTimers): StreamOperatorContext {
  return {
    name: 'assign',
    uid: OperatorUid('assign'),
    subtaskIndex: 0,
    parallelism: 1,
    maxParallelism: 128,
    attemptNumber: 0,
    description: "operator 'assign' (uid assign) subtask 1/1",
    jobId: JobId('test'),
    jobName: 'test',
    jobParameters: {},
    clock: timers.clock,
    processingTimeService: timers,
    keyed: undefined,
    operatorState: new OperatorStateBackend({}),
    restored: false,
    sendEventToCoordinator: () => {},
  };
}

test('assignTimestampsAndWatermarks stamps records, emits periodic watermarks and passes only the final upstream watermark', () => {
  const timers = new ManualTimers();
  const { output, log } = recordingOutput();
  const operator = new TimestampsAndWatermarksOperator<Reading>(strategy, 200, operatorContext(timers), output);
  operator.open();
  operator.processElement({ split: 'x', time: 40 }, 7);
  operator.processWatermark(1000);
  operator.processElement({ split: 'x', time: 60 }, 7);
  timers.fire();
  operator.processWatermarkStatus();
  operator.processWatermark(MAX_WATERMARK);
  assert.deepEqual(log, ['r:40@40', 'r:60@60', 'wm:49', `wm:${MAX_WATERMARK}`]);
  assert.equal(timers.pending.length, 1, 'the next periodic emit is scheduled');
  operator.finish();
  assert.equal(timers.pending.length, 0);
});

test('an idle assigner marks its output idle and active again with the next record', () => {
  const timers = new ManualTimers();
  const { output, log } = recordingOutput();
  const operator = new TimestampsAndWatermarksOperator<Reading>(strategy.withIdleness(100), 50, operatorContext(timers), output);
  operator.open();
  operator.processElement({ split: 'x', time: 40 }, 0);
  for (let i = 0; i < 5; i++) timers.fire();
  assert.deepEqual(log, ['r:40@40', 'wm:29', 'idle']);
  operator.processElement({ split: 'x', time: 80 }, 0);
  timers.fire();
  assert.deepEqual(log.slice(3), ['active', 'r:80@80', 'wm:69']);
});
