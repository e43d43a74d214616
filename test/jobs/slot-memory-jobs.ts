/**
 * @module Jobs for the slot memory options: one reports the resource limits of the worker thread each
 * subtask runs in; one keeps a growing list in keyed state until its slot's heap is full.
 */
import { resourceLimits } from 'node:worker_threads';
import { CollectSink, DataGeneratorSource, KeyedProcessFunction, Types, ValueStateDescriptor, defineJob, type Collector, type KeyedProcessContext, type ValueState } from 'weir';

export const limitsJob = defineJob('slot-limits', (env) => {
  env
    .fromData(0, 1, 2, 3)
    .rebalance()
    .map(() => ({ young: resourceLimits.maxYoungGenerationSizeMb ?? -1, old: resourceLimits.maxOldGenerationSizeMb ?? -1 }), Types.object({ young: Types.number, old: Types.number }))
    .sinkTo(new CollectSink('limits'));
});

/** Appends 1 KB strings to one key's list: about 1 GB over the input, more than a 64 MB heap holds. */
class Hoard extends KeyedProcessFunction<number, number, number> {
  #list!: ValueState<string[]>;

  override open(): void {
    this.#list = this.getRuntimeContext().getState(new ValueStateDescriptor('hoard', Types.array(Types.string)));
  }

  processElement(value: number, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    const list = this.#list.value() ?? [];
    list.push(`${value}:${'x'.repeat(1000)}`);
    this.#list.update(list);
    out.collect(list.length);
  }
}

export const hoardJob = defineJob('slot-hoard', (env) => {
  env
    .fromSource(new DataGeneratorSource((index) => index, { count: 1_000_000, outputType: Types.number }), 'numbers')
    .uid('numbers')
    .keyBy(() => 0)
    .process(new Hoard(), Types.number)
    .uid('hoard')
    .sinkTo(new CollectSink('sizes'));
});
