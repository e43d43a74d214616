/**
 * @module Tests of the two-input operators driven directly, input by input: the combined watermark of
 * two inputs (minimum, idleness, ended inputs), keyed co-process timers of both domains, the interval
 * join's bounds, lateness and buffer clean-up, and broadcast state access from each side.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JobId, OperatorUid } from '../core/ids.ts';
import { KeyGroupRange, type Key } from '../core/key-groups.ts';
import { ManualClock } from '../core/clock.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import { WeirError } from '../core/errors.ts';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { OperatorStateBackend } from '../state/operator-state-backend.ts';
import { MapStateDescriptor, ValueStateDescriptor } from '../state/state-descriptors.ts';
import type { ValueState } from '../state/state.ts';
import { Types } from '../types/types.ts';
import { BroadcastProcessFunction, KeyedBroadcastProcessFunction, type BroadcastProcessContext, type KeyedBroadcastProcessContext, type KeyedReadOnlyBroadcastProcessContext, type ReadOnlyBroadcastProcessContext } from './broadcast-process-functions.ts';
import { KeyedCoProcessFunction } from './co-functions.ts';
import { CoBroadcastWithKeyedOperator } from './co-broadcast-with-keyed-operator.ts';
import { CoBroadcastWithNonKeyedOperator } from './co-broadcast-with-non-keyed-operator.ts';
import type { Collector, KeyedProcessContext, OnTimerContext } from './functions.ts';
import { IntervalJoinOperator } from './interval-join-operator.ts';
import { ProcessJoinFunction, type ProcessJoinContext } from './join-functions.ts';
import { KeyedCoProcessOperator } from './keyed-co-process-operator.ts';
import type { KeyedContext, Output, StreamOperatorContext } from './stream-operator.ts';
import { TwoInputWatermark } from './two-input-stream-operator.ts';

/** What an operator emitted, in order. */
type Emitted = { record: unknown; timestamp: number } | { watermark: number } | { idle: boolean };

function recordingOutput(): Output<unknown> & { readonly emitted: Emitted[]; records(): unknown[]; watermarks(): number[] } {
  const emitted: Emitted[] = [];
  return {
    emitted,
    collect: (record, timestamp) => emitted.push({ record, timestamp }),
    collectSide: () => {},
    emitWatermark: (watermark) => emitted.push({ watermark }),
    emitWatermarkStatus: (idle) => emitted.push({ idle }),
    records: () => emitted.flatMap((e) => ('record' in e ? [e.record] : [])),
    watermarks: () => emitted.flatMap((e) => ('watermark' in e ? [e.watermark] : [])),
  };
}

/** A processing-time service on a manual clock: `fire(now)` runs the timers due by then. */
function manualTime(clock: ManualClock): StreamOperatorContext['processingTimeService'] & { fire(now: number): void } {
  let timers: { time: number; callback: (time: number) => void }[] = [];
  return {
    now: () => clock.now(),
    registerTimer(time, callback) {
      const timer = { time, callback };
      timers.push(timer);
      return () => {
        timers = timers.filter((t) => t !== timer);
      };
    },
    fire(now) {
      clock.set(now);
      const due = timers.filter((t) => t.time <= now);
      timers = timers.filter((t) => t.time > now);
      for (const timer of due) timer.callback(timer.time);
    },
  };
}

function operatorContext(options: { keyed?: boolean; clock?: ManualClock } = {}): StreamOperatorContext & { time: ReturnType<typeof manualTime>; keyedContext: KeyedContext } {
  const clock = options.clock ?? new ManualClock(1000);
  const time = manualTime(clock);
  const backend = new HeapKeyedStateBackend({ keyGroupRange: new KeyGroupRange(0, 127), maxParallelism: 128, operatorDescription: 'test operator' });
  const keyedContext: KeyedContext = { keySelector: (value) => value as Key, backend };
  return {
    name: 'test',
    uid: OperatorUid('test'),
    subtaskIndex: 0,
    parallelism: 1,
    maxParallelism: 128,
    attemptNumber: 0,
    description: "operator 'test' (uid test) subtask 1/1",
    jobId: JobId('job'),
    jobName: 'job',
    jobParameters: {},
    clock,
    processingTimeService: time,
    keyed: options.keyed === true ? keyedContext : undefined,
    operatorState: new OperatorStateBackend({ operatorDescription: 'test operator' }),
    restored: false,
    sendEventToCoordinator: () => {},
    time,
    keyedContext,
  };
}

