/**
 * @module A keyed count whose state type changes between versions (`--version`), for the upgrade
 * suite's schema-evolution cases: `v1` keeps `{ count, last }` per key; `fields-changed` removes
 * `last` and adds `first` (a compatible change: restored values get `first: 0`); `type-changed`
 * declares `count` as a string (incompatible).
 */
import { CollectSink, DataGeneratorSource, KeyedProcessFunction, Types, ValueStateDescriptor, defineJob } from 'weir';
import type { Collector, KeyedProcessContext, TypeSerializer, ValueState } from 'weir';
import { tick, type Tick } from './upgrade-count-job.ts';

export const SCHEMA_VERSIONS = ['v1', 'fields-changed', 'type-changed'] as const;
type SchemaVersion = (typeof SCHEMA_VERSIONS)[number];

const StatsV1 = Types.object({ count: Types.number, last: Types.string });
const StatsFieldsChanged = Types.object({ count: Types.number, first: Types.number });
const StatsTypeChanged = Types.object({ count: Types.string, last: Types.string });

/** Counts per key in a `Types.object` value state named 'stats', whose declared type depends on the version. */
class CountWithStats extends KeyedProcessFunction<string, Tick, { key: string; count: number }> {
  readonly #version: SchemaVersion;
  #stats!: ValueState<Record<string, unknown>>;
  constructor(version: SchemaVersion) {
    super();
    this.#version = version;
  }
  override open(): void {
    const type = { v1: StatsV1, 'fields-changed': StatsFieldsChanged, 'type-changed': StatsTypeChanged }[this.#version] as TypeSerializer<unknown>;
    this.#stats = this.getRuntimeContext().getState(new ValueStateDescriptor<Record<string, unknown>>('stats', type as TypeSerializer<Record<string, unknown>>));
  }
  processElement(t: Tick, ctx: KeyedProcessContext<string>, out: Collector<{ key: string; count: number }>): void {
    const stats = this.#stats.value();
    const count = Number(stats?.['count'] ?? 0) + 1;
    switch (this.#version) {
      case 'v1':
        this.#stats.update({ count, last: `#${t.i}` });
        break;
      case 'fields-changed':
        // A restored value has first = 0 (its type's default): the field did not exist before.
        this.#stats.update({ count, first: stats === undefined ? t.i : stats['first'] });
        break;
      case 'type-changed':
        this.#stats.update({ count: String(count), last: `#${t.i}` });
        break;
    }
    out.collect({ key: ctx.getCurrentKey(), count });
  }
}

export const job = defineJob('upgrade-schema', (env, params) => {
  const version = params.get('version', 'v1') as SchemaVersion;
  if (!SCHEMA_VERSIONS.includes(version)) throw new Error(`unknown version ${version}`);
  env
    .fromSource(
      new DataGeneratorSource(tick, { count: params.getInt('count'), recordsPerSecond: params.getNumber('rate'), outputType: Types.object({ key: Types.string, i: Types.number }) }),
      'ticks',
    )
    .uid('ticks')
    .keyBy((t) => t.key)
    .process(new CountWithStats(version), Types.object({ key: Types.string, count: Types.number }))
    .name('count-with-stats')
    .uid('count-with-stats')
    .sinkTo(new CollectSink('counts', { upsertKey: (c) => c.key }))
    .uid('counts');
});
