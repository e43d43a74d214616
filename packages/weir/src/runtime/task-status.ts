/**
 * @module The lifecycle of a task as a state machine: one status union and one table of allowed moves.
 */
import { WeirError } from '../core/errors.ts';

/**
 * FINISHING: the operators finish (end of input) or close (after the final checkpoint).
 * WAITING_FOR_FINAL_CHECKPOINT: with checkpointing on, a task whose input ended and whose operators
 * finished waits, operators open, until the job's final checkpoint completed; it takes part in that
 * checkpoint and is told of its completion (a two-phase-commit sink commits then), then closes.
 */
export type TaskStatus = 'CREATED' | 'INITIALIZING' | 'RUNNING' | 'FINISHING' | 'WAITING_FOR_FINAL_CHECKPOINT' | 'FINISHED' | 'FAILED' | 'CANCELED';

const allowed: Record<TaskStatus, readonly TaskStatus[]> = {
  CREATED: ['INITIALIZING', 'FAILED', 'CANCELED'],
  INITIALIZING: ['RUNNING', 'FAILED', 'CANCELED'],
  RUNNING: ['FINISHING', 'FAILED', 'CANCELED'],
  FINISHING: ['WAITING_FOR_FINAL_CHECKPOINT', 'FINISHED', 'FAILED', 'CANCELED'],
  WAITING_FOR_FINAL_CHECKPOINT: ['FINISHING', 'FAILED', 'CANCELED'],
  FINISHED: [],
  FAILED: [],
  CANCELED: [],
};

export function isTerminal(status: TaskStatus): boolean {
  return allowed[status].length === 0;
}

/** Returns `to` if the move is allowed; throws INTERNAL otherwise (a bug, not bad input). */
export function transition(from: TaskStatus, to: TaskStatus, task: string): TaskStatus {
  if (!allowed[from].includes(to)) throw new WeirError('INTERNAL', `${task}: illegal status change ${from} -> ${to}`);
  return to;
}