describe('TwoInputWatermark', () => {
  test('the combined watermark is the minimum of both inputs and only moves forward', () => {
    const out = recordingOutput();
    const advanced: number[] = [];
    const watermark = new TwoInputWatermark(out, (w) => advanced.push(w));
    watermark.watermark(1, 10);
    assert.deepEqual(out.watermarks(), [], 'input 2 still holds time back');
    watermark.watermark(2, 5);
    watermark.watermark(2, 20);
    watermark.watermark(1, 8);
    watermark.watermark(1, 15);
    assert.deepEqual(out.watermarks(), [5, 10, 15]);
    assert.deepEqual(advanced, [5, 10, 15], 'timers advance before each watermark is emitted');
    assert.equal(watermark.current, 15);
  });

  test('an idle input does not hold time back; the output is idle only while both inputs are', () => {
    const out = recordingOutput();
    const watermark = new TwoInputWatermark(out);
    watermark.watermark(1, 100);
    watermark.status(2, true);
    watermark.status(1, true);
    watermark.watermark(2, 50);
    watermark.status(2, false);
    assert.deepEqual(out.emitted, [{ watermark: 100 }, { idle: true }, { idle: false }]);
  });

  test('an ended input counts as past every time', () => {
    const out = recordingOutput();
    const watermark = new TwoInputWatermark(out);
    watermark.watermark(2, 40);
    watermark.endInput(1);
    watermark.watermark(2, 70);
    assert.deepEqual(out.watermarks(), [40, 70]);
  });
});

describe('KeyedCoProcessOperator', () => {
  class Both extends KeyedCoProcessFunction<string, string, string, string> {
    #seen!: ValueState<number>;
    override open(): void {
      this.#seen = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('seen', Types.number));
    }
    processElement1(value: string, ctx: KeyedProcessContext<string>): void {
      this.#seen.update((this.#seen.value() ?? 0) + 1);
      ctx.timerService().registerEventTimeTimer(Number(value.split(':')[1]));
    }
    processElement2(_value: string, ctx: KeyedProcessContext<string>): void {
      this.#seen.update((this.#seen.value() ?? 0) + 10);
      ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 50);
    }
    override onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
      out.collect(`${ctx.getCurrentKey()} ${ctx.timeDomain()} ${timestamp} seen ${this.#seen.value() ?? 0}`);
    }
  }

  test('state is shared by both inputs per key; event-time timers fire on the minimum watermark, processing-time ones on the clock', async () => {
    const context = operatorContext({ keyed: true });
    const out = recordingOutput();
    const key = (value: string): string => value.split(':')[0] as string;
    const operator = new KeyedCoProcessOperator<string, string, string, string>(new Both(), context, out, context.keyedContext, { key1: key, key2: key });
    await operator.open();
    operator.processElement1('a:100', 100);
    operator.processElement2('a:x', NO_TIMESTAMP);
    operator.processElement1('b:150', 150);
    operator.processWatermark1(200);
    assert.deepEqual(out.records(), [], 'input 2 has no watermark yet');
    operator.processWatermark2(120);
    assert.deepEqual(out.records(), ['a EVENT_TIME 100 seen 11']);
    context.time.fire(1050);
    operator.processWatermark2(500);
    assert.deepEqual(out.records(), ['a EVENT_TIME 100 seen 11', 'a PROCESSING_TIME 1050 seen 11', 'b EVENT_TIME 150 seen 1']);
    assert.deepEqual(out.emitted.flatMap((e) => ('record' in e ? [e.timestamp] : [])), [100, NO_TIMESTAMP, 150], 'event-time output carries the timer time');
    await operator.close();
  });
});

