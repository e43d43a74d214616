/**
 * @module Tests of weir.yaml loading: flat and nested Flink keys, validation naming the key, unknown
 * keys reported, and a missing default file being fine.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Configuration } from '../core/configuration.ts';
import { WeirError } from '../core/errors.ts';
import { CheckpointConfig } from '../checkpoint/checkpoint-config.ts';
import { loadConfigFile } from './config-file.ts';
import { channelLimitsFrom } from './network-options.ts';

const dir = mkdtempSync(join(tmpdir(), 'weir-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test('weir.yaml settings with flat and nested Flink keys reach the checkpoint config', () => {
  const path = file(
    'nested.yaml',
    ['execution:', '  checkpointing:', '    interval: 30 s', '    mode: AT_LEAST_ONCE', 'state.checkpoints.dir: /tmp/chk', 'state.checkpoints.num-retained: 3', 'parallelism.default: 3', ''].join('\n'),
  );
  const loaded = loadConfigFile(path);
  assert.equal(loaded.path, path);
  assert.deepEqual(loaded.unknownKeys, []);
  const config = CheckpointConfig.fromConfiguration(Configuration.fromEntries(loaded.entries)).toJSON();
  assert.equal(config.checkpointInterval, 30_000);
  assert.equal(config.checkpointingMode, 'AT_LEAST_ONCE');
  assert.equal(config.checkpointStorage, '/tmp/chk');
  assert.equal(config.numRetainedCheckpoints, 3);
});

test('an invalid value in weir.yaml names the file, the key and what is accepted', () => {
  const path = file('bad.yaml', 'execution.checkpointing.mode: SOMETIMES\n');
  assert.throws(
    () => loadConfigFile(path),
    (error: unknown) =>
      error instanceof WeirError && error.code === 'CONFIG_INVALID' && error.message.includes(path) && error.message.includes('execution.checkpointing.mode') && error.message.includes('EXACTLY_ONCE'),
  );
});

test('unknown keys are reported, not fatal; malformed YAML and a missing explicit file are errors', () => {
  assert.deepEqual(loadConfigFile(file('unknown.yaml', 'execution.checkpointing.intreval: 10 s\n')).unknownKeys, ['execution.checkpointing.intreval']);
  assert.throws(() => loadConfigFile(file('broken.yaml', 'a: [1, 2\n')), /not valid YAML/);
  assert.throws(() => loadConfigFile(join(dir, 'missing.yaml')), /configuration file not found/);
});

test('without a weir.yaml in the default place, the configuration is empty', () => {
  const previous = process.env['WEIR_CONF_DIR'];
  process.env['WEIR_CONF_DIR'] = join(dir, 'nowhere');
  try {
    assert.deepEqual(loadConfigFile(), { path: undefined, entries: {}, unknownKeys: [] });
  } finally {
    if (previous === undefined) delete process.env['WEIR_CONF_DIR'];
    else process.env['WEIR_CONF_DIR'] = previous;
  }
});

test('network buffer settings are read with their units and checked against their bounds', () => {
  const loaded = loadConfigFile(file('network.yaml', 'taskmanager.network.memory.buffers-per-channel: 2\ntaskmanager.memory.segment-size: 64 kb\n'));
  const limits = channelLimitsFrom(Configuration.fromEntries(loaded.entries));
  assert.equal(limits.buffersPerChannel, 2);
  assert.equal(limits.maxBatchBytes, 64 * 1024);
  assert.throws(() => loadConfigFile(file('huge.yaml', 'taskmanager.memory.segment-size: 1 gb\n')), /taskmanager\.memory\.segment-size.*accepted: a memory size from 256 b to 16 mb/);
});
