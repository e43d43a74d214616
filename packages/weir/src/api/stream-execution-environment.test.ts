/**
 * @module Tests of the environment's settings: checkpointing through the API over weir.yaml's values,
 * and the precedence of -p, parallelism.default and the job's own setParallelism.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Configuration } from '../core/configuration.ts';
import { JobParameters } from './job-parameters.ts';
import { StreamExecutionEnvironment } from './stream-execution-environment.ts';

const env = (configuration: Record<string, unknown>, parallelism = 2, fromCommandLine = false): StreamExecutionEnvironment =>
  new StreamExecutionEnvironment({
    jobName: 'settings',
    parallelism,
    parallelismFromCommandLine: fromCommandLine,
    parameters: new JobParameters(),
    configuration: Configuration.fromEntries(configuration),
  });

test('checkpointing is off by default and enableCheckpointing turns it on with Flink defaults', () => {
  const e = env({});
  assert.equal(e.getCheckpointConfig().isCheckpointingEnabled(), false);
  e.enableCheckpointing(5000);
  const config = e.getCheckpointConfig().toJSON();
  assert.equal(config.checkpointInterval, 5000);
  assert.equal(config.checkpointingMode, 'EXACTLY_ONCE');
  assert.equal(config.checkpointTimeout, 600_000);
  assert.equal(config.maxConcurrentCheckpoints, 1);
});

test("the job's own settings override weir.yaml's", () => {
  const e = env({ 'execution.checkpointing.interval': '1 min', 'execution.checkpointing.mode': 'AT_LEAST_ONCE' });
  assert.equal(e.getCheckpointConfig().toJSON().checkpointInterval, 60_000);
  e.enableCheckpointing(2000, 'EXACTLY_ONCE');
  assert.equal(e.getCheckpointConfig().toJSON().checkpointInterval, 2000);
  assert.equal(e.getCheckpointConfig().toJSON().checkpointingMode, 'EXACTLY_ONCE');
});

test('parallelism: -p wins over parallelism.default, which wins over the number of cores; the job wins over all', () => {
  assert.equal(env({ 'parallelism.default': 3 }, 2, true).getParallelism(), 2);
  assert.equal(env({ 'parallelism.default': 3 }, 2, false).getParallelism(), 3);
  assert.equal(env({}, 2, false).getParallelism(), 2);
  assert.equal(env({ 'parallelism.default': 3 }).setParallelism(4).getParallelism(), 4);
});
