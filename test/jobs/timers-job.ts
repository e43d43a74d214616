/**
 * @module Processing-time timers: a slow source runs long enough for timers registered on each key's
 * first record to fire; a second timer per key is registered and deleted, so it must never fire.
 */
import {
  CollectSink,
  DataGeneratorSource,
  KeyedProcessFunction,
  Types,
  ValueStateDescriptor,
  defineJob,
  type Collector,
  type KeyedProcessContext,
  type OnTimerContext,
  type ValueState,
} from 'weir';

export const RECORDS = 240;
export const KEYS = 6;
export const DELAY_MS = 40;

export interface Fired {
  readonly key: number;
  readonly timer: number;
  readonly firedAt: number;
  readonly domain: string;
  readonly seen: number;
}

class FirstSeenTimer extends KeyedProcessFunction<number, number, Fired> {
  #seen!: ValueState<number>;

  override open(): void {
    this.#seen = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('seen', Types.number));
  }

  processElement(_value: number, ctx: KeyedProcessContext<number>): void {
    const seen = this.#seen.value() ?? 0;
    this.#seen.update(seen + 1);
    if (seen === 0) {
      const now = ctx.timerService().currentProcessingTime();
      ctx.timerService().registerProcessingTimeTimer(now + DELAY_MS);
      // registered twice: timers are deduplicated per key and time
      ctx.timerService().registerProcessingTimeTimer(now + DELAY_MS);
      ctx.timerService().registerProcessingTimeTimer(now + DELAY_MS + 5);
      ctx.timerService().deleteProcessingTimeTimer(now + DELAY_MS + 5);
    }
  }

  override onTimer(timestamp: number, ctx: OnTimerContext<number>, out: Collector<Fired>): void {
    out.collect({
      key: ctx.getCurrentKey(),
      timer: timestamp,
      firedAt: ctx.timerService().currentProcessingTime(),
      domain: ctx.timeDomain(),
      seen: this.#seen.value() ?? 0,
    });
  }
}

export const job = defineJob('processing-time-timers', (env) => {
  env
    .fromSource(new DataGeneratorSource((i) => i, { count: RECORDS, recordsPerSecond: 800, outputType: Types.number }), 'slow-numbers')
    .keyBy((i) => i % KEYS)
    .process(new FirstSeenTimer(), Types.object({ key: Types.number, timer: Types.number, firedAt: Types.number, domain: Types.string, seen: Types.number }))
    .uid('first-seen')
    .sinkTo(new CollectSink('fired'));
});
