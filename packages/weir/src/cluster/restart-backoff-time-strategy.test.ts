/**
 * @module Tests of the restart backoff time strategies driven by a ManualClock: how many restarts each
 * allows, the delays it asks for, exponential-delay's growth, reset and jitter, and the strategy the
 * configuration picks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { Configuration } from '../core/configuration.ts';
import { WeirError } from '../core/errors.ts';
import {
  ExponentialDelayRestartBackoffTimeStrategy,
  FailureRateRestartBackoffTimeStrategy,
  FixedDelayRestartBackoffTimeStrategy,
  NoRestartBackoffTimeStrategy,
  createRestartBackoffTimeStrategy,
} from './restart-backoff-time-strategy.ts';
import type { RandomSource, RestartBackoffTimeStrategy } from './restart-backoff-time-strategy.ts';
import type { ExponentialDelaySettings } from './restart-strategy-options.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const failure = new Error('boom');

const exponentialSettings = (overrides: Partial<ExponentialDelaySettings> = {}): ExponentialDelaySettings => ({
  initialBackoffMs: 1 * SECOND,
  maxBackoffMs: 10 * SECOND,
  backoffMultiplier: 2,
  resetBackoffThresholdMs: 1 * HOUR,
  jitterFactor: 0,
  attemptsBeforeResetBackoff: Number.POSITIVE_INFINITY,
  ...overrides,
});

/**
 * Reports a failure, checks that a restart is allowed and lets the clock run to the moment of the restart.
 * The next failure must come later than that: one at the restart's due time still belongs to it.
 */
function failAndRestart(strategy: RestartBackoffTimeStrategy, clock: ManualClock): number {
  strategy.notifyFailure(failure);
  assert.ok(strategy.canRestart(), `restart expected: ${strategy.describe()}`);
  const backoff = strategy.getBackoffTime();
  clock.advance(backoff);
  return backoff;
}

function assertInternal(fn: () => unknown): void {
  assert.throws(fn, (error: unknown) => error instanceof WeirError && error.code === 'INTERNAL');
}

test('no restart strategy refuses the first failure and says why', () => {
  const configured = new NoRestartBackoffTimeStrategy();
  configured.notifyFailure(failure);
  assert.equal(configured.canRestart(), false);
  assert.match(configured.whyNotRestartable(), /the restart strategy is 'none' \(restart-strategy\.type\)/);
  const fallback = new NoRestartBackoffTimeStrategy({ reason: 'checkpointing-disabled' });
  assert.match(fallback.whyNotRestartable(), /checkpointing is off.*set restart-strategy\.type or enable checkpointing/);
});

test('fixed delay allows exactly its number of restarts, each after the same delay', () => {
  const attempts = 3;
  const delayMs = 2 * SECOND;
  const strategy = new FixedDelayRestartBackoffTimeStrategy({ attempts, delayMs });
  assert.equal(strategy.describe(), 'fixed-delay (3 attempts, 2 s delay)');
  for (let restart = 1; restart <= attempts; restart++) {
    assert.equal(strategy.notifyFailure(failure), true);
    assert.equal(strategy.canRestart(), true, `restart ${restart}`);
    assert.equal(strategy.getBackoffTime(), delayMs);
    assertInternal(() => strategy.whyNotRestartable());
  }
  strategy.notifyFailure(failure);
  assert.equal(strategy.canRestart(), false);
  assert.equal(strategy.whyNotRestartable(), 'the fixed-delay restart strategy allows 3 restarts and all were used');
});

test('fixed delay with zero attempts fails the job on the first failure', () => {
  const strategy = new FixedDelayRestartBackoffTimeStrategy({ attempts: 0, delayMs: 0 });
  strategy.notifyFailure(failure);
  assert.equal(strategy.canRestart(), false);
  assert.equal(strategy.whyNotRestartable(), 'the fixed-delay restart strategy allows no restarts');
});

test('failure rate restarts while no more than the maximum failures fall inside the sliding interval', () => {
  const settings = { maxFailuresPerInterval: 2, failureRateIntervalMs: 10 * SECOND, delayMs: 500 };
  const clock = new ManualClock(0);
  const strategy = new FailureRateRestartBackoffTimeStrategy(settings, { clock });
  assert.equal(strategy.describe(), 'failure-rate (at most 2 failures per 10 s, 500 ms delay)');
  // Reference: a restart is allowed when the failures of the last interval (inclusive) do not exceed the maximum.
  const seen: number[] = [];
  const allowed = (now: number): boolean => seen.filter((t) => now - t <= settings.failureRateIntervalMs).length <= settings.maxFailuresPerInterval;
  const failureTimes = [0, 4000, 10_001, 12_000, 30_000, 30_001, 40_000];
  const outcomes = failureTimes.map((time) => {
    clock.set(time);
    seen.push(time);
    strategy.notifyFailure(failure);
    assert.equal(strategy.canRestart(), allowed(time), `failure at ${time} ms`);
    assert.equal(strategy.getBackoffTime(), settings.delayMs);
    return allowed(time);
  });
  // 12 000 sees 4000, 10 001 and itself; 40 000 sees 30 000 (exactly one interval back), 30 001 and itself.
  assert.deepEqual(outcomes, [true, true, true, false, true, true, false]);
});

