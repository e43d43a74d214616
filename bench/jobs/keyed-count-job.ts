/**
 * @module The keyed-count benchmark job: a deterministic DataGen stream of small objects over 10,000
 * keys -> keyBy(key) -> a KeyedProcessFunction counting per key in ValueState and emitting the new
 * count -> a sink that tallies what it receives and reports the totals when its input ends. The
 * generator and the tally are exported so the baseline and RxJS variants do exactly the same work.
 * Args: `--events N` (records, required).
 */
import {
  DataGeneratorSource,
  KeyedProcessFunction,
  Types,
  ValueStateDescriptor,
  defineJob,
  randomInt,
  type Collector,
  type KeyedProcessContext,
  type OperatorCoordinator,
  type Sink,
  type SinkWriter,
  type SinkWriterContext,
  type ValueState,
} from 'weir';

export const KEYED_COUNT_KEYS = 10_000;
const SEED = 11;

export interface KeyedCountRecord {
  readonly id: number;
  readonly key: string;
  readonly value: number;
}

export const KeyedCountRecordType = Types.object({ id: Types.number, key: Types.string, value: Types.number });

/** Record i of the input: a pure function of i, so every variant and every subtask sees the same records. */
export function keyedCountRecord(i: number): KeyedCountRecord {
  return { id: i, key: `k${randomInt(SEED, i, KEYED_COUNT_KEYS)}`, value: randomInt(SEED + 1, i, 1000) };
}

/** What a sink (subtask) received: how many counts, their sum, and the last count of each key. */
export interface KeyedCountReport {
  readonly received: number;
  readonly countSum: number;
  readonly latest: readonly (readonly [string, number])[];
}

/** The sink's cheap per-record work, shared by every variant: count, sum, remember the key's latest count. */
export class KeyedCountTally {
  received = 0;
  countSum = 0;
  readonly #latest = new Map<string, number>();

  add(key: string, count: number): void {
    this.received++;
    this.countSum += count;
    this.#latest.set(key, count);
  }

  report(): KeyedCountReport {
    return { received: this.received, countSum: this.countSum, latest: [...this.#latest] };
  }
}

/** Counts records per key in ValueState and emits `[key, newCount]`. */
export class CountPerKey extends KeyedProcessFunction<string, KeyedCountRecord, [string, number]> {
  #count!: ValueState<number>;

  override open(): void {
    this.#count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', Types.number));
  }

  processElement(_record: KeyedCountRecord, ctx: KeyedProcessContext<string>, out: Collector<[string, number]>): void {
    const count = (this.#count.value() ?? 0) + 1;
    this.#count.update(count);
    out.collect([ctx.getCurrentKey(), count]);
  }
}

/** Tallies each subtask's input and sends one report per subtask to the coordinator at the end. */
export class KeyedCountTallySink implements Sink<[string, number]> {
  readonly name = 'keyed-count-tally';

  createWriter(context: SinkWriterContext): SinkWriter<[string, number]> {
    const tally = new KeyedCountTally();
    return {
      write([key, count]) {
        tally.add(key, count);
      },
      flush(endOfInput) {
        if (endOfInput) context.sendEventToCoordinator(tally.report());
      },
      close() {},
    };
  }

  createCoordinator(): OperatorCoordinator {
    const reports: KeyedCountReport[] = [];
    return {
      handleEventFromOperator: (_subtask, event) => {
        reports.push(event as KeyedCountReport);
      },
      result: () => reports,
    };
  }
}

export const job = defineJob('keyed-count', (env, params) => {
  env
    .fromSource(new DataGeneratorSource(keyedCountRecord, { count: params.getInt('events'), outputType: KeyedCountRecordType }), 'datagen')
    .uid('datagen')
    .keyBy((record) => record.key)
    .process(new CountPerKey(), Types.tuple(Types.string, Types.number))
    .name('count')
    .uid('count')
    .sinkTo(new KeyedCountTallySink())
    .name('tally')
    .uid('tally-sink');
});
