/**
 * @module A job for the slot memory option: it reports the resource limits of the worker thread each
 * subtask runs in.
 */
import { resourceLimits } from 'node:worker_threads';
import { CollectSink, Types, defineJob } from 'weir';

export const limitsJob = defineJob('slot-limits', (env) => {
  env
    .fromData(0, 1, 2, 3)
    .rebalance()
    .map(() => ({ young: resourceLimits.maxYoungGenerationSizeMb ?? -1, old: resourceLimits.maxOldGenerationSizeMb ?? -1 }), Types.object({ young: Types.number, old: Types.number }))
    .sinkTo(new CollectSink('limits'));
});
