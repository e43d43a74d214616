/**
 * @module Restart and failover settings with Flink 2.0's keys and defaults (`restart-strategy.*`,
 * `jobmanager.execution.failover-strategy`), and `readRestartStrategySettings`, which applies Flink's
 * rule for a job that names no restart strategy.
 */
import { WeirError } from '../core/errors.ts';
import { durationOption, enumOption, formatDuration, intOption, invalidConfigValue, doubleOption } from '../core/configuration.ts';
import type { ConfigOption, ConfigOptionSpec, Configuration } from '../core/configuration.ts';

/** Java's `Integer.MAX_VALUE`: Flink's bound for integer options and its "unlimited" attempts. */
export const INTEGER_MAX_VALUE = 2_147_483_647;

export const RESTART_STRATEGY_TYPES = ['none', 'fixed-delay', 'failure-rate', 'exponential-delay'] as const;
/** The restart strategies, by their canonical `restart-strategy.type` names. */
export type RestartStrategyType = (typeof RESTART_STRATEGY_TYPES)[number];

// Flink's RestartStrategyType accepts these spellings, lower-cased before matching.
const RESTART_STRATEGY_ALIASES: ReadonlyMap<string, RestartStrategyType> = new Map([
  ['none', 'none'],
  ['off', 'none'],
  ['disable', 'none'],
  ['fixed-delay', 'fixed-delay'],
  ['fixeddelay', 'fixed-delay'],
  ['failure-rate', 'failure-rate'],
  ['failurerate', 'failure-rate'],
  ['exponential-delay', 'exponential-delay'],
  ['exponentialdelay', 'exponential-delay'],
]);

export const FAILOVER_STRATEGIES = ['full', 'region'] as const;
/** Which tasks restart after a task failure: every task (`full`) or the failed task's pipelined region. */
export type FailoverStrategyName = (typeof FAILOVER_STRATEGIES)[number];

/**
 * `restart-strategy.type`. Unset (the default): exponential-delay with default settings when
 * checkpointing is on, none when it is off (see `readRestartStrategySettings`).
 */
export const RESTART_STRATEGY: ConfigOption<RestartStrategyType | undefined> = restartStrategyTypeOption({
  key: 'restart-strategy.type',
  defaultValue: undefined,
  description:
    'The restart strategy for job failures: none (off, disable), fixed-delay (fixeddelay), failure-rate (failurerate) or ' +
    'exponential-delay (exponentialdelay). Unset: exponential-delay when checkpointing is enabled, none otherwise.',
});
export const RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS = intOption({
  key: 'restart-strategy.fixed-delay.attempts',
  defaultValue: 1,
  min: 0,
  max: INTEGER_MAX_VALUE,
  description: 'How many times fixed-delay restarts the job before declaring it failed.',
});
export const RESTART_STRATEGY_FIXED_DELAY_DELAY = durationOption({
  key: 'restart-strategy.fixed-delay.delay',
  defaultValue: 1000,
  description: 'Delay between two restarts with fixed-delay; lets connections and transactions of external systems time out first.',
});
export const RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL = intOption({
  key: 'restart-strategy.failure-rate.max-failures-per-interval',
  defaultValue: 1,
  min: 1,
  max: INTEGER_MAX_VALUE,
  description: 'With failure-rate: the most failures within one interval that still lead to a restart.',
});
export const RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL = durationOption({
  key: 'restart-strategy.failure-rate.failure-rate-interval',
  defaultValue: 60_000,
  min: 1,
  description: 'With failure-rate: the sliding time window in which failures are counted.',
});
export const RESTART_STRATEGY_FAILURE_RATE_DELAY = durationOption({
  key: 'restart-strategy.failure-rate.delay',
  defaultValue: 1000,
  description: 'Delay between two restarts with failure-rate.',
});
export const RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF = durationOption({
  key: 'restart-strategy.exponential-delay.initial-backoff',
  defaultValue: 1000,
  min: 1,
  description: 'With exponential-delay: the backoff before the first restart (and after a reset).',
});
export const RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF = durationOption({
  key: 'restart-strategy.exponential-delay.max-backoff',
  defaultValue: 60_000,
  min: 1,
  description: 'With exponential-delay: the longest backoff between restarts.',
});
export const RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER = doubleOption({
  key: 'restart-strategy.exponential-delay.backoff-multiplier',
  defaultValue: 1.5,
  greaterThan: 1,
  description: 'With exponential-delay: the backoff is multiplied by this after every restart, up to max-backoff.',
});
export const RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD = durationOption({
  key: 'restart-strategy.exponential-delay.reset-backoff-threshold',
  defaultValue: 3_600_000,
  min: 1,
  description: 'With exponential-delay: how long the job must run without failure for the backoff and the attempt count to reset.',
});
export const RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR = doubleOption({
  key: 'restart-strategy.exponential-delay.jitter-factor',
  defaultValue: 0.1,
  min: 0,
  max: 1,
  description: 'With exponential-delay: up to this share of the backoff is randomly added or subtracted, so jobs that failed together do not restart together.',
});
export const RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS = intOption({
  key: 'restart-strategy.exponential-delay.attempts-before-reset-backoff',
  defaultValue: INTEGER_MAX_VALUE,
  min: 1,
  max: INTEGER_MAX_VALUE,
  description: 'With exponential-delay: how many restarts are allowed before the job fails; the count resets with the backoff.',
});
export const EXECUTION_FAILOVER_STRATEGY = enumOption({
  key: 'jobmanager.execution.failover-strategy',
  values: FAILOVER_STRATEGIES,
  defaultValue: 'region',
  description: "Which tasks restart after a task failure: 'full' restarts all of them, 'region' the failed task's pipelined region.",
});

