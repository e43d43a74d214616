/**
 * @module The job the REST suites submit to a running JobManager: DataGen (numbers 0, 1, 2, ...,
 * rate-limited; unbounded unless `--count` is given) -> filter (every third) -> keyBy -> sum -> a sink
 * that prints nothing. Checkpointing every `--interval` ms (default 200) when `--checkpointing` is true.
 */
import { DataGeneratorSource, Types, defineJob } from 'weir';

/** Whether record `i` passes the filter. */
export function passes(i: number): boolean {
  return i % 3 === 0;
}

export const job = defineJob('rest-count', (env, params) => {
  if (params.getBoolean('checkpointing', true)) env.enableCheckpointing(params.getInt('interval', 200));
  const count = params.has('count') ? params.getInt('count') : undefined;
  env
    .fromSource(new DataGeneratorSource((i) => i, { count, recordsPerSecond: params.getNumber('rate', 2000), outputType: Types.number }), 'numbers')
    .uid('numbers')
    .filter(passes)
    .uid('every-third')
    .keyBy((i) => i % 7)
    .sum()
    .uid('sum')
    .filter(() => false)
    .uid('drop')
    .print()
    .uid('print');
});