describe('IntervalJoinOperator', () => {
  class Pairs extends ProcessJoinFunction<[string, number], [string, number], string> {
    processElement(left: [string, number], right: [string, number], ctx: ProcessJoinContext, out: Collector<string>): void {
      out.collect(`${left[0]}@${ctx.getLeftTimestamp()}-${right[0]}@${ctx.getRightTimestamp()}`);
    }
  }

  function join(lowerBound: number, upperBound: number) {
    const context = operatorContext({ keyed: true });
    const out = recordingOutput();
    const key = (value: [string, number]): string => value[0];
    const operator = new IntervalJoinOperator<string, [string, number], [string, number], string>(
      new Pairs(),
      { lowerBound, upperBound, key1: key, key2: key },
      context,
      out,
      context.keyedContext,
    );
    const buffered = (name: 'LEFT_BUFFER' | 'RIGHT_BUFFER'): number => context.keyedContext.backend.numKeys(name);
    return { operator, out, buffered };
  }

  test('pairs records of one key whose timestamps lie within the bounds, stamped with the later timestamp', async () => {
    const { operator, out } = join(-5, 10);
    await operator.open();
    operator.processElement1(['k', 1], 100);
    operator.processElement2(['k', 2], 94); // 100 - 6: below the lower bound
    operator.processElement2(['k', 3], 95);
    operator.processElement2(['k', 4], 110);
    operator.processElement2(['k', 5], 111); // above the upper bound
    operator.processElement2(['other', 6], 100);
    operator.processElement1(['k', 7], 105); // sees the right records 100..115 that are buffered
    assert.deepEqual(out.records(), ['k@100-k@95', 'k@100-k@110', 'k@105-k@110', 'k@105-k@111']);
    assert.deepEqual(out.emitted.flatMap((e) => ('record' in e ? [e.timestamp] : [])), [100, 110, 110, 111]);
  });

  test('a buffered record is dropped once the minimum watermark says no partner can arrive, not before', async () => {
    const { operator, out, buffered } = join(-5, 10);
    await operator.open();
    operator.processElement1(['k', 1], 100);
    operator.processWatermark1(109);
    operator.processWatermark2(109);
    operator.processElement2(['k', 2], 110); // the last time a partner of 100 may have
    assert.deepEqual(out.records(), ['k@100-k@110']);
    operator.processWatermark1(200);
    assert.equal(buffered('LEFT_BUFFER'), 1, 'input 2 still holds event time at 109');
    operator.processWatermark2(200);
    assert.equal(buffered('LEFT_BUFFER'), 0, 'left 100 is dropped once the watermark passed 100 + 10');
    assert.equal(buffered('RIGHT_BUFFER'), 0, 'right 110 is dropped once the watermark passed 110 + 5');
  });

  test('records behind the watermark are late and dropped, without being buffered', async () => {
    const { operator, out, buffered } = join(-5, 10);
    await operator.open();
    operator.processWatermark1(100);
    operator.processWatermark2(100);
    operator.processElement1(['k', 1], 99);
    operator.processElement2(['k', 2], 100);
    assert.deepEqual(out.records(), []);
    assert.equal(buffered('LEFT_BUFFER'), 0);
    assert.equal(buffered('RIGHT_BUFFER'), 1);
  });

  test('bounds that are both negative clean up at the record time on the left and later on the right', async () => {
    const { operator, out, buffered } = join(-20, -5);
    await operator.open();
    operator.processElement2(['k', 1], 80);
    operator.processElement1(['k', 2], 100);
    operator.processElement1(['k', 3], 84);
    assert.deepEqual(out.records(), ['k@100-k@80']);
    operator.processWatermark1(99);
    operator.processWatermark2(99);
    // left 84 can meet no later right (upper bound <= 0); right 80 can still meet a left at 100 = 80 + 20
    assert.deepEqual([buffered('LEFT_BUFFER'), buffered('RIGHT_BUFFER')], [1, 1]);
    operator.processWatermark1(100);
    operator.processWatermark2(100);
    assert.deepEqual([buffered('LEFT_BUFFER'), buffered('RIGHT_BUFFER')], [0, 0]);
  });

  test('a record without a timestamp fails with a message naming the operator', async () => {
    const { operator } = join(0, 1);
    await operator.open();
    assert.throws(
      () => operator.processElement1(['k', 1], NO_TIMESTAMP),
      (error: unknown) => error instanceof WeirError && error.message.includes("operator 'test'") && error.message.includes('without a timestamp'),
    );
  });
});

