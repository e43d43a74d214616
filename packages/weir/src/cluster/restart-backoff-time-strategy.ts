/**
 * @module Flink's `RestartBackoffTimeStrategy`: after each failure the job master asks whether the job may
 * restart and how long to wait first. Pure objects over an injected clock (and random source), one per
 * restart strategy, plus `createRestartBackoffTimeStrategy`, which picks one from the configuration.
 */
import type { Clock } from '../core/clock.ts';
import type { Configuration } from '../core/configuration.ts';
import { formatDuration } from '../core/configuration.ts';
import { WeirError } from '../core/errors.ts';
import { checkInteger, checkNumber, invalidOption } from '../core/options.ts';
import { INTEGER_MAX_VALUE, RESTART_STRATEGY, readRestartStrategySettings } from './restart-strategy-options.ts';
import type {
  ExponentialDelaySettings,
  FailureRateSettings,
  FixedDelaySettings,
  NoRestartReason,
  NoRestartSettings,
  RestartStrategySettings,
  RestartStrategyType,
} from './restart-strategy-options.ts';

/** Returns a number in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

/**
 * Decides, failure by failure, whether the job may restart and after how long. The caller reports every
 * failure with `notifyFailure`, then asks `canRestart()`; when true it waits `getBackoffTime()` ms and
 * restarts, when false it fails the job with `whyNotRestartable()` in the message.
 *
 * @example
 * strategy.notifyFailure(error);
 * if (strategy.canRestart()) scheduleRestart(strategy.getBackoffTime());
 * else failJob(`${strategy.whyNotRestartable()}: ${describeCause(error)}`);
 */
export interface RestartBackoffTimeStrategy {
  readonly type: RestartStrategyType;
  /**
   * Records a failure. Returns whether it counts as a new restart attempt (Flink 2's `isNewAttempt`):
   * exponential-delay folds failures that arrive while a restart is still pending into that restart.
   */
  notifyFailure(cause: unknown): boolean;
  /** Whether the failures recorded so far still allow a restart. */
  canRestart(): boolean;
  /** Milliseconds to wait before restarting. */
  getBackoffTime(): number;
  /** The strategy and its settings, for logs: `fixed-delay (3 attempts, 1 s delay)`. */
  describe(): string;
  /**
   * Why the job may not restart, for its final error message. Only meaningful once `canRestart()` is
   * false; calling it earlier is a bug (INTERNAL).
   */
  whyNotRestartable(): string;
}

/** Flink's `NoRestartBackoffTimeStrategy`: never restarts. */
export class NoRestartBackoffTimeStrategy implements RestartBackoffTimeStrategy {
  readonly type = 'none';
  readonly settings: NoRestartSettings;

  constructor(settings: NoRestartSettings = { reason: 'configured' }) {
    this.settings = { reason: settings.reason };
  }

  notifyFailure(_cause?: unknown): boolean {
    return true;
  }

  canRestart(): boolean {
    return false;
  }

  getBackoffTime(): number {
    return 0;
  }

  describe(): string {
    return this.settings.reason === 'checkpointing-disabled' ? 'none (restart-strategy.type unset and checkpointing off)' : 'none';
  }

  whyNotRestartable(): string {
    return NO_RESTART_REASONS[this.settings.reason];
  }
}

const NO_RESTART_REASONS: Record<NoRestartReason, string> = {
  configured: `the restart strategy is 'none' (${RESTART_STRATEGY.key}), so a failure ends the job`,
  'checkpointing-disabled': `no restart strategy is configured (${RESTART_STRATEGY.key}) and checkpointing is off, so a failure ends the job; set ${RESTART_STRATEGY.key} or enable checkpointing to restart`,
};

/** Flink's `FixedDelayRestartBackoffTimeStrategy`: `attempts` restarts, each after the same delay. */
export class FixedDelayRestartBackoffTimeStrategy implements RestartBackoffTimeStrategy {
  readonly type = 'fixed-delay';
  readonly settings: FixedDelaySettings;
  #failures = 0;

