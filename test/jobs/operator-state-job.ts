/**
 * @module Operator state of a user function (CheckpointedFunction): each map subtask counts the
 * records it saw in a split list state; on a restore at another parallelism the counts are spread
 * over the new subtasks, so their sum still equals every record seen.
 */
import { CollectSink, DataGeneratorSource, ListStateDescriptor, RichMapFunction, Types, defineJob } from 'weir';
import type { CheckpointedFunction, FunctionInitializationContext, ListState } from 'weir';

/** `[subtask, records seen, parallelism]`: the parallelism tells rows of a restored run from older ones. */
class CountSeen extends RichMapFunction<number, [number, number, number]> implements CheckpointedFunction {
  #state!: ListState<number>;
  #seen = 0;

  initializeState(context: FunctionInitializationContext): void {
    this.#state = context.getOperatorStateStore().getListState(new ListStateDescriptor<number>('seen', Types.number));
    for (const count of this.#state.get()) this.#seen += count;
  }

  snapshotState(): void {
    this.#state.update([this.#seen]);
  }

  map(): [number, number, number] {
    this.#seen++;
    const info = this.getRuntimeContext().getTaskInfo();
    return [info.indexOfThisSubtask, this.#seen, info.numberOfParallelSubtasks];
  }
}

export const job = defineJob('operator-state', (env, params) => {
  env.enableCheckpointing(100);
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
  env
    .fromSource(new DataGeneratorSource((i) => i, { count: params.getInt('count'), recordsPerSecond: params.getNumber('rate'), outputType: Types.number }), 'numbers')
    .uid('numbers')
    .map(new CountSeen(), Types.tuple(Types.number, Types.number, Types.number))
    .uid('count-seen')
    .sinkTo(new CollectSink<[number, number, number]>('seen', { upsertKey: ([subtask]) => subtask }));
});