describe('broadcast operators', () => {
  const RULES = new MapStateDescriptor<string, number>('rules', Types.string, Types.number);
  const UNDECLARED = new MapStateDescriptor<string, number>('undeclared', Types.string, Types.number);

  test('the broadcast side writes the broadcast state, the other side reads it and cannot write', async () => {
    const seen: string[] = [];
    class Fn extends BroadcastProcessFunction<string, [string, number], string> {
      processElement(value: string, ctx: ReadOnlyBroadcastProcessContext, out: Collector<string>): void {
        const state = ctx.getBroadcastState(RULES);
        seen.push(typeof (state as unknown as { put?: unknown }).put);
        out.collect(`${value}=${state.get(value) ?? 'none'}`);
      }
      processBroadcastElement(value: [string, number], ctx: BroadcastProcessContext): void {
        ctx.getBroadcastState(RULES).put(value[0], value[1]);
      }
    }
    const context = operatorContext();
    const out = recordingOutput();
    const operator = new CoBroadcastWithNonKeyedOperator<string, [string, number], string>(new Fn(), [RULES], context, out);
    await operator.open();
    operator.processElement1('a', NO_TIMESTAMP);
    operator.processElement2(['a', 1], NO_TIMESTAMP);
    operator.processElement1('a', NO_TIMESTAMP);
    assert.deepEqual(out.records(), ['a=none', 'a=1']);
    assert.deepEqual(seen, ['undefined', 'undefined']);
    assert.deepEqual(context.operatorState.getRegisteredStateNames(), ['rules'], 'registered when the operator was created, so every checkpoint holds it');
  });

  test('a keyed broadcast function reaches every key from the broadcast side; an undeclared descriptor fails clearly', async () => {
    const COUNT = new ValueStateDescriptor<number>('count', Types.number);
    class Fn extends KeyedBroadcastProcessFunction<string, string, string, string> {
      processElement(_value: string, ctx: KeyedReadOnlyBroadcastProcessContext<string>): void {
        const count = this.getRuntimeContext().getState(COUNT);
        count.update((count.value() ?? 0) + 1);
        assert.equal(ctx.getCurrentKey(), _value);
      }
      processBroadcastElement(value: string, ctx: KeyedBroadcastProcessContext<string>, out: Collector<string>): void {
        if (value === 'undeclared') ctx.getBroadcastState(UNDECLARED);
        ctx.applyToKeyedState(COUNT, (key, count) => out.collect(`${key}:${count.value() ?? 0}`));
      }
    }
    const context = operatorContext({ keyed: true });
    const out = recordingOutput();
    const operator = new CoBroadcastWithKeyedOperator<string, string, string, string>(new Fn(), [RULES], context, out, context.keyedContext, (v) => v);
    await operator.open();
    for (const key of ['x', 'y', 'x']) operator.processElement1(key, NO_TIMESTAMP);
    operator.processElement2('count', NO_TIMESTAMP);
    assert.deepEqual(out.records().sort(), ['x:2', 'y:1']);
    assert.throws(
      () => operator.processElement2('undeclared', NO_TIMESTAMP),
      (error: unknown) => error instanceof WeirError && error.code === 'STATE_ACCESS' && error.message.includes("'undeclared'") && error.message.includes("'rules'"),
    );
  });
});
