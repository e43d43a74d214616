/**
 * @module Checkpointing settings with Flink's keys and defaults (`execution.checkpointing.*`,
 * `state.checkpoints.*`) and `CheckpointConfig`, the setter/getter object a job uses; `toJSON()` is the
 * plain `CheckpointConfigData` that the coordinator reads and that crosses to workers.
 */
import { Configuration, booleanOption, durationOption, enumOption, formatDuration, intOption, stringOption } from '../core/configuration.ts';
import type { ConfigOption } from '../core/configuration.ts';
import { WeirError } from '../core/errors.ts';
import { checkChoice, checkInteger, checkNonEmptyString, invalidOption } from '../core/options.ts';

export const CHECKPOINTING_MODES = ['EXACTLY_ONCE', 'AT_LEAST_ONCE'] as const;
/** Whether barriers are aligned (exactly once) or only tracked (at least once). */
export type CheckpointingMode = (typeof CHECKPOINTING_MODES)[number];

export const EXTERNALIZED_CHECKPOINT_RETENTIONS = ['RETAIN_ON_CANCELLATION', 'DELETE_ON_CANCELLATION', 'NO_EXTERNALIZED_CHECKPOINTS'] as const;
/**
 * What happens to retained checkpoints when the job ends: RETAIN_ON_CANCELLATION keeps them on cancel and
 * finish; DELETE_ON_CANCELLATION deletes them on cancel and finish but keeps them when the job fails;
 * NO_EXTERNALIZED_CHECKPOINTS deletes them whenever the job ends for good.
 */
export type ExternalizedCheckpointRetention = (typeof EXTERNALIZED_CHECKPOINT_RETENTIONS)[number];

/** Flink's MINIMAL_CHECKPOINT_TIME: the shortest interval and timeout accepted. */
export const MINIMAL_CHECKPOINT_TIME_MS = 10;

const MINUTE = 60_000;

export const CHECKPOINTING_INTERVAL = durationOption({
  key: 'execution.checkpointing.interval',
  defaultValue: undefined,
  min: MINIMAL_CHECKPOINT_TIME_MS,
  description: 'How often checkpoints are triggered. Unset: checkpointing is off.',
});
export const CHECKPOINTING_CONSISTENCY_MODE = enumOption({
  key: 'execution.checkpointing.mode',
  values: CHECKPOINTING_MODES,
  defaultValue: 'EXACTLY_ONCE',
  description: 'EXACTLY_ONCE aligns barriers; AT_LEAST_ONCE only tracks them.',
});
export const MIN_PAUSE_BETWEEN_CHECKPOINTS = durationOption({
  key: 'execution.checkpointing.min-pause',
  defaultValue: 0,
  description: 'Least time from the end of one checkpoint to the trigger of the next; above 0 it also means one checkpoint at a time.',
});
export const CHECKPOINTING_TIMEOUT = durationOption({
  key: 'execution.checkpointing.timeout',
  defaultValue: 10 * MINUTE,
  min: MINIMAL_CHECKPOINT_TIME_MS,
  description: 'A checkpoint not complete this long after its trigger is aborted.',
});
export const MAX_CONCURRENT_CHECKPOINTS = intOption({
  key: 'execution.checkpointing.max-concurrent-checkpoints',
  defaultValue: 1,
  min: 1,
  description: 'How many checkpoints may be in progress at once.',
});
export const TOLERABLE_FAILED_CHECKPOINTS = intOption({
  key: 'execution.checkpointing.tolerable-failed-checkpoints',
  defaultValue: 0,
  min: 0,
  description: 'Consecutive checkpoint failures tolerated before the job fails.',
});
export const EXTERNALIZED_CHECKPOINT_RETENTION = enumOption({
  key: 'execution.checkpointing.externalized-checkpoint-retention',
  values: EXTERNALIZED_CHECKPOINT_RETENTIONS,
  defaultValue: 'NO_EXTERNALIZED_CHECKPOINTS',
  description: 'Whether retained checkpoints survive the end of the job.',
});
export const ENABLE_UNALIGNED = booleanOption({
  key: 'execution.checkpointing.unaligned.enabled',
  fallbackKeys: ['execution.checkpointing.unaligned'],
  defaultValue: false,
  description: 'Let barriers overtake in-flight records and store those records in the checkpoint (EXACTLY_ONCE only).',
});
export const INCREMENTAL_CHECKPOINTS = booleanOption({
  key: 'execution.checkpointing.incremental',
  fallbackKeys: ['state.backend.incremental'],
  defaultValue: false,
  description: 'Write only the keyed state changed since the previous checkpoint, with a full snapshot now and then; earlier files are hard-linked into each checkpoint.',
});
export const ALIGNED_CHECKPOINT_TIMEOUT = durationOption({
  key: 'execution.checkpointing.aligned-checkpoint-timeout',
  fallbackKeys: ['execution.checkpointing.alignment-timeout'],
  defaultValue: 0,
  description: 'With unaligned checkpoints on: align first, switch to unaligned after this long. 0: never switch (start unaligned).',
});
export const CHECKPOINTS_DIRECTORY = stringOption({
  key: 'state.checkpoints.dir',
  fallbackKeys: ['execution.checkpointing.dir'],
  defaultValue: undefined,
  description: 'Directory (or URI) where checkpoints are written: <dir>/<jobId>/chk-<n>/.',
});
export const MAX_RETAINED_CHECKPOINTS = intOption({
  key: 'state.checkpoints.num-retained',
  fallbackKeys: ['execution.checkpointing.num-retained'],
  defaultValue: 1,
  min: 1,
  description: 'How many completed checkpoints are kept; older ones are deleted when subsumed.',
});
export const SAVEPOINT_DIRECTORY = stringOption({
  key: 'state.savepoints.dir',
  fallbackKeys: ['execution.checkpointing.savepoint-dir'],
  defaultValue: undefined,
  description: 'The default directory of savepoints: <dir>/savepoint-<job>-<random>/. Unset: every savepoint needs a target directory.',
});

