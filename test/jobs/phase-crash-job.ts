/**
 * @module A checkpointed keyed count whose map kills its worker thread, on the first attempt, inside
 * one phase of a checkpoint: `--crash-in snapshot` (its synchronous snapshot, after the barrier
 * reached it), `--crash-in async` (right after the synchronous phase, once the barrier went on, while
 * the asynchronous phase of the checkpoint runs) or `--crash-in notify` (when told the checkpoint
 * completed, before the other tasks are).
 */
import { CollectSink, DataGeneratorSource, ListStateDescriptor, RichMapFunction, Types, defineJob, randomInt } from 'weir';
import type { CheckpointListener, CheckpointedFunction, FunctionInitializationContext, ListState } from 'weir';

export function keyOf(i: number): string {
  return `p${randomInt(51, i, 25)}`;
}

class CrashInPhase extends RichMapFunction<number, { key: string; n: number }> implements CheckpointedFunction, CheckpointListener {
  readonly #phase: string;
  #seen!: ListState<number>;
  #checkpoints = 0;
  constructor(phase: string) {
    super();
    this.#phase = phase;
  }
  initializeState(context: FunctionInitializationContext): void {
    this.#seen = context.getOperatorStateStore().getListState(new ListStateDescriptor<number>('seen', Types.number));
  }
  snapshotState(): void {
    if (this.#phase === 'snapshot' && this.#checkpoints >= 2 && this.#crashes()) process.exit(1);
    if (this.#phase === 'async' && this.#checkpoints >= 2 && this.#crashes()) setImmediate(() => process.exit(1));
    this.#seen.update([this.#checkpoints]);
  }
  notifyCheckpointComplete(): void {
    this.#checkpoints++;
    if (this.#phase === 'notify' && this.#checkpoints >= 2 && this.#crashes()) process.exit(1);
  }
  map(i: number): { key: string; n: number } {
    return { key: keyOf(i), n: 1 };
  }
  #crashes(): boolean {
    const info = this.getRuntimeContext().getTaskInfo();
    return info.attemptNumber === 0 && info.indexOfThisSubtask === 0;
  }
}

export const job = defineJob('phase-crash', (env, params) => {
  env.enableCheckpointing(50);
  env
    .fromSource(new DataGeneratorSource((i) => i, { count: params.getInt('count'), recordsPerSecond: 30_000, outputType: Types.number }), 'numbers')
    .uid('numbers')
    .map(new CrashInPhase(params.getRequired('crash-in')), Types.object({ key: Types.string, n: Types.number }))
    .uid('crash-in-phase')
    .keyBy((r) => r.key)
    .sum('n')
    .uid('count')
    .sinkTo(new CollectSink('counts', { upsertKey: (r) => r.key }));
});
