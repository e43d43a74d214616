/**
 * @module Tests of the restart and failover options: Flink's defaults and aliases, the rule for an unset
 * `restart-strategy.type`, and errors that name the offending key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Configuration } from '../core/configuration.ts';
import { WeirError } from '../core/errors.ts';
import {
  INTEGER_MAX_VALUE,
  RESTART_OPTIONS,
  RESTART_STRATEGY,
  readFailoverStrategy,
  readRestartStrategySettings,
} from './restart-strategy-options.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const settings = (entries: Record<string, unknown>, checkpointingEnabled = false): ReturnType<typeof readRestartStrategySettings> =>
  readRestartStrategySettings(Configuration.fromEntries(entries), { checkpointingEnabled });

function assertConfigInvalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof WeirError);
    assert.equal(error.code, 'CONFIG_INVALID');
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should mention ${fragment}`);
    return true;
  });
}

test('with restart-strategy.type unset, checkpointing on falls back to exponential-delay with its defaults', () => {
  assert.deepEqual(settings({}, true), {
    type: 'exponential-delay',
    initialBackoffMs: 1 * SECOND,
    maxBackoffMs: 1 * MINUTE,
    backoffMultiplier: 1.5,
    resetBackoffThresholdMs: 1 * HOUR,
    jitterFactor: 0.1,
    attemptsBeforeResetBackoff: INTEGER_MAX_VALUE,
  });
});

test('with restart-strategy.type unset, checkpointing off falls back to no restarts', () => {
  assert.deepEqual(settings({}, false), { type: 'none', reason: 'checkpointing-disabled' });
});

test('the fallback ignores exponential-delay settings, as Flink does, until the type is set', () => {
  const entries = { 'restart-strategy.exponential-delay.initial-backoff': '5 s', 'restart-strategy.exponential-delay.max-backoff': '2 min' };
  const fallback = settings(entries, true);
  assert.equal(fallback.type === 'exponential-delay' && fallback.initialBackoffMs, 1 * SECOND);
  const configured = settings({ ...entries, 'restart-strategy.type': 'exponential-delay' }, false);
  assert.equal(configured.type === 'exponential-delay' && configured.initialBackoffMs, 5 * SECOND);
  assert.equal(configured.type === 'exponential-delay' && configured.maxBackoffMs, 2 * MINUTE);
});

test('a configured restart strategy applies whether checkpointing is on or off', () => {
  for (const checkpointingEnabled of [true, false]) {
    assert.deepEqual(settings({ 'restart-strategy.type': 'none' }, checkpointingEnabled), { type: 'none', reason: 'configured' });
    assert.deepEqual(settings({ 'restart-strategy.type': 'fixed-delay' }, checkpointingEnabled), { type: 'fixed-delay', attempts: 1, delayMs: 1 * SECOND });
  }
});

test("Flink's aliases of the restart strategy names are accepted in any case", () => {
  const cases: [string, string][] = [
    ['none', 'none'],
    ['off', 'none'],
    ['Disable', 'none'],
    ['fixed-delay', 'fixed-delay'],
    ['FIXEDDELAY', 'fixed-delay'],
    ['failure-rate', 'failure-rate'],
    ['failurerate', 'failure-rate'],
    ['exponential-delay', 'exponential-delay'],
    ['ExponentialDelay', 'exponential-delay'],
  ];
  for (const [raw, expected] of cases) {
    assert.equal(Configuration.fromEntries({ 'restart-strategy.type': raw }).get(RESTART_STRATEGY), expected, raw);
  }
});

test('fixed-delay and failure-rate read their own keys, with durations in Flink notation', () => {
  assert.deepEqual(
    settings({ 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': '3', 'restart-strategy.fixed-delay.delay': '10 s' }),
    { type: 'fixed-delay', attempts: 3, delayMs: 10 * SECOND },
  );
  assert.deepEqual(
    settings({
      'restart-strategy': {
        type: 'failure-rate',
        'failure-rate': { 'max-failures-per-interval': 5, 'failure-rate-interval': '5 min', delay: '500 ms' },
      },
    }),
    { type: 'failure-rate', maxFailuresPerInterval: 5, failureRateIntervalMs: 5 * MINUTE, delayMs: 500 },
  );
  assert.deepEqual(settings({ 'restart-strategy.type': 'failure-rate' }), {
    type: 'failure-rate',
    maxFailuresPerInterval: 1,
    failureRateIntervalMs: 1 * MINUTE,
    delayMs: 1 * SECOND,
  });
});

test('exponential-delay reads fractional multipliers and jitter factors from strings and numbers', () => {
  const read = settings({
    'restart-strategy.type': 'exponentialdelay',
    'restart-strategy.exponential-delay.backoff-multiplier': '2.5',
    'restart-strategy.exponential-delay.jitter-factor': 0,
    'restart-strategy.exponential-delay.reset-backoff-threshold': '10 min',
    'restart-strategy.exponential-delay.attempts-before-reset-backoff': 4,
  });
  assert.ok(read.type === 'exponential-delay');
  assert.equal(read.backoffMultiplier, 2.5);
  assert.equal(read.jitterFactor, 0);
  assert.equal(read.resetBackoffThresholdMs, 10 * MINUTE);
  assert.equal(read.attemptsBeforeResetBackoff, 4);
});

test('a bad value is CONFIG_INVALID naming its key and what is accepted', () => {
  assertConfigInvalid(() => settings({ 'restart-strategy.type': 'sometimes' }), "'restart-strategy.type'", "'sometimes'", 'fixeddelay');
  assertConfigInvalid(
    () => settings({ 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 'three' }),
    "'restart-strategy.fixed-delay.attempts'",
    'an integer',
  );
  assertConfigInvalid(
    () => settings({ 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.delay': '1 fortnight' }),
    "'restart-strategy.fixed-delay.delay'",
  );
  assertConfigInvalid(
    () => settings({ 'restart-strategy.type': 'failure-rate', 'restart-strategy.failure-rate.max-failures-per-interval': 0 }),
    "'restart-strategy.failure-rate.max-failures-per-interval'",
    'an integer from 1',
  );
  assertConfigInvalid(
    () => settings({ 'restart-strategy.type': 'exponential-delay', 'restart-strategy.exponential-delay.backoff-multiplier': '1' }),
    "'restart-strategy.exponential-delay.backoff-multiplier'",
    'greater than 1',
  );
  assertConfigInvalid(
    () => settings({ 'restart-strategy.type': 'exponential-delay', 'restart-strategy.exponential-delay.backoff-multiplier': 'double' }),
    "'restart-strategy.exponential-delay.backoff-multiplier'",
  );
  assertConfigInvalid(
    () => settings({ 'restart-strategy.type': 'exponential-delay', 'restart-strategy.exponential-delay.jitter-factor': 1.5 }),
    "'restart-strategy.exponential-delay.jitter-factor'",
    'at most 1',
  );
  assertConfigInvalid(() => readFailoverStrategy(Configuration.fromEntries({ 'jobmanager.execution.failover-strategy': 'partial' })), "'jobmanager.execution.failover-strategy'", "'region'");
});

test('an initial backoff longer than the maximum is CONFIG_INVALID naming both keys', () => {
  assertConfigInvalid(
    () =>
      settings({
        'restart-strategy.type': 'exponential-delay',
        'restart-strategy.exponential-delay.initial-backoff': '2 min',
        'restart-strategy.exponential-delay.max-backoff': '1 min',
      }),
    "'restart-strategy.exponential-delay.initial-backoff' (2 min)",
    "'restart-strategy.exponential-delay.max-backoff' (1 min)",
  );
});

test('the failover strategy is region by default and full when configured', () => {
  assert.equal(readFailoverStrategy(new Configuration()), 'region');
  assert.equal(readFailoverStrategy(Configuration.fromEntries({ jobmanager: { execution: { 'failover-strategy': 'Full' } } })), 'full');
});

test('RESTART_OPTIONS covers every restart key, so only a misspelt one is unknown', () => {
  const config = Configuration.fromEntries({
    'restart-strategy.type': 'fixed-delay',
    'restart-strategy.fixed-delay.attempts': 3,
    'restart-strategy.fixed-delay.delay': '1 s',
    'restart-strategy.failure-rate.max-failures-per-interval': 1,
    'restart-strategy.failure-rate.failure-rate-interval': '1 min',
    'restart-strategy.failure-rate.delay': '1 s',
    'restart-strategy.exponential-delay.initial-backoff': '1 s',
    'restart-strategy.exponential-delay.max-backoff': '1 min',
    'restart-strategy.exponential-delay.backoff-multiplier': 1.5,
    'restart-strategy.exponential-delay.reset-backoff-threshold': '1 h',
    'restart-strategy.exponential-delay.jitter-factor': 0.1,
    'restart-strategy.exponential-delay.attempts-before-reset-backoff': 10,
    'jobmanager.execution.failover-strategy': 'region',
    'restart-strategy.fixed-delay.atempts': 3,
  });
  assert.deepEqual(config.unknownKeys(RESTART_OPTIONS), ['restart-strategy.fixed-delay.atempts']);
});