/** Every checkpointing option, for `Configuration.unknownKeys` and documentation. */
export const CHECKPOINTING_OPTIONS: readonly ConfigOption<unknown>[] = [
  CHECKPOINTING_INTERVAL,
  CHECKPOINTING_CONSISTENCY_MODE,
  MIN_PAUSE_BETWEEN_CHECKPOINTS,
  CHECKPOINTING_TIMEOUT,
  MAX_CONCURRENT_CHECKPOINTS,
  TOLERABLE_FAILED_CHECKPOINTS,
  EXTERNALIZED_CHECKPOINT_RETENTION,
  ENABLE_UNALIGNED,
  ALIGNED_CHECKPOINT_TIMEOUT,
  INCREMENTAL_CHECKPOINTS,
  CHECKPOINTS_DIRECTORY,
  MAX_RETAINED_CHECKPOINTS,
  SAVEPOINT_DIRECTORY,
];

/** Checkpointing settings as plain data (JSON and structured-clone safe). `null`: unset. Durations in ms. */
export interface CheckpointConfigData {
  /** `null`: periodic checkpointing is off (savepoints still work). */
  readonly checkpointInterval: number | null;
  readonly checkpointingMode: CheckpointingMode;
  readonly minPauseBetweenCheckpoints: number;
  readonly checkpointTimeout: number;
  readonly maxConcurrentCheckpoints: number;
  readonly tolerableCheckpointFailureNumber: number;
  readonly externalizedCheckpointRetention: ExternalizedCheckpointRetention;
  readonly unalignedCheckpointsEnabled: boolean;
  readonly alignedCheckpointTimeout: number;
  /** `execution.checkpointing.incremental`: keyed state as a full snapshot plus the changes since. */
  readonly incrementalCheckpoints: boolean;
  /** `state.checkpoints.dir`; `null`: none configured (the runtime picks memory storage or fails). */
  readonly checkpointStorage: string | null;
  readonly numRetainedCheckpoints: number;
}

const MAX_MS = Number.MAX_SAFE_INTEGER;

/**
 * Checkpointing settings of a job, with Flink's `CheckpointConfig` setters and getters. Setters validate
 * at once (INVALID_OPTION naming the setting); `toJSON()` also checks settings that depend on each other.
 *
 * @example
 * env.getCheckpointConfig().setCheckpointInterval(10_000);
 * env.getCheckpointConfig().setMinPauseBetweenCheckpoints(500);
 */
