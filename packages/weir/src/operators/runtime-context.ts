/**
 * @module The RuntimeContext a rich function sees, built from its operator's context.
 */
import { WeirError } from '../core/errors.ts';
import type { RuntimeContext, TaskInfo } from './functions.ts';
import type { StreamOperatorContext } from './stream-operator.ts';
import type { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';

/** A RuntimeContext for `context`; keyed state calls fail clearly when the operator is not keyed. */
export function createRuntimeContext(context: StreamOperatorContext): RuntimeContext {
  const taskInfo: TaskInfo = {
    taskName: context.name,
    taskNameWithSubtasks: `${context.name} (${context.subtaskIndex + 1}/${context.parallelism})`,
    indexOfThisSubtask: context.subtaskIndex,
    numberOfParallelSubtasks: context.parallelism,
    maxNumberOfParallelSubtasks: context.maxParallelism,
    attemptNumber: context.attemptNumber,
  };
  const backend = (): HeapKeyedStateBackend => {
    if (context.keyed === undefined) {
      throw new WeirError('STATE_ACCESS', `${context.description} asked for keyed state, but its input is not a KeyedStream`, {
        hint: 'keyed state is available only to functions applied after keyBy(); use operator state or keyBy first',
      });
    }
    return context.keyed.backend;
  };
  return {
    getTaskInfo: () => taskInfo,
    getJobInfo: () => ({ jobId: context.jobId, jobName: context.jobName }),
    getJobParameters: () => context.jobParameters,
    getState: (descriptor) => backend().getState(descriptor),
    getListState: (descriptor) => backend().getState(descriptor),
    getMapState: (descriptor) => backend().getState(descriptor),
    getReducingState: (descriptor) => backend().getState(descriptor),
    getAggregatingState: (descriptor) => backend().getState(descriptor),
  };
}
