/**
 * @module The lifecycle of a job as a state machine (Flink's JobStatus names): one union, one table.
 */
import { WeirError } from '../core/errors.ts';

export type JobStatus = 'INITIALIZING' | 'CREATED' | 'RUNNING' | 'RESTARTING' | 'FAILING' | 'FAILED' | 'CANCELLING' | 'CANCELED' | 'FINISHED';

const allowed: Record<JobStatus, readonly JobStatus[]> = {
  INITIALIZING: ['CREATED', 'FAILED', 'CANCELED'],
  CREATED: ['RUNNING', 'FAILING', 'CANCELLING'],
  RUNNING: ['FINISHED', 'FAILING', 'CANCELLING', 'RESTARTING'],
  RESTARTING: ['RUNNING', 'FAILING', 'CANCELLING'],
  FAILING: ['FAILED'],
  CANCELLING: ['CANCELED', 'FAILED'],
  FAILED: [],
  CANCELED: [],
  FINISHED: [],
};

export function isGloballyTerminal(status: JobStatus): boolean {
  return allowed[status].length === 0;
}

export function canMove(from: JobStatus, to: JobStatus): boolean {
  return allowed[from].includes(to);
}

export function moveJob(from: JobStatus, to: JobStatus, job: string): JobStatus {
  if (!canMove(from, to)) throw new WeirError('INTERNAL', `job ${job}: illegal status change ${from} -> ${to}`);
  return to;
}