export class CheckpointConfig {
  #interval: number | null = CHECKPOINTING_INTERVAL.defaultValue ?? null;
  #mode: CheckpointingMode = CHECKPOINTING_CONSISTENCY_MODE.defaultValue;
  #minPause = MIN_PAUSE_BETWEEN_CHECKPOINTS.defaultValue;
  #timeout = CHECKPOINTING_TIMEOUT.defaultValue;
  #maxConcurrent = MAX_CONCURRENT_CHECKPOINTS.defaultValue;
  #tolerableFailures = TOLERABLE_FAILED_CHECKPOINTS.defaultValue;
  #retention: ExternalizedCheckpointRetention = EXTERNALIZED_CHECKPOINT_RETENTION.defaultValue;
  #unaligned = ENABLE_UNALIGNED.defaultValue;
  #alignedTimeout = ALIGNED_CHECKPOINT_TIMEOUT.defaultValue;
  #incremental = INCREMENTAL_CHECKPOINTS.defaultValue;
  #storage: string | null = CHECKPOINTS_DIRECTORY.defaultValue ?? null;
  #numRetained = MAX_RETAINED_CHECKPOINTS.defaultValue;

  /** Reads every checkpointing option of `config` (CONFIG_INVALID naming the key for a bad value). */
  static fromConfiguration(config: Configuration): CheckpointConfig {
    const result = new CheckpointConfig();
    result.#interval = config.get(CHECKPOINTING_INTERVAL) ?? null;
    result.#mode = config.get(CHECKPOINTING_CONSISTENCY_MODE);
    result.#minPause = config.get(MIN_PAUSE_BETWEEN_CHECKPOINTS);
    result.#timeout = config.get(CHECKPOINTING_TIMEOUT);
    result.#maxConcurrent = config.get(MAX_CONCURRENT_CHECKPOINTS);
    result.#tolerableFailures = config.get(TOLERABLE_FAILED_CHECKPOINTS);
    result.#retention = config.get(EXTERNALIZED_CHECKPOINT_RETENTION);
    result.#unaligned = config.get(ENABLE_UNALIGNED);
    result.#alignedTimeout = config.get(ALIGNED_CHECKPOINT_TIMEOUT);
    result.#incremental = config.get(INCREMENTAL_CHECKPOINTS);
    result.#storage = config.get(CHECKPOINTS_DIRECTORY) ?? null;
    result.#numRetained = config.get(MAX_RETAINED_CHECKPOINTS);
    result.#checkCombination('CONFIG_INVALID');
    return result;
  }

  /** Rebuilds a config from `toJSON()` data (e.g. on a worker), validating every field. */
  static fromJSON(data: CheckpointConfigData): CheckpointConfig {
    const result = new CheckpointConfig();
    if (data.checkpointInterval === null) result.disableCheckpointing();
    else result.setCheckpointInterval(data.checkpointInterval);
    result.setCheckpointingConsistencyMode(data.checkpointingMode);
    result.setMinPauseBetweenCheckpoints(data.minPauseBetweenCheckpoints);
    result.setCheckpointTimeout(data.checkpointTimeout);
    result.setMaxConcurrentCheckpoints(data.maxConcurrentCheckpoints);
    result.setTolerableCheckpointFailureNumber(data.tolerableCheckpointFailureNumber);
    result.setExternalizedCheckpointRetention(data.externalizedCheckpointRetention);
    result.enableUnalignedCheckpoints(data.unalignedCheckpointsEnabled);
    result.setAlignedCheckpointTimeout(data.alignedCheckpointTimeout);
    result.enableIncrementalCheckpoints(data.incrementalCheckpoints ?? false);
    if (data.checkpointStorage !== null) result.setCheckpointStorage(data.checkpointStorage);
    result.setNumRetainedCheckpoints(data.numRetainedCheckpoints);
    result.#checkCombination('INVALID_OPTION');
    return result;
  }

  /** Checkpoints every `intervalMs` (at least 10 ms, Flink's minimum). */
  setCheckpointInterval(intervalMs: number): this {
    this.#interval = checkInteger('checkpointInterval', intervalMs, MINIMAL_CHECKPOINT_TIME_MS, MAX_MS, 'CheckpointConfig.setCheckpointInterval, in ms');
    return this;
  }

  /** Turns periodic checkpointing off (the default). */
  disableCheckpointing(): this {
    this.#interval = null;
    return this;
  }

  /** The interval in ms, or -1 when checkpointing is off (Flink's convention). */
  getCheckpointInterval(): number {
    return this.#interval ?? -1;
  }

  isCheckpointingEnabled(): boolean {
    return this.#interval !== null;
  }

  setCheckpointingConsistencyMode(mode: CheckpointingMode): this {
    this.#mode = checkChoice('checkpointingMode', mode, CHECKPOINTING_MODES, 'CheckpointConfig.setCheckpointingConsistencyMode');
    return this;
  }

