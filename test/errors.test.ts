/**
 * @module Failures a user can cause, run through the `weir` command as a user would: each gives one
 * clear message naming where (operator name and uid, subtask, option), no stack dump, a non-zero exit,
 * and no hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { weir, type Outcome } from './support/run-command.ts';

const JOBS = fileURLToPath(new URL('./jobs/failing-jobs.ts', import.meta.url));

function assertNoStack(outcome: Outcome): void {
  assert.doesNotMatch(outcome.stderr, /^\s+at /m, `stack trace printed:\n${outcome.stderr}`);
  assert.doesNotMatch(outcome.stderr, /internal error/);
}

test('a user function that throws fails the job with one error naming the operator, its uid, the subtask and the cause', async () => {
  const outcome = await weir('run', '-p', '2', '--job', 'throwingMap', JOBS);
  assert.equal(outcome.code, 1);
  assert.match(outcome.stderr, /^error: operator 'explode' \(uid explode-uid\) subtask [12]\/2 failed in map\(\): RangeError: cannot handle 777$/m);
  assert.equal(outcome.stderr.match(/^error:/gm)?.length, 1);
  assert.match(outcome.stderr, /thrown at .*failing-jobs\.ts/);
  assertNoStack(outcome);
});

test('a key selector that returns undefined names the keyed operator and the subtask that saw the record', async () => {
  const outcome = await weir('run', '-p', '2', '--job', 'undefinedKey', JOBS);
  assert.equal(outcome.code, 1);
  assert.match(outcome.stderr, /key selector of keyBy\(\) into operator 'latest' \(uid latest-uid\), at .* returned an invalid key: the key is undefined/);
  assertNoStack(outcome);
});

test('an invalid option names the option, the value and what is accepted', async () => {
  const outcome = await weir('run', '--job', 'badParallelism', JOBS);
  assert.equal(outcome.code, 1);
  assert.match(outcome.stderr, /invalid value for option 'parallelism' \(env\.setParallelism\(\)\): 0; accepted: an integer from 1 to 32768/);
  assertNoStack(outcome);

  const cli = await weir('run', '-p', 'many', '--job', 'throwingMap', JOBS);
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /invalid value for option '--parallelism': 'many'; accepted: an integer/);
});

test('a job file that exports no job says so and how to export one', async () => {
  const outcome = await weir('run', fileURLToPath(new URL('./jobs/no-job.ts', import.meta.url)));
  assert.equal(outcome.code, 1);
  assert.match(outcome.stderr, /job file .*no-job\.ts exports no job/);
  assert.match(outcome.stderr, /defineJob/);
  assertNoStack(outcome);
});

test('a job file that does not exist is reported by name', async () => {
  const outcome = await weir('plan', 'does/not/exist.ts');
  assert.equal(outcome.code, 1);
  assert.match(outcome.stderr, /job file not found: does\/not\/exist\.ts/);
});

test('a graph with a cycle is rejected with the operators on the cycle', async () => {
  const outcome = await weir('plan', '--job', 'cycle', JOBS);
  assert.equal(outcome.code, 1);
  assert.match(outcome.stderr, /the job graph has a cycle: 'a' -> 'b' -> 'a'/);
  assertNoStack(outcome);
});

test('a worker thread that dies tears the job down and the process exits non-zero', async () => {
  const outcome = await weir('run', '-p', '2', '--job', 'workerExit', JOBS);
  assert.equal(outcome.code, 1);
  assert.match(outcome.stderr, /the worker thread of slot \d exited unexpectedly with code 7/);
});

test('an exception outside any operator call still fails the job instead of hanging', async () => {
  const outcome = await weir('run', '-p', '2', '--job', 'stray', JOBS);
  assert.equal(outcome.code, 1);
  assert.match(outcome.stderr, /stray failure/);
});
