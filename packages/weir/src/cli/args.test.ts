/**
 * @module Tests of the command-line parser: options before the job file are weir's, everything after
 * it is the job's, and unknown or incomplete options are reported with what is accepted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { parseCommand } from './args.ts';

// what `weir run` and `weir plan` accept (cli/main.ts)
const VALUED = ['-p', '--parallelism', '--job'];
const FLAGS = ['--json', '--help', '-h'];

test("options before the job file are weir's, with values given apart or after =", () => {
  const parsed = parseCommand(['-p', '4', '--job=hourly', '--json', 'jobs/views.ts'], VALUED, FLAGS);
  assert.deepEqual(parsed, { options: { '-p': '4', '--job': 'hourly', '--json': true }, jobFile: 'jobs/views.ts', jobArgs: [] });
});

test("everything after the job file belongs to the job, weir's own option names included", () => {
  const after = ['--input', 'data', '-p', '8', '--json', 'extra', '--unknown'];
  const parsed = parseCommand(['--parallelism', '2', 'job.ts', ...after], VALUED, FLAGS);
  assert.deepEqual(parsed.options, { '--parallelism': '2' });
  assert.equal(parsed.jobFile, 'job.ts');
  assert.deepEqual(parsed.jobArgs, after);
});

test('no arguments give no options, no job file and no job arguments', () => {
  assert.deepEqual(parseCommand([], VALUED, FLAGS), { options: {}, jobFile: undefined, jobArgs: [] });
});

test('a valued option keeps everything after the first = and may be empty', () => {
  assert.deepEqual(parseCommand(['--job=a=b', 'job.ts'], VALUED, FLAGS).options, { '--job': 'a=b' });
  assert.deepEqual(parseCommand(['--job=', 'job.ts'], VALUED, FLAGS).options, { '--job': '' });
});

test('an unknown option before the job file is an error that lists the accepted ones', () => {
  assert.throws(
    () => parseCommand(['--paralelism', '2', 'job.ts'], VALUED, FLAGS),
    (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.equal(error.code, 'INVALID_OPTION');
      assert.equal(error.message, "unknown option '--paralelism'");
      assert.equal(error.hint, `accepted: ${[...VALUED, ...FLAGS].join(', ')}`);
      return true;
    },
  );
});

test('the unknown-option error quotes the argument as given, value included', () => {
  assert.throws(() => parseCommand(['--rate=5', 'job.ts'], VALUED, FLAGS), (error: unknown) => error instanceof WeirError && error.message === "unknown option '--rate=5'");
});

test('a valued option at the end without its value is an error naming the option', () => {
  for (const option of VALUED) {
    assert.throws(
      () => parseCommand([option], VALUED, FLAGS),
      (error: unknown) => error instanceof WeirError && error.code === 'INVALID_OPTION' && error.message === `option ${option} needs a value`,
    );
  }
});

test('a flag takes no value: the next argument is the job file', () => {
  const parsed = parseCommand(['--json', 'job.ts', '--rate', '5'], VALUED, FLAGS);
  assert.deepEqual(parsed, { options: { '--json': true }, jobFile: 'job.ts', jobArgs: ['--rate', '5'] });
});
