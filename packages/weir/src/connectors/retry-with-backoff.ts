/**
 * @module Retrying an action with exponential backoff: `backoffMs`, then twice that, and so on (at most a
 * minute apart), `maxRetries` times; errors that retrying cannot help are thrown at once.
 */

export interface RetryPolicy {
  readonly maxRetries: number;
  readonly backoffMs: number;
}

/** What the last attempt threw, and how many attempts there were. */
export class RetriesExhausted extends Error {
  readonly attempts: number;

  constructor(attempts: number, cause: unknown) {
    super(`failed after ${attempts} attempt${attempts === 1 ? '' : 's'}`, { cause });
    this.name = 'RetriesExhausted';
    this.attempts = attempts;
  }
}

const MAX_DELAY_MS = 60_000;

/** The wait before retry `retry` (0-based). */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  return Math.min(MAX_DELAY_MS, policy.backoffMs * 2 ** retry);
}

/**
 * Runs `action` until it resolves. An error `isRetriable` accepts is retried after a backoff while
 * retries are left, then thrown wrapped in RetriesExhausted; any other error is thrown as it is.
 */
export async function retryWithBackoff<R>(
  policy: RetryPolicy,
  isRetriable: (error: unknown) => boolean,
  action: (attempt: number) => Promise<R>,
  sleep: (ms: number) => Promise<void> = defaultSleep,
): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await action(attempt);
    } catch (error) {
      if (!isRetriable(error)) throw error;
      if (attempt >= policy.maxRetries) throw new RetriesExhausted(attempt + 1, error);
      await sleep(backoffDelay(policy, attempt));
    }
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