  /** Flink's older name for `setCheckpointingConsistencyMode`. */
  setCheckpointingMode(mode: CheckpointingMode): this {
    return this.setCheckpointingConsistencyMode(mode);
  }

  getCheckpointingConsistencyMode(): CheckpointingMode {
    return this.#mode;
  }

  /** Flink's older name for `getCheckpointingConsistencyMode`. */
  getCheckpointingMode(): CheckpointingMode {
    return this.#mode;
  }

  /**
   * Least time in ms from the end of one checkpoint to the trigger of the next. Above 0 it also limits
   * checkpoints to one at a time, whatever `maxConcurrentCheckpoints` says (as in Flink).
   */
  setMinPauseBetweenCheckpoints(minPauseMs: number): this {
    this.#minPause = checkInteger('minPauseBetweenCheckpoints', minPauseMs, 0, MAX_MS, 'CheckpointConfig.setMinPauseBetweenCheckpoints, in ms');
    return this;
  }

  getMinPauseBetweenCheckpoints(): number {
    return this.#minPause;
  }

  /** A checkpoint not complete `timeoutMs` after its trigger is aborted (at least 10 ms). */
  setCheckpointTimeout(timeoutMs: number): this {
    this.#timeout = checkInteger('checkpointTimeout', timeoutMs, MINIMAL_CHECKPOINT_TIME_MS, MAX_MS, 'CheckpointConfig.setCheckpointTimeout, in ms');
    return this;
  }

  getCheckpointTimeout(): number {
    return this.#timeout;
  }

  setMaxConcurrentCheckpoints(max: number): this {
    this.#maxConcurrent = checkInteger('maxConcurrentCheckpoints', max, 1, MAX_MS, 'CheckpointConfig.setMaxConcurrentCheckpoints');
    return this;
  }

  getMaxConcurrentCheckpoints(): number {
    return this.#maxConcurrent;
  }

  /** How many consecutive checkpoint failures the job tolerates before it fails (0: none). */
  setTolerableCheckpointFailureNumber(count: number): this {
    this.#tolerableFailures = checkInteger('tolerableCheckpointFailureNumber', count, 0, MAX_MS, 'CheckpointConfig.setTolerableCheckpointFailureNumber');
    return this;
  }

  getTolerableCheckpointFailureNumber(): number {
    return this.#tolerableFailures;
  }