/** Every restart and failover option, for `Configuration.unknownKeys` and documentation. */
export const RESTART_OPTIONS: readonly ConfigOption<unknown>[] = [
  RESTART_STRATEGY,
  RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS,
  RESTART_STRATEGY_FIXED_DELAY_DELAY,
  RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL,
  RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL,
  RESTART_STRATEGY_FAILURE_RATE_DELAY,
  RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
  RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
  RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER,
  RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
  RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR,
  RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
  EXECUTION_FAILOVER_STRATEGY,
];

/** Why no restart strategy restarts: it was configured, or none was and checkpointing is off. */
export type NoRestartReason = 'configured' | 'checkpointing-disabled';

export interface NoRestartSettings {
  readonly reason: NoRestartReason;
}
export interface FixedDelaySettings {
  /** Restarts allowed; the failure after the last one fails the job. */
  readonly attempts: number;
  readonly delayMs: number;
}
export interface FailureRateSettings {
  /** Restarts allowed within any window of `failureRateIntervalMs`; one more failure fails the job. */
  readonly maxFailuresPerInterval: number;
  readonly failureRateIntervalMs: number;
  readonly delayMs: number;
}
export interface ExponentialDelaySettings {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier: number;
  readonly resetBackoffThresholdMs: number;
  readonly jitterFactor: number;
  /** Restarts allowed before the job fails, counted since the last reset; `INTEGER_MAX_VALUE` or `Infinity`: unlimited. */
  readonly attemptsBeforeResetBackoff: number;
}

/** One restart strategy and its settings, as plain data (JSON and structured-clone safe; durations in ms). */
export type RestartStrategySettings =
  | ({ readonly type: 'none' } & NoRestartSettings)
  | ({ readonly type: 'fixed-delay' } & FixedDelaySettings)
  | ({ readonly type: 'failure-rate' } & FailureRateSettings)
  | ({ readonly type: 'exponential-delay' } & ExponentialDelaySettings);

/**
 * Reads the restart strategy of `configuration` (CONFIG_INVALID naming the key for a bad value). When
 * `restart-strategy.type` is unset, Flink's rule applies: exponential-delay with its *default* settings
 * when checkpointing is on (as in Flink, `restart-strategy.exponential-delay.*` is read only when the type
 * is set), none otherwise.
 *
 * @example
 * readRestartStrategySettings(Configuration.fromEntries({ 'restart-strategy.type': 'fixed-delay' }), { checkpointingEnabled: false });
 * // { type: 'fixed-delay', attempts: 1, delayMs: 1000 }
 */
export function readRestartStrategySettings(
  configuration: Configuration,
  context: { readonly checkpointingEnabled: boolean },
): RestartStrategySettings {
  const type = configuration.get(RESTART_STRATEGY);
  if (type === undefined) {
    return context.checkpointingEnabled ? exponentialDelaySettings(undefined) : { type: 'none', reason: 'checkpointing-disabled' };
  }
  switch (type) {
    case 'none':
      return { type: 'none', reason: 'configured' };
    case 'fixed-delay':
      return {
        type: 'fixed-delay',
        attempts: configuration.get(RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS),
        delayMs: configuration.get(RESTART_STRATEGY_FIXED_DELAY_DELAY),
      };
    case 'failure-rate':
      return {
        type: 'failure-rate',
        maxFailuresPerInterval: configuration.get(RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL),
        failureRateIntervalMs: configuration.get(RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL),
        delayMs: configuration.get(RESTART_STRATEGY_FAILURE_RATE_DELAY),
      };
    case 'exponential-delay':
      return exponentialDelaySettings(configuration);
  }
}

/** Reads `jobmanager.execution.failover-strategy` (default `region`). */
export function readFailoverStrategy(configuration: Configuration): FailoverStrategyName {
  return configuration.get(EXECUTION_FAILOVER_STRATEGY);
}

function exponentialDelaySettings(configuration: Configuration | undefined): RestartStrategySettings {
  const read = <T>(option: ConfigOption<T>): T => (configuration === undefined ? option.defaultValue : configuration.get(option));
  const initialBackoffMs = read(RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF);
  const maxBackoffMs = read(RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF);
  if (initialBackoffMs > maxBackoffMs) {
    const initialKey = RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF.key;
    const maxKey = RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF.key;
    throw new WeirError(
      'CONFIG_INVALID',
      `'${initialKey}' (${formatDuration(initialBackoffMs)}) is longer than '${maxKey}' (${formatDuration(maxBackoffMs)})`,
      { hint: `set '${initialKey}' to at most '${maxKey}'` },
    );
  }
  return {
    type: 'exponential-delay',
    initialBackoffMs,
    maxBackoffMs,
    backoffMultiplier: read(RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER),
    resetBackoffThresholdMs: read(RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD),
    jitterFactor: read(RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR),
    attemptsBeforeResetBackoff: read(RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS),
  };
}

function restartStrategyTypeOption(spec: ConfigOptionSpec<undefined>): ConfigOption<RestartStrategyType | undefined> {
  const accepted = "'none' (or 'off', 'disable'), 'fixed-delay' (or 'fixeddelay'), 'failure-rate' (or 'failurerate'), 'exponential-delay' (or 'exponentialdelay')";
  return {
    key: spec.key,
    fallbackKeys: spec.fallbackKeys ?? [],
    defaultValue: spec.defaultValue,
    description: spec.description,
    accepted,
    parse(raw, key) {
      const found = typeof raw === 'string' ? RESTART_STRATEGY_ALIASES.get(raw.trim().toLowerCase()) : undefined;
      if (found === undefined) invalidConfigValue(key, raw, accepted);
      return found;
    },
  };
}

