/**
 * @module The job-level options a weir.yaml (or the job's own code) sets, with Flink's keys and
 * defaults: default parallelism, max parallelism, buffer timeout, operator chaining and the
 * auto-watermark interval.
 */
import { booleanOption, durationOption, intOption } from '../core/configuration.ts';
import { UPPER_BOUND_MAX_PARALLELISM } from '../core/key-groups.ts';

export const PARALLELISM_DEFAULT = intOption({
  key: 'parallelism.default',
  defaultValue: undefined,
  description: 'The parallelism of operators that set none (default: the number of cores).',
  min: 1,
  max: UPPER_BOUND_MAX_PARALLELISM,
});

export const MAX_PARALLELISM = intOption({
  key: 'pipeline.max-parallelism',
  defaultValue: undefined,
  description: 'The number of key groups of keyed state (default: 128, or 1.5 x parallelism rounded up to a power of two).',
  min: 1,
  max: UPPER_BOUND_MAX_PARALLELISM,
});

export const BUFFER_TIMEOUT = durationOption({
  key: 'execution.buffer-timeout.interval',
  fallbackKeys: ['execution.buffer-timeout'],
  defaultValue: 100,
  description: 'The longest a partly filled batch waits before it is sent while a slot is busy.',
  min: 0,
});

export const OPERATOR_CHAINING = booleanOption({
  key: 'pipeline.operator-chaining.enabled',
  fallbackKeys: ['pipeline.operator-chaining'],
  defaultValue: true,
  description: 'Chain operators connected by forward edges into one task.',
});

export const AUTO_WATERMARK_INTERVAL = durationOption({
  key: 'pipeline.auto-watermark-interval',
  defaultValue: 200,
  description: 'How often sources and timestamp assigners emit periodic watermarks; 0 turns them off.',
  min: 0,
});

export const EXECUTION_OPTIONS = [PARALLELISM_DEFAULT, MAX_PARALLELISM, BUFFER_TIMEOUT, OPERATOR_CHAINING, AUTO_WATERMARK_INTERVAL] as const;