  setExternalizedCheckpointRetention(retention: ExternalizedCheckpointRetention): this {
    this.#retention = checkChoice(
      'externalizedCheckpointRetention',
      retention,
      EXTERNALIZED_CHECKPOINT_RETENTIONS,
      'CheckpointConfig.setExternalizedCheckpointRetention',
    );
    return this;
  }

  getExternalizedCheckpointRetention(): ExternalizedCheckpointRetention {
    return this.#retention;
  }

  /** True unless retention is NO_EXTERNALIZED_CHECKPOINTS. */
  isExternalizedCheckpointsEnabled(): boolean {
    return this.#retention !== 'NO_EXTERNALIZED_CHECKPOINTS';
  }

  /** Unaligned checkpoints (EXACTLY_ONCE only): barriers overtake in-flight records, which are stored. */
  enableUnalignedCheckpoints(enabled = true): this {
    if (typeof enabled !== 'boolean') invalidOption('unalignedCheckpointsEnabled', enabled, 'true or false', 'CheckpointConfig.enableUnalignedCheckpoints');
    this.#unaligned = enabled;
    return this;
  }

  isUnalignedCheckpointsEnabled(): boolean {
    return this.#unaligned;
  }

  /** With unaligned checkpoints on: start aligned and switch to unaligned after `timeoutMs` (0: start unaligned). */
  setAlignedCheckpointTimeout(timeoutMs: number): this {
    this.#alignedTimeout = checkInteger('alignedCheckpointTimeout', timeoutMs, 0, MAX_MS, 'CheckpointConfig.setAlignedCheckpointTimeout, in ms');
    return this;
  }

  getAlignedCheckpointTimeout(): number {
    return this.#alignedTimeout;
  }

  /**
   * Incremental checkpoints: each subtask writes its keyed state in full now and then and, in between,
   * only the entries changed since its previous checkpoint. A checkpoint directory holds (hard links
   * to) every file its state needs, so it stays self-contained. Savepoints are always full.
   */
  enableIncrementalCheckpoints(enabled = true): this {
    if (typeof enabled !== 'boolean') invalidOption('incrementalCheckpoints', enabled, 'true or false', 'CheckpointConfig.enableIncrementalCheckpoints');
    this.#incremental = enabled;
    return this;
  }

  isIncrementalCheckpointsEnabled(): boolean {
    return this.#incremental;
  }

  /** The directory (`state.checkpoints.dir`) checkpoints are written under. */
  setCheckpointStorage(directory: string): this {
    this.#storage = checkNonEmptyString('checkpointStorage', directory, 'CheckpointConfig.setCheckpointStorage');
    return this;
  }

  getCheckpointStorage(): string | null {
    return this.#storage;
  }

  /** How many completed checkpoints are kept (at least 1). */
  setNumRetainedCheckpoints(count: number): this {
    this.#numRetained = checkInteger('numRetainedCheckpoints', count, 1, MAX_MS, 'CheckpointConfig.setNumRetainedCheckpoints');
    return this;
  }

  getNumRetainedCheckpoints(): number {
    return this.#numRetained;
  }

  /** Writes every setting into `config` under Flink's keys (durations as readable strings). */
  toConfiguration(config = new Configuration()): Configuration {
    if (this.#interval === null) config.remove(CHECKPOINTING_INTERVAL);
    else config.setRaw(CHECKPOINTING_INTERVAL.key, formatDuration(this.#interval));
    config.setRaw(CHECKPOINTING_CONSISTENCY_MODE.key, this.#mode);
    config.setRaw(MIN_PAUSE_BETWEEN_CHECKPOINTS.key, formatDuration(this.#minPause));
    config.setRaw(CHECKPOINTING_TIMEOUT.key, formatDuration(this.#timeout));
    config.setRaw(MAX_CONCURRENT_CHECKPOINTS.key, this.#maxConcurrent);
    config.setRaw(TOLERABLE_FAILED_CHECKPOINTS.key, this.#tolerableFailures);
    config.setRaw(EXTERNALIZED_CHECKPOINT_RETENTION.key, this.#retention);
    config.setRaw(ENABLE_UNALIGNED.key, this.#unaligned);
    config.setRaw(ALIGNED_CHECKPOINT_TIMEOUT.key, formatDuration(this.#alignedTimeout));
    config.setRaw(INCREMENTAL_CHECKPOINTS.key, this.#incremental);
    if (this.#storage === null) config.remove(CHECKPOINTS_DIRECTORY);
    else config.setRaw(CHECKPOINTS_DIRECTORY.key, this.#storage);
    config.setRaw(MAX_RETAINED_CHECKPOINTS.key, this.#numRetained);
    return config;
  }

  /** Plain data for the coordinator and the workers. Throws INVALID_OPTION for settings that contradict each other. */
  toJSON(): CheckpointConfigData {
    this.#checkCombination('INVALID_OPTION');
    return {
      checkpointInterval: this.#interval,
      checkpointingMode: this.#mode,
      minPauseBetweenCheckpoints: this.#minPause,
      checkpointTimeout: this.#timeout,
      maxConcurrentCheckpoints: this.#maxConcurrent,
      tolerableCheckpointFailureNumber: this.#tolerableFailures,
      externalizedCheckpointRetention: this.#retention,
      unalignedCheckpointsEnabled: this.#unaligned,
      alignedCheckpointTimeout: this.#alignedTimeout,
      incrementalCheckpoints: this.#incremental,
      checkpointStorage: this.#storage,
      numRetainedCheckpoints: this.#numRetained,
    };
  }

  // Flink silently turns unaligned checkpoints off under AT_LEAST_ONCE; we say so instead, because the
  // user asked for a guarantee-relevant feature that cannot apply.
  #checkCombination(code: 'INVALID_OPTION' | 'CONFIG_INVALID'): void {
    if (this.#unaligned && this.#mode === 'AT_LEAST_ONCE') {
      throw new WeirError(code, `unaligned checkpoints (${ENABLE_UNALIGNED.key}) need checkpointing mode EXACTLY_ONCE, but the mode is AT_LEAST_ONCE`, {
        hint: `set ${CHECKPOINTING_CONSISTENCY_MODE.key} to EXACTLY_ONCE, or turn unaligned checkpoints off`,
      });
    }
  }
}

/** The defaults of every setting, as plain data. */
export function defaultCheckpointConfigData(): CheckpointConfigData {
  return new CheckpointConfig().toJSON();
}
