import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointId } from '../core/ids.ts';
import { KeyedSnapshotChain, MAX_CHAIN_LENGTH } from './keyed-snapshot-chain.ts';

test('the first snapshot of a chain is full, and later ones build on every snapshot since it', () => {
  const chain = new KeyedSnapshotChain();
  assert.equal(chain.nextKind(), 'full');
  assert.deepEqual(chain.append(CheckpointId(1), 'full'), []);
  chain.written(CheckpointId(1), 1000);
  assert.equal(chain.nextKind(), 'delta');
  assert.deepEqual(chain.append(CheckpointId(2), 'delta'), [1]);
  chain.written(CheckpointId(2), 10);
  assert.deepEqual(chain.append(CheckpointId(3), 'delta'), [1, 2]);
  assert.deepEqual(chain.checkpointIds(), [1, 2, 3]);
});

test('a full snapshot follows once the changes add up to more than the snapshot they apply to', () => {
  const chain = new KeyedSnapshotChain();
  chain.append(CheckpointId(1), 'full');
  chain.written(CheckpointId(1), 100);
  let id = 2;
  let changed = 0;
  while (chain.nextKind() === 'delta') {
    chain.append(CheckpointId(id), 'delta');
    chain.written(CheckpointId(id), 30);
    changed += 30;
    id++;
  }
  assert.ok(changed > 100 && changed - 30 <= 100, `full after ${changed} bytes of changes on 100`);
});

test('a chain never grows beyond its maximum length, however small the changes', () => {
  const chain = new KeyedSnapshotChain();
  chain.append(CheckpointId(1), 'full');
  chain.written(CheckpointId(1), 1_000_000);
  let id = 2;
  while (chain.nextKind() === 'delta') {
    chain.append(CheckpointId(id), 'delta');
    chain.written(CheckpointId(id++), 1);
  }
  assert.equal(chain.checkpointIds().length, MAX_CHAIN_LENGTH);
});

test('a failed or aborted checkpoint in the chain makes the next snapshot full; others leave it alone', () => {
  const chain = new KeyedSnapshotChain();
  chain.append(CheckpointId(1), 'full');
  chain.written(CheckpointId(1), 100);
  chain.append(CheckpointId(2), 'delta');
  chain.fail(CheckpointId(7));
  assert.equal(chain.nextKind(), 'delta');
  chain.fail(CheckpointId(2));
  assert.equal(chain.nextKind(), 'full');
  assert.deepEqual(chain.checkpointIds(), []);
});

test('a backend that answers a delta request with a full snapshot starts a new chain', () => {
  const chain = new KeyedSnapshotChain();
  chain.append(CheckpointId(1), 'full');
  chain.written(CheckpointId(1), 100);
  assert.deepEqual(chain.append(CheckpointId(2), 'full'), []);
  assert.deepEqual(chain.checkpointIds(), [2]);
});