  constructor(settings: FixedDelaySettings) {
    const where = 'FixedDelayRestartBackoffTimeStrategy';
    this.settings = {
      attempts: checkAttempts('attempts', settings.attempts, 0, where),
      delayMs: checkInteger('delayMs', settings.delayMs, 0, Number.MAX_SAFE_INTEGER, where),
    };
  }

  notifyFailure(_cause?: unknown): boolean {
    this.#failures++;
    return true;
  }

  canRestart(): boolean {
    return this.#failures <= this.settings.attempts;
  }

  getBackoffTime(): number {
    return this.settings.delayMs;
  }

  describe(): string {
    return `fixed-delay (${attemptsText(this.settings.attempts)}, ${formatDuration(this.settings.delayMs)} delay)`;
  }

  whyNotRestartable(): string {
    requireNotRestartable(this);
    const { attempts } = this.settings;
    if (attempts === 0) return 'the fixed-delay restart strategy allows no restarts';
    return attempts === 1
      ? 'the fixed-delay restart strategy allows 1 restart and it was used'
      : `the fixed-delay restart strategy allows ${attempts} restarts and all were used`;
  }
}

/**
 * Flink's `FailureRateRestartBackoffTimeStrategy`: restarts as long as no more than
 * `maxFailuresPerInterval` failures fall within the sliding `failureRateIntervalMs` that ends now.
 */
export class FailureRateRestartBackoffTimeStrategy implements RestartBackoffTimeStrategy {
  readonly type = 'failure-rate';
  readonly settings: FailureRateSettings;
  readonly #clock: Clock;
  // The latest maxFailuresPerInterval + 1 failure times, oldest first: the window is exceeded exactly
  // when all of them fall inside it.
  readonly #failureTimestamps: number[] = [];

  constructor(settings: FailureRateSettings, collaborators: { readonly clock: Clock }) {
    const where = 'FailureRateRestartBackoffTimeStrategy';
    this.settings = {
      maxFailuresPerInterval: checkInteger('maxFailuresPerInterval', settings.maxFailuresPerInterval, 1, INTEGER_MAX_VALUE, where),
      failureRateIntervalMs: checkInteger('failureRateIntervalMs', settings.failureRateIntervalMs, 1, Number.MAX_SAFE_INTEGER, where),
      delayMs: checkInteger('delayMs', settings.delayMs, 0, Number.MAX_SAFE_INTEGER, where),
    };
    this.#clock = collaborators.clock;
  }

  notifyFailure(_cause?: unknown): boolean {
    if (this.#isFull()) this.#failureTimestamps.shift();
    this.#failureTimestamps.push(this.#clock.now());
    return true;
  }

  canRestart(): boolean {
    const earliest = this.#failureTimestamps[0];
    return !this.#isFull() || earliest === undefined || this.#clock.now() - earliest > this.settings.failureRateIntervalMs;
  }

  getBackoffTime(): number {
    return this.settings.delayMs;
  }

  describe(): string {
    const { maxFailuresPerInterval, failureRateIntervalMs, delayMs } = this.settings;
    return `failure-rate (at most ${plural(maxFailuresPerInterval, 'failure')} per ${formatDuration(failureRateIntervalMs)}, ${formatDuration(delayMs)} delay)`;
  }

  whyNotRestartable(): string {
    requireNotRestartable(this);
    const { maxFailuresPerInterval, failureRateIntervalMs } = this.settings;
    const span = this.#clock.now() - (this.#failureTimestamps[0] ?? 0);
    return (
      `the failure-rate restart strategy allows at most ${plural(maxFailuresPerInterval, 'failure')} per ${formatDuration(failureRateIntervalMs)} ` +
      `and ${this.#failureTimestamps.length} happened within ${formatDuration(span)}`
    );
  }

  #isFull(): boolean {
    return this.#failureTimestamps.length > this.settings.maxFailuresPerInterval;
  }
}

