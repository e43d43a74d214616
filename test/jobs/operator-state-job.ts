/**
 * @module Operator state of a user function (CheckpointedFunction): each map subtask counts the
 * records it saw in a split list state; on a restore at another parallelism the counts are spread
 * over the new subtasks, so their sum still equals every record seen.
 */
import { CollectSink, DataGeneratorSource, ListStateDescriptor, RichMapFunction, Types, defineJob } from 'weir';
import type { CheckpointedFunction, FunctionInitializationContext, ListState } from 'weir';

class CountSeen extends RichMapFunction<number, [number, number]> implements CheckpointedFunction {
  #state!: ListState<number>;
  #seen = 0;

  initializeState(context: FunctionInitializationContext): void {
    this.#state = context.getOperatorStateStore().getListState(new ListStateDescriptor<number>('seen', Types.number));
    for (const count of this.#state.get()) this.#seen += count;
  }

  snapshotState(): void {
    this.#state.update([this.#seen]);
  }

  map(): [number, number] {
    this.#seen++;
    return [this.getRuntimeContext().getTaskInfo().indexOfThisSubtask, this.#seen];
  }
}

export const job = defineJob('operator-state', (env, params) => {
  env.enableCheckpointing(100);
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
  env
    .fromSource(new DataGeneratorSource((i) => i, { count: params.getInt('count'), recordsPerSecond: params.getNumber('rate'), outputType: Types.number }), 'numbers')
    .uid('numbers')
    .map(new CountSeen(), Types.tuple(Types.number, Types.number))
    .uid('count-seen')
    .sinkTo(new CollectSink<[number, number]>('seen', { upsertKey: ([subtask]) => subtask }));
});