test('failure rate names the interval and the failures inside it when it refuses', () => {
  const clock = new ManualClock(0);
  const strategy = new FailureRateRestartBackoffTimeStrategy({ maxFailuresPerInterval: 1, failureRateIntervalMs: MINUTE, delayMs: SECOND }, { clock });
  strategy.notifyFailure(failure);
  assert.equal(strategy.canRestart(), true);
  clock.advance(30 * SECOND);
  strategy.notifyFailure(failure);
  assert.equal(strategy.canRestart(), false);
  assert.equal(strategy.whyNotRestartable(), 'the failure-rate restart strategy allows at most 1 failure per 1 min and 2 happened within 30 s');
});

test('exponential delay multiplies the backoff by the multiplier per restart, up to the maximum', () => {
  const settings = exponentialSettings();
  const clock = new ManualClock(1_000_000);
  const strategy = new ExponentialDelayRestartBackoffTimeStrategy(settings, { clock });
  const expected = Array.from({ length: 7 }, (_, n) => Math.min(settings.initialBackoffMs * settings.backoffMultiplier ** n, settings.maxBackoffMs));
  const actual = expected.map(() => {
    const backoff = failAndRestart(strategy, clock);
    clock.advance(1);
    return backoff;
  });
  assert.deepEqual(actual, expected);
  assert.deepEqual(actual.slice(0, 5), [1000, 2000, 4000, 8000, 10_000]);
});

test('exponential delay counts down the backoff as time passes', () => {
  const clock = new ManualClock(0);
  const strategy = new ExponentialDelayRestartBackoffTimeStrategy(exponentialSettings(), { clock });
  assertInternal(() => strategy.getBackoffTime());
  strategy.notifyFailure(failure);
  clock.advance(300);
  assert.equal(strategy.getBackoffTime(), 700);
  clock.advance(5000);
  assert.equal(strategy.getBackoffTime(), 0);
});

test('exponential delay folds failures that arrive before the pending restart into one attempt', () => {
  const clock = new ManualClock(0);
  const strategy = new ExponentialDelayRestartBackoffTimeStrategy(exponentialSettings({ attemptsBeforeResetBackoff: 1 }), { clock });
  assert.equal(strategy.notifyFailure(failure), true);
  clock.advance(999);
  assert.equal(strategy.notifyFailure(failure), false);
  assert.equal(strategy.canRestart(), true);
  assert.equal(strategy.getBackoffTime(), 1);
  clock.advance(2);
  assert.equal(strategy.notifyFailure(failure), true);
  assert.equal(strategy.canRestart(), false);
});

test('exponential delay resets to the initial backoff after running the threshold without failure', () => {
  const settings = exponentialSettings({ resetBackoffThresholdMs: MINUTE });
  const clock = new ManualClock(0);
  const strategy = new ExponentialDelayRestartBackoffTimeStrategy(settings, { clock });
  assert.equal(failAndRestart(strategy, clock), 1000);
  clock.advance(1);
  assert.equal(failAndRestart(strategy, clock), 2000);
  clock.advance(settings.resetBackoffThresholdMs - 1);
  assert.equal(failAndRestart(strategy, clock), 4000, 'one millisecond short of the threshold keeps growing');
  clock.advance(settings.resetBackoffThresholdMs);
  assert.equal(failAndRestart(strategy, clock), settings.initialBackoffMs);
  clock.advance(1);
  assert.equal(failAndRestart(strategy, clock), settings.initialBackoffMs * settings.backoffMultiplier);
});

test('exponential delay allows attempts-before-reset-backoff restarts, counted since the last reset', () => {
  const settings = exponentialSettings({ attemptsBeforeResetBackoff: 3, resetBackoffThresholdMs: MINUTE });
  const clock = new ManualClock(0);
  const strategy = new ExponentialDelayRestartBackoffTimeStrategy(settings, { clock });
  failAndRestart(strategy, clock);
  clock.advance(1);
  failAndRestart(strategy, clock);
  clock.advance(settings.resetBackoffThresholdMs);
  // The reset starts the count over: three more restarts are allowed, and not a fourth.
  for (let restart = 1; restart <= settings.attemptsBeforeResetBackoff; restart++) {
    failAndRestart(strategy, clock);
    clock.advance(1);
  }
  strategy.notifyFailure(failure);
  assert.equal(strategy.canRestart(), false);
  assert.equal(
    strategy.whyNotRestartable(),
    'the exponential-delay restart strategy allows 3 restarts before its backoff resets (after 1 min without failure) and all were used',
  );
});

