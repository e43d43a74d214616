/**
 * @module Tests of CheckpointConfig: Flink's defaults, reading Flink's keys from a Configuration, setter
 * validation and the plain data that crosses to workers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Configuration } from '../core/configuration.ts';
import { WeirError } from '../core/errors.ts';
import { CHECKPOINTING_OPTIONS, CheckpointConfig, defaultCheckpointConfigData } from './checkpoint-config.ts';

function assertError(code: string, fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof WeirError);
    assert.equal(error.code, code);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should mention ${fragment}`);
    return true;
  });
}

test('the defaults are Flink defaults: checkpointing off, exactly once, 10 min timeout, one at a time, one retained', () => {
  assert.deepEqual(defaultCheckpointConfigData(), {
    checkpointInterval: null,
    checkpointingMode: 'EXACTLY_ONCE',
    minPauseBetweenCheckpoints: 0,
    checkpointTimeout: 10 * 60 * 1000,
    maxConcurrentCheckpoints: 1,
    tolerableCheckpointFailureNumber: 0,
    externalizedCheckpointRetention: 'NO_EXTERNALIZED_CHECKPOINTS',
    unalignedCheckpointsEnabled: false,
    alignedCheckpointTimeout: 0,
    incrementalCheckpoints: false,
    checkpointStorage: null,
    numRetainedCheckpoints: 1,
  });
  const config = new CheckpointConfig();
  assert.equal(config.isCheckpointingEnabled(), false);
  assert.equal(config.getCheckpointInterval(), -1);
});

test('fromConfiguration reads every option under its Flink key, nested or flat', () => {
  const configuration = Configuration.fromEntries({
    execution: {
      checkpointing: {
        interval: '30 s',
        mode: 'AT_LEAST_ONCE',
        'min-pause': '5 s',
        timeout: '2 min',
        'max-concurrent-checkpoints': 2,
        'tolerable-failed-checkpoints': '3',
        'externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
        'aligned-checkpoint-timeout': '0',
        incremental: true,
      },
    },
    'state.checkpoints.dir': 'file:///tmp/checkpoints',
    'state.checkpoints.num-retained': 5,
  });
  assert.deepEqual(configuration.unknownKeys(CHECKPOINTING_OPTIONS), []);
  assert.deepEqual(CheckpointConfig.fromConfiguration(configuration).toJSON(), {
    checkpointInterval: 30_000,
    checkpointingMode: 'AT_LEAST_ONCE',
    minPauseBetweenCheckpoints: 5000,
    checkpointTimeout: 120_000,
    maxConcurrentCheckpoints: 2,
    tolerableCheckpointFailureNumber: 3,
    externalizedCheckpointRetention: 'RETAIN_ON_CANCELLATION',
    unalignedCheckpointsEnabled: false,
    alignedCheckpointTimeout: 0,
    incrementalCheckpoints: true,
    checkpointStorage: 'file:///tmp/checkpoints',
    numRetainedCheckpoints: 5,
  });
});

test("Flink 2's newer key spellings are read as fallbacks", () => {
  const config = CheckpointConfig.fromConfiguration(
    Configuration.fromEntries({
      'execution.checkpointing.dir': '/ckpt',
      'execution.checkpointing.num-retained': 3,
      'execution.checkpointing.unaligned': true,
      'state.backend.incremental': true,
    }),
  );
  assert.equal(config.isIncrementalCheckpointsEnabled(), true);
  assert.equal(config.getCheckpointStorage(), '/ckpt');
  assert.equal(config.getNumRetainedCheckpoints(), 3);
  assert.equal(config.isUnalignedCheckpointsEnabled(), true);
});

test('an interval below the 10 ms minimum is rejected from configuration and from the setter', () => {
  assertError('CONFIG_INVALID', () => CheckpointConfig.fromConfiguration(Configuration.fromEntries({ 'execution.checkpointing.interval': '5 ms' })), 'execution.checkpointing.interval', '10 ms');
  assertError('INVALID_OPTION', () => new CheckpointConfig().setCheckpointInterval(9), 'checkpointInterval', '9', 'from 10');
  assert.equal(new CheckpointConfig().setCheckpointInterval(10).getCheckpointInterval(), 10);
});

test('setters reject values outside what Flink accepts, naming the setting', () => {
  const config = new CheckpointConfig();
  assertError('INVALID_OPTION', () => config.setMaxConcurrentCheckpoints(0), 'maxConcurrentCheckpoints');
  assertError('INVALID_OPTION', () => config.setMinPauseBetweenCheckpoints(-1), 'minPauseBetweenCheckpoints');
  assertError('INVALID_OPTION', () => config.setCheckpointTimeout(1), 'checkpointTimeout');
  assertError('INVALID_OPTION', () => config.setTolerableCheckpointFailureNumber(1.5), 'tolerableCheckpointFailureNumber');
  assertError('INVALID_OPTION', () => config.setNumRetainedCheckpoints(0), 'numRetainedCheckpoints');
  assertError('INVALID_OPTION', () => config.setCheckpointingMode('TWICE' as never), 'checkpointingMode', "'EXACTLY_ONCE'");
  assertError('INVALID_OPTION', () => config.setExternalizedCheckpointRetention('KEEP' as never), 'externalizedCheckpointRetention');
  assertError('INVALID_OPTION', () => config.setCheckpointStorage(''), 'checkpointStorage');
});

test('unaligned checkpoints with AT_LEAST_ONCE are rejected with what to change', () => {
  const config = new CheckpointConfig().enableUnalignedCheckpoints().setCheckpointingMode('AT_LEAST_ONCE');
  assertError('INVALID_OPTION', () => config.toJSON(), 'unaligned', 'EXACTLY_ONCE');
  assertError(
    'CONFIG_INVALID',
    () => CheckpointConfig.fromConfiguration(Configuration.fromEntries({ 'execution.checkpointing.unaligned.enabled': true, 'execution.checkpointing.mode': 'AT_LEAST_ONCE' })),
    'unaligned',
  );
});

test('toJSON survives JSON and structured cloning and fromJSON rebuilds the same settings', () => {
  const config = new CheckpointConfig()
    .setCheckpointInterval(1000)
    .setMinPauseBetweenCheckpoints(250)
    .setCheckpointTimeout(60_000)
    .setMaxConcurrentCheckpoints(3)
    .setTolerableCheckpointFailureNumber(2)
    .setExternalizedCheckpointRetention('DELETE_ON_CANCELLATION')
    .enableUnalignedCheckpoints()
    .setAlignedCheckpointTimeout(100)
    .setCheckpointStorage('/data/ckpt')
    .setNumRetainedCheckpoints(4);
  const data = config.toJSON();
  assert.deepEqual(JSON.parse(JSON.stringify(data)), data);
  assert.deepEqual(structuredClone(data), data);
  assert.deepEqual(CheckpointConfig.fromJSON(data).toJSON(), data);
  assert.deepEqual(CheckpointConfig.fromJSON(defaultCheckpointConfigData()).toJSON(), defaultCheckpointConfigData());
});

test('toConfiguration writes Flink keys that fromConfiguration reads back', () => {
  const config = new CheckpointConfig().setCheckpointInterval(90_000).setCheckpointTimeout(1500).setNumRetainedCheckpoints(2);
  const configuration = config.toConfiguration();
  assert.equal(configuration.toMap()['execution.checkpointing.interval'], '90 s');
  assert.deepEqual(CheckpointConfig.fromConfiguration(configuration).toJSON(), config.toJSON());
});
