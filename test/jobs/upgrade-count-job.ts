/**
 * @module The job the upgrade suite stops with a savepoint and restores in changed versions
 * (`--version`): a keyed count per key (ValueState 'count') over a rate-limited DataGen source whose
 * position is part of the savepoint, and a second stateful operator (`audit`, the highest record
 * number seen per key) that a later version removes.
 *
 * Versions: `v1`; `with-map` adds a stateless operator (with a uid) in front of the count;
 * `without-audit` removes the audit operator; `no-uids` sets no uid anywhere; `no-uids-with-map` is
 * `no-uids` with a stateless operator added in front of the count, which changes the generated uids.
 * With `--print true` the counts are also printed, for runs of the `weir` command. With `--input <dir>`
 * the records come from a partitioned log of record numbers instead (LogSource, continuous unless
 * `--bounded true`), whose partitions a rescale spreads over the new subtasks.
 */
import { CollectSink, DataGeneratorSource, KeyedProcessFunction, LogSource, Types, ValueStateDescriptor, defineJob, randomInt } from 'weir';
import type { Collector, DataStream, KeyedProcessContext, ValueState } from 'weir';

export const KEYS = 40;
export const VERSIONS = ['v1', 'with-map', 'without-audit', 'no-uids', 'no-uids-with-map'] as const;
export type Version = (typeof VERSIONS)[number];

export interface Tick {
  readonly key: string;
  readonly i: number;
}

/** Record `i` of the input. */
export function tick(i: number): Tick {
  return { key: `k${randomInt(7, i, KEYS)}`, i };
}

const TickType = Types.object({ key: Types.string, i: Types.number });
const CountType = Types.object({ key: Types.string, count: Types.number });

/** Counts the records of each key in keyed state and emits the running count. */
class CountPerKey extends KeyedProcessFunction<string, Tick, { key: string; count: number }> {
  #count!: ValueState<number>;
  override open(): void {
    this.#count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', Types.number));
  }
  processElement(_tick: Tick, ctx: KeyedProcessContext<string>, out: Collector<{ key: string; count: number }>): void {
    const count = (this.#count.value() ?? 0) + 1;
    this.#count.update(count);
    out.collect({ key: ctx.getCurrentKey(), count });
  }
}

/** Keeps the highest record number of each key. */
class HighestPerKey extends KeyedProcessFunction<string, Tick, { key: string; count: number }> {
  #highest!: ValueState<number>;
  override open(): void {
    this.#highest = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('highest', Types.number));
  }
  processElement(tick: Tick, ctx: KeyedProcessContext<string>, out: Collector<{ key: string; count: number }>): void {
    const highest = Math.max(this.#highest.value() ?? -1, tick.i);
    this.#highest.update(highest);
    out.collect({ key: ctx.getCurrentKey(), count: highest });
  }
}

export const job = defineJob('upgrade-count', (env, params) => {
  const version = params.get('version', 'v1') as Version;
  if (!VERSIONS.includes(version)) throw new Error(`unknown version ${version}`);
  const uids = !version.startsWith('no-uids');
  const input = params.get('input', '');
  const ticks =
    input === ''
      ? env.fromSource(new DataGeneratorSource(tick, { count: params.getInt('count'), recordsPerSecond: params.getNumber('rate'), outputType: TickType }), 'ticks')
      : env.fromSource(
          new LogSource({
            path: input,
            format: (line) => tick(Number(line)),
            outputType: TickType,
            boundedness: params.get('bounded', 'false') === 'true' ? 'BOUNDED' : 'CONTINUOUS_UNBOUNDED',
            pollIntervalMs: 20,
          }),
          'ticks',
        );
  if (uids) ticks.uid('ticks');
  let records: DataStream<Tick> = ticks;
  if (version === 'with-map' || version === 'no-uids-with-map') {
    const normalized = ticks.map((t) => ({ key: t.key.trim(), i: t.i }), TickType).name('normalize');
    if (uids) normalized.uid('normalize');
    records = normalized;
  }
  const counts = records.keyBy((t) => t.key).process(new CountPerKey(), CountType).name('count');
  if (uids) counts.uid('count');
  const countSink = counts.sinkTo(new CollectSink('counts', { upsertKey: (c) => c.key }));
  if (uids) countSink.uid('counts');
  // Run with the weir command, the counts are printed too: `count:<subtask>> <key>=<count>`.
  if (params.get('print', 'false') === 'true') counts.map((c) => `${c.key}=${c.count}`, Types.string).uid('format').print('count').uid('print');
  if (version !== 'without-audit') {
    const audit = records.keyBy((t) => t.key).process(new HighestPerKey(), CountType).name('audit');
    if (uids) audit.uid('audit');
    const auditSink = audit.sinkTo(new CollectSink('audit', { upsertKey: (c) => c.key }));
    if (uids) auditSink.uid('audit-sink');
  }
});
