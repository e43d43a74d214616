/**
 * @module Why a checkpoint failed (Flink's CheckpointFailureReason names) and which reasons count towards
 * `tolerable-failed-checkpoints`: one table.
 */

/** Why a pending checkpoint was aborted or a trigger refused. */
export type CheckpointFailureReason =
  /** A task declined (its snapshot failed). */
  | 'CHECKPOINT_DECLINED'
  /** Not complete within `execution.checkpointing.timeout`. */
  | 'CHECKPOINT_EXPIRED'
  /** A newer checkpoint completed first. */
  | 'CHECKPOINT_SUBSUMED'
  /** The storage could not create the checkpoint's location. */
  | 'IO_EXCEPTION'
  /** Sending the trigger to the tasks failed. */
  | 'TRIGGER_CHECKPOINT_FAILURE'
  /** Writing `_metadata` (or assembling it) failed. */
  | 'FINALIZE_CHECKPOINT_FAILURE'
  /** The coordinator shut down (job ended). */
  | 'CHECKPOINT_COORDINATOR_SHUTDOWN'
  /** The job is failing over; the tasks that would acknowledge are gone. */
  | 'JOB_FAILOVER_REGION'
  /** A manual trigger found `max-concurrent-checkpoints` checkpoints in progress. */
  | 'TOO_MANY_CHECKPOINT_REQUESTS'
  /** A manual trigger came sooner than `min-pause` after the last checkpoint ended. */
  | 'MINIMUM_TIME_BETWEEN_CHECKPOINTS'
  /** Some task has finished (its bounded input ended), so it cannot take part any more. */
  | 'NOT_ALL_REQUIRED_TASKS_RUNNING';

// Failures the job causes count; the coordinator's own housekeeping does not (as in Flink's
// CheckpointFailureManager).
const reasons: Record<CheckpointFailureReason, { readonly counts: boolean; readonly text: string }> = {
  CHECKPOINT_DECLINED: { counts: true, text: 'a task declined the checkpoint' },
  CHECKPOINT_EXPIRED: { counts: true, text: 'the checkpoint expired before completing' },
  CHECKPOINT_SUBSUMED: { counts: false, text: 'a newer checkpoint completed first' },
  IO_EXCEPTION: { counts: true, text: 'the checkpoint storage could not create the location' },
  TRIGGER_CHECKPOINT_FAILURE: { counts: true, text: 'triggering the tasks failed' },
  FINALIZE_CHECKPOINT_FAILURE: { counts: true, text: 'writing the checkpoint metadata failed' },
  CHECKPOINT_COORDINATOR_SHUTDOWN: { counts: false, text: 'the checkpoint coordinator shut down' },
  JOB_FAILOVER_REGION: { counts: false, text: 'the job is failing over' },
  TOO_MANY_CHECKPOINT_REQUESTS: { counts: false, text: 'the maximum number of concurrent checkpoints is in progress' },
  NOT_ALL_REQUIRED_TASKS_RUNNING: { counts: false, text: 'not all tasks are running (some finished their input)' },
  MINIMUM_TIME_BETWEEN_CHECKPOINTS: { counts: false, text: 'the minimum pause since the last checkpoint has not passed' },
};

/** True when the reason counts towards `execution.checkpointing.tolerable-failed-checkpoints`. */
export function countsTowardsTolerableFailures(reason: CheckpointFailureReason): boolean {
  return reasons[reason].counts;
}

/** A short human description of the reason. */
export function describeFailureReason(reason: CheckpointFailureReason): string {
  return reasons[reason].text;
}