/**
 * Flink 2's `ExponentialDelayRestartBackoffTimeStrategy`. The n-th restart since the last reset waits
 * `initialBackoff × multiplier^(n-1)`, plus or minus up to `jitterFactor` of that, kept within
 * [initialBackoff, maxBackoff]. Failures that arrive before the pending restart is due count as the same
 * attempt. When the job has run `resetBackoffThreshold` since its last restart without failing, the
 * backoff and the attempt count start over; more than `attemptsBeforeResetBackoff` attempts without a
 * reset fail the job.
 */
export class ExponentialDelayRestartBackoffTimeStrategy implements RestartBackoffTimeStrategy {
  readonly type = 'exponential-delay';
  readonly settings: ExponentialDelaySettings;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  /** Attempts since the last reset. */
  #attempt = 0;
  /** When the restart of the latest counted failure is due; -Infinity before the first failure. */
  #nextRestartTimestamp = Number.NEGATIVE_INFINITY;

  constructor(settings: ExponentialDelaySettings, collaborators: { readonly clock: Clock; readonly random?: RandomSource }) {
    const where = 'ExponentialDelayRestartBackoffTimeStrategy';
    const initialBackoffMs = checkInteger('initialBackoffMs', settings.initialBackoffMs, 1, Number.MAX_SAFE_INTEGER, where);
    const maxBackoffMs = checkInteger('maxBackoffMs', settings.maxBackoffMs, initialBackoffMs, Number.MAX_SAFE_INTEGER, `${where}, at least initialBackoffMs`);
    const backoffMultiplier = checkNumber('backoffMultiplier', settings.backoffMultiplier, 1, Number.MAX_VALUE, where);
    if (backoffMultiplier === 1) invalidOption('backoffMultiplier', backoffMultiplier, 'a number greater than 1', where);
    this.settings = {
      initialBackoffMs,
      maxBackoffMs,
      backoffMultiplier,
      resetBackoffThresholdMs: checkInteger('resetBackoffThresholdMs', settings.resetBackoffThresholdMs, 1, Number.MAX_SAFE_INTEGER, where),
      jitterFactor: checkNumber('jitterFactor', settings.jitterFactor, 0, 1, where),
      attemptsBeforeResetBackoff: checkAttempts('attemptsBeforeResetBackoff', settings.attemptsBeforeResetBackoff, 1, where),
    };
    this.#clock = collaborators.clock;
    this.#random = collaborators.random ?? Math.random;
  }

