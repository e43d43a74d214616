/**
 * @module What a finished job returns: runtime, per-subtask record counts and the results its
 * coordinators published (e.g. a CollectSink's records, by the sink's name).
 */
import { WeirError } from '../core/errors.ts';
import type { JobId } from '../core/ids.ts';
import type { TaskReport } from '../runtime/stream-task.ts';

export class JobExecutionResult {
  readonly jobId: JobId;
  readonly jobName: string;
  /** Wall time from submission to the last task's end, in ms. */
  readonly netRuntimeMs: number;
  readonly tasks: readonly TaskReport[];
  /**
   * From submission until every task of the (last) attempt was running: loading the job, starting
   * the worker threads, opening operators and restoring state. `netRuntimeMs - startupMs` is the
   * time spent processing.
   */
  readonly startupMs: number;
  readonly #results: ReadonlyMap<string, unknown>;

  constructor(jobId: JobId, jobName: string, netRuntimeMs: number, tasks: readonly TaskReport[], results: ReadonlyMap<string, unknown>, startupMs = 0) {
    this.jobId = jobId;
    this.jobName = jobName;
    this.netRuntimeMs = netRuntimeMs;
    this.tasks = tasks;
    this.#results = results;
    this.startupMs = startupMs;
  }

  /** The records a CollectSink named `name` received, in subtask order. */
  getCollected<T>(name: string | { readonly name: string }): T[] {
    const key = typeof name === 'string' ? name : name.name;
    if (!this.#results.has(key)) {
      throw new WeirError('INVALID_OPTION', `job '${this.jobName}' has no collect sink named '${key}'`, {
        hint: `known: ${[...this.#results.keys()].map((k) => `'${k}'`).join(', ') || 'none'}`,
      });
    }
    return this.#results.get(key) as T[];
  }

  /** Records read by the vertex's subtasks, summed (a source counts what it emitted). */
  recordsIn(vertexId: string): number {
    return this.tasks.filter((t) => t.vertexId === vertexId).reduce((sum, t) => sum + t.recordsIn, 0);
  }
}
