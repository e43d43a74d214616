/**
 * @module Wrapping a user function's exception into the one error that names the operator, its uid,
 * the subtask and the cause. Errors already wrapped (thrown further down a chain) pass through.
 */
import { WeirError, describeCause } from '../core/errors.ts';

/** The error for a user function that threw inside `method` of the operator described by `where`. */
export function userFunctionFailed(where: string, method: string, cause: unknown): WeirError {
  if (cause instanceof WeirError) return cause;
  return new WeirError('USER_FUNCTION_FAILED', `${where} failed in ${method}: ${describeCause(cause)}`, {
    cause,
    retriable: true,
    hint: userFrame(cause),
  });
}

/** The first stack frame outside weir and node internals: where the user's code threw. */
function userFrame(cause: unknown): string | undefined {
  if (!(cause instanceof Error) || cause.stack === undefined) return undefined;
  for (const line of cause.stack.split('\n').slice(1)) {
    const frame = line.trim();
    if (frame.includes('/packages/weir/src/') || frame.includes('node:') || frame.includes('/node_modules/')) continue;
    return `thrown ${frame}`;
  }
  return undefined;
}