test('exponential delay jitter stays within ±factor of the backoff and inside [initial, max]', () => {
  const settings = exponentialSettings({ backoffMultiplier: 1.5, maxBackoffMs: 5 * SECOND, jitterFactor: 0.1 });
  const randoms = [0, 0.25, 0.5, 0.75, 0.999_999];
  for (const value of randoms) {
    const random: RandomSource = () => value;
    const clock = new ManualClock(0);
    const strategy = new ExponentialDelayRestartBackoffTimeStrategy(settings, { clock, random });
    for (let n = 0; n < 7; n++) {
      const base = Math.floor(settings.initialBackoffMs * settings.backoffMultiplier ** n);
      const offset = Math.floor(base * settings.jitterFactor);
      const clamp = (ms: number): number => Math.max(settings.initialBackoffMs, Math.min(ms, settings.maxBackoffMs));
      const low = clamp(base - offset);
      const high = clamp(base + offset);
      const backoff = failAndRestart(strategy, clock);
      assert.ok(backoff >= low && backoff <= high, `restart ${n + 1} with random ${value}: ${backoff} in [${low}, ${high}]`);
      if (value === 0) assert.equal(backoff, low, 'the lowest random value gives the lowest backoff');
      if (value === 0.999_999) assert.equal(backoff, high, 'the highest random value gives the highest backoff');
      clock.advance(1);
    }
  }
});

test('exponential delay with the default jitter asks for 1 s to 1.1 s before the first restart', () => {
  const clock = new ManualClock(0);
  const low = new ExponentialDelayRestartBackoffTimeStrategy(exponentialSettings({ jitterFactor: 0.1 }), { clock, random: () => 0 });
  const high = new ExponentialDelayRestartBackoffTimeStrategy(exponentialSettings({ jitterFactor: 0.1 }), { clock, random: () => 0.999_999 });
  low.notifyFailure(failure);
  high.notifyFailure(failure);
  assert.equal(low.getBackoffTime(), 1000, 'jitter below the initial backoff is cut off');
  assert.equal(high.getBackoffTime(), 1100);
});

test('invalid constructor arguments are INVALID_OPTION naming the setting', () => {
  const clock = new ManualClock(0);
  const cases: [() => unknown, string][] = [
    [() => new FixedDelayRestartBackoffTimeStrategy({ attempts: -1, delayMs: 0 }), 'attempts'],
    [() => new FailureRateRestartBackoffTimeStrategy({ maxFailuresPerInterval: 0, failureRateIntervalMs: 1, delayMs: 0 }, { clock }), 'maxFailuresPerInterval'],
    [() => new ExponentialDelayRestartBackoffTimeStrategy(exponentialSettings({ backoffMultiplier: 1 }), { clock }), 'backoffMultiplier'],
    [() => new ExponentialDelayRestartBackoffTimeStrategy(exponentialSettings({ initialBackoffMs: 20 * SECOND }), { clock }), 'maxBackoffMs'],
    [() => new ExponentialDelayRestartBackoffTimeStrategy(exponentialSettings({ jitterFactor: 2 }), { clock }), 'jitterFactor'],
  ];
  for (const [create, option] of cases) {
    assert.throws(create, (error: unknown) => error instanceof WeirError && error.code === 'INVALID_OPTION' && error.message.includes(`'${option}'`), option);
  }
});

test('the factory falls back to exponential-delay when checkpointing is on and to no restarts when it is off', () => {
  const clock = new ManualClock(0);
  const on = createRestartBackoffTimeStrategy(new Configuration(), { checkpointingEnabled: true, clock, random: () => 0.5 });
  assert.ok(on instanceof ExponentialDelayRestartBackoffTimeStrategy);
  assert.equal(on.describe(), 'exponential-delay (1 s initial backoff ×1.5 up to 1 min, ±10% jitter, reset after 1 h without failure, unlimited attempts)');
  on.notifyFailure(failure);
  assert.equal(on.canRestart(), true);
  assert.equal(on.getBackoffTime(), 1000);

  const off = createRestartBackoffTimeStrategy(new Configuration(), { checkpointingEnabled: false, clock });
  assert.ok(off instanceof NoRestartBackoffTimeStrategy);
  assert.equal(off.settings.reason, 'checkpointing-disabled');
});

test('the factory builds the configured strategy from its options', () => {
  const clock = new ManualClock(0);
  const create = (entries: Record<string, unknown>): RestartBackoffTimeStrategy =>
    createRestartBackoffTimeStrategy(Configuration.fromEntries(entries), { checkpointingEnabled: true, clock });
  const fixed = create({ 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 3, 'restart-strategy.fixed-delay.delay': '1 s' });
  assert.equal(fixed.describe(), 'fixed-delay (3 attempts, 1 s delay)');
  const rate = create({ 'restart-strategy.type': 'failure-rate', 'restart-strategy.failure-rate.max-failures-per-interval': 3 });
  assert.equal(rate.describe(), 'failure-rate (at most 3 failures per 1 min, 1 s delay)');
  const none = create({ 'restart-strategy.type': 'off' });
  assert.ok(none instanceof NoRestartBackoffTimeStrategy);
  assert.equal(none.settings.reason, 'configured');
  const exponential = create({
    'restart-strategy.type': 'exponential-delay',
    'restart-strategy.exponential-delay.jitter-factor': 0,
    'restart-strategy.exponential-delay.attempts-before-reset-backoff': 2,
  });
  assert.equal(exponential.describe(), 'exponential-delay (1 s initial backoff ×1.5 up to 1 min, no jitter, reset after 1 h without failure, 2 attempts)');
});
