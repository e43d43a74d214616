/**
 * @module The lifecycle of a task as a state machine: one status union and one table of allowed moves.
 */
import { WeirError } from '../core/errors.ts';

export type TaskStatus = 'CREATED' | 'INITIALIZING' | 'RUNNING' | 'FINISHING' | 'FINISHED' | 'FAILED' | 'CANCELED';

const allowed: Record<TaskStatus, readonly TaskStatus[]> = {
  CREATED: ['INITIALIZING', 'FAILED', 'CANCELED'],
  INITIALIZING: ['RUNNING', 'FAILED', 'CANCELED'],
  RUNNING: ['FINISHING', 'FAILED', 'CANCELED'],
  FINISHING: ['FINISHED', 'FAILED', 'CANCELED'],
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
