import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, RetriesExhausted, retryWithBackoff } from './retry-with-backoff.ts';

const transient = new Error('connection refused');
const permanent = new Error('no such table');
const isRetriable = (error: unknown): boolean => error === transient;

test('retries a retriable failure with doubling waits, then gives up with the attempt count and the last cause', async () => {
  const waits: number[] = [];
  let attempts = 0;
  const outcome = retryWithBackoff({ maxRetries: 3, backoffMs: 100 }, isRetriable, async () => {
    attempts++;
    throw transient;
  }, async (ms) => {
    waits.push(ms);
  });
  await assert.rejects(outcome, (error: RetriesExhausted) => error instanceof RetriesExhausted && error.attempts === 4 && error.cause === transient);
  assert.equal(attempts, 4);
  assert.deepEqual(waits, [100, 200, 400]);
});

test('a failure retrying cannot fix is thrown at once, and a later success ends the retries', async () => {
  let attempts = 0;
  await assert.rejects(
    retryWithBackoff({ maxRetries: 5, backoffMs: 1 }, isRetriable, async () => {
      attempts++;
      throw permanent;
    }),
    (error) => error === permanent,
  );
  assert.equal(attempts, 1);
  const result = await retryWithBackoff({ maxRetries: 5, backoffMs: 1 }, isRetriable, async (attempt) => {
    if (attempt < 2) throw transient;
    return attempt;
  });
  assert.equal(result, 2);
});

test('waits are capped at a minute', () => {
  assert.equal(backoffDelay({ maxRetries: 100, backoffMs: 1000 }, 30), 60_000);
});