  notifyFailure(_cause?: unknown): boolean {
    const now = this.#clock.now();
    if (now <= this.#nextRestartTimestamp) return false;
    if (now - this.#nextRestartTimestamp >= this.settings.resetBackoffThresholdMs) this.#attempt = 0;
    this.#nextRestartTimestamp = now + this.#backoffWithJitter();
    this.#attempt++;
    return true;
  }

  canRestart(): boolean {
    return this.#attempt <= this.settings.attemptsBeforeResetBackoff;
  }

  getBackoffTime(): number {
    if (this.#nextRestartTimestamp === Number.NEGATIVE_INFINITY) {
      throw new WeirError('INTERNAL', 'ExponentialDelayRestartBackoffTimeStrategy.getBackoffTime() called before any notifyFailure()');
    }
    return Math.max(0, this.#nextRestartTimestamp - this.#clock.now());
  }

  describe(): string {
    const s = this.settings;
    const jitter = s.jitterFactor === 0 ? 'no jitter' : `±${Math.round(s.jitterFactor * 100)}% jitter`;
    return (
      `exponential-delay (${formatDuration(s.initialBackoffMs)} initial backoff ×${s.backoffMultiplier} up to ${formatDuration(s.maxBackoffMs)}, ` +
      `${jitter}, reset after ${formatDuration(s.resetBackoffThresholdMs)} without failure, ${attemptsText(s.attemptsBeforeResetBackoff)})`
    );
  }

  whyNotRestartable(): string {
    requireNotRestartable(this);
    const { attemptsBeforeResetBackoff: attempts, resetBackoffThresholdMs } = this.settings;
    return (
      `the exponential-delay restart strategy allows ${plural(attempts, 'restart')} before its backoff resets ` +
      `(after ${formatDuration(resetBackoffThresholdMs)} without failure) and ${attempts === 1 ? 'it was' : 'all were'} used`
    );
  }

  // Flink computes the jitter from the unclamped backoff, then clamps the sum to [initial, max].
  #backoffWithJitter(): number {
    const { initialBackoffMs, maxBackoffMs, backoffMultiplier, jitterFactor } = this.settings;
    const backoff = Math.min(Math.floor(initialBackoffMs * backoffMultiplier ** this.#attempt), Number.MAX_SAFE_INTEGER);
    let jitter = 0;
    if (jitterFactor > 0) {
      const offset = Math.floor(backoff * jitterFactor);
      jitter = Math.min(Math.floor(this.#random() * (2 * offset + 1)), 2 * offset) - offset;
    }
    return Math.max(initialBackoffMs, Math.min(backoff + jitter, maxBackoffMs));
  }
}

/** Collaborators of `createRestartBackoffTimeStrategy`. */
export interface RestartBackoffTimeStrategyContext {
  /** Decides the strategy when `restart-strategy.type` is unset: exponential-delay when on, none when off. */
  readonly checkpointingEnabled: boolean;
  readonly clock: Clock;
  /** For exponential-delay's jitter; `Math.random` when absent. */
  readonly random?: RandomSource;
}

/**
 * The restart strategy `configuration` names (CONFIG_INVALID naming the key for a bad value), or Flink's
 * fallback when it names none: exponential-delay with default settings when checkpointing is enabled,
 * no restarts otherwise.
 *
 * @example
 * const strategy = createRestartBackoffTimeStrategy(configuration, { checkpointingEnabled: true, clock: systemClock });
 * logger.info(`restart strategy: ${strategy.describe()}`);
 */
export function createRestartBackoffTimeStrategy(configuration: Configuration, context: RestartBackoffTimeStrategyContext): RestartBackoffTimeStrategy {
  return restartBackoffTimeStrategyFromSettings(readRestartStrategySettings(configuration, context), context);
}

/** Builds the strategy for settings already read (e.g. sent by another process as plain data). */
export function restartBackoffTimeStrategyFromSettings(
  settings: RestartStrategySettings,
  collaborators: { readonly clock: Clock; readonly random?: RandomSource },
): RestartBackoffTimeStrategy {
  switch (settings.type) {
    case 'none':
      return new NoRestartBackoffTimeStrategy(settings);
    case 'fixed-delay':
      return new FixedDelayRestartBackoffTimeStrategy(settings);
    case 'failure-rate':
      return new FailureRateRestartBackoffTimeStrategy(settings, collaborators);
    case 'exponential-delay':
      return new ExponentialDelayRestartBackoffTimeStrategy(settings, collaborators);
  }
}

function requireNotRestartable(strategy: RestartBackoffTimeStrategy): void {
  if (strategy.canRestart()) throw new WeirError('INTERNAL', `whyNotRestartable() called while the ${strategy.type} restart strategy can still restart`);
}

/** An integer attempt count of at least `min`; `INTEGER_MAX_VALUE` and `Infinity` both mean unlimited. */
function checkAttempts(option: string, value: number, min: number, where: string): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  return checkInteger(option, value, min, Number.MAX_SAFE_INTEGER, `${where}; Infinity for unlimited`);
}

function attemptsText(attempts: number): string {
  return attempts >= INTEGER_MAX_VALUE ? 'unlimited attempts' : plural(attempts, 'attempt');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
