/**
 * @module An unbounded job: it ends only when cancelled.
 */
import { DataGeneratorSource, Types, defineJob } from 'weir';

export const job = defineJob('endless', (env) => {
  env
    .fromSource(new DataGeneratorSource((i) => i, { recordsPerSecond: 2000, outputType: Types.number }), 'ticks')
    .keyBy((i) => i % 10)
    .sum()
    .uid('sum')
    .filter(() => false)
    .print();
});
