/**
 * @module Flink's CompletedOperationCache: asynchronous operations (savepoints, stops with savepoint)
 * by trigger id, in progress or with their result, kept for `rest.async.store-duration` (5 min) after
 * they end so a client can poll `GET /jobs/:jobid/savepoints/:triggerid`.
 */
import { randomBytes } from 'node:crypto';
import { WeirError } from '../core/errors.ts';

/** Flink's answer for an asynchronous operation: `{ status: { id }, operation? }`. */
export type OperationResult =
  | { readonly status: { readonly id: 'IN_PROGRESS' } }
  | { readonly status: { readonly id: 'COMPLETED' }; readonly operation: { readonly location: string } }
  | { readonly status: { readonly id: 'COMPLETED' }; readonly operation: { readonly 'failure-cause': FailureCause } };

/** Why an operation failed: the error's class, code, message and what to do. */
export interface FailureCause {
  readonly class: string;
  readonly code?: string | undefined;
  readonly message: string;
  readonly hint?: string | undefined;
}

const STORE_DURATION_MS = 5 * 60_000;

export class OperationCache {
  readonly #operations = new Map<string, { readonly jobId: string; result: OperationResult }>();
  readonly #storeDurationMs: number;

  constructor(storeDurationMs = STORE_DURATION_MS) {
    this.#storeDurationMs = storeDurationMs;
  }

  /** Registers an operation of `jobId` that `run` performs (resolving with a location); returns its trigger id. */
  start(jobId: string, run: () => Promise<string>): string {
    const triggerId = randomBytes(16).toString('hex');
    const entry: { readonly jobId: string; result: OperationResult } = { jobId, result: { status: { id: 'IN_PROGRESS' } } };
    this.#operations.set(triggerId, entry);
    const done = (result: OperationResult): void => {
      entry.result = result;
      setTimeout(() => this.#operations.delete(triggerId), this.#storeDurationMs).unref();
    };
    run().then(
      (location) => done({ status: { id: 'COMPLETED' }, operation: { location } }),
      (error: unknown) => done({ status: { id: 'COMPLETED' }, operation: { 'failure-cause': failureCause(error) } }),
    );
    return triggerId;
  }

  /** The operation's state, or undefined when `triggerId` is unknown for `jobId` (or expired). */
  get(jobId: string, triggerId: string): OperationResult | undefined {
    const entry = this.#operations.get(triggerId);
    return entry?.jobId === jobId ? entry.result : undefined;
  }
}

export function failureCause(error: unknown): FailureCause {
  if (error instanceof WeirError) return { class: error.name, code: error.code, message: error.message, hint: error.hint };
  if (error instanceof Error) return { class: error.name, message: error.message };
  return { class: 'Error', message: String(error) };
}
