import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointId } from '../core/ids.ts';
import { KeyedSnapshotChain, MAX_CHAIN_LENGTH } from './keyed-snapshot-chain.ts';

test('the first snapshot of a chain is full, and later ones build on every snapshot since it', () => {
  const chain = new KeyedSnapshotChain();
  assert.equal(chain.nextKind(0), 'full');
  assert.deepEqual(chain.append(CheckpointId(1), 'full', 0), []);
  chain.written(CheckpointId(1), 1000);
  assert.equal(chain.nextKind(0), 'delta');
  assert.deepEqual(chain.append(CheckpointId(2), 'delta', 0), [1]);
  chain.written(CheckpointId(2), 10);
  assert.deepEqual(chain.append(CheckpointId(3), 'delta', 0), [1, 2]);
  assert.deepEqual(chain.checkpointIds(), [1, 2, 3]);
});

test('a state whose keys are rewritten is written whole once its chain holds more than twice the state', () => {
  const chain = new KeyedSnapshotChain();
  chain.append(CheckpointId(1), 'full', 1000);
  chain.written(CheckpointId(1), 100);
  let id = 2;
  let files = 100;
  while (chain.nextKind(1000) === 'delta') {
    chain.append(CheckpointId(id), 'delta', 1000);
    chain.written(CheckpointId(id++), 30);
    files += 30;
  }
  assert.ok(files > 200 && files - 30 <= 200, `full after ${files} bytes of files for a state of 100`);
});

test('a state that only grows stays on deltas, up to the chain length limit', () => {
  const chain = new KeyedSnapshotChain();
  chain.append(CheckpointId(1), 'full', 1000);
  chain.written(CheckpointId(1), 100);
  let entries = 1000;
  for (let id = 2; id < MAX_CHAIN_LENGTH + 1; id++) {
    // 300 new entries, 30 bytes: the chain is as large as a full snapshot would be
    entries += 300;
    assert.equal(chain.nextKind(entries), 'delta', `checkpoint ${id}`);
    chain.append(CheckpointId(id), 'delta', entries);
    chain.written(CheckpointId(id), 30);
  }
  assert.equal(chain.nextKind(entries + 300), 'full');
});

test('a state that shrank is written whole sooner: its chain outgrows it', () => {
  const chain = new KeyedSnapshotChain();
  chain.append(CheckpointId(1), 'full', 1000);
  chain.written(CheckpointId(1), 100);
  chain.append(CheckpointId(2), 'delta', 1000);
  chain.written(CheckpointId(2), 10);
  assert.equal(chain.nextKind(1000), 'delta');
  assert.equal(chain.nextKind(500), 'full');
});

test('a chain never grows beyond its maximum length, however small the changes', () => {
  const chain = new KeyedSnapshotChain();
  chain.append(CheckpointId(1), 'full', 0);
  chain.written(CheckpointId(1), 1_000_000);
  let id = 2;
  while (chain.nextKind(0) === 'delta') {
    chain.append(CheckpointId(id), 'delta', 0);
    chain.written(CheckpointId(id++), 1);
  }
  assert.equal(chain.checkpointIds().length, MAX_CHAIN_LENGTH);
});

test('a failed or aborted checkpoint in the chain makes the next snapshot full; others leave it alone', () => {
  const chain = new KeyedSnapshotChain();
  chain.append(CheckpointId(1), 'full', 0);
  chain.written(CheckpointId(1), 100);
  chain.append(CheckpointId(2), 'delta', 0);
  chain.fail(CheckpointId(7));
  assert.equal(chain.nextKind(0), 'delta');
  chain.fail(CheckpointId(2));
  assert.equal(chain.nextKind(0), 'full');
  assert.deepEqual(chain.checkpointIds(), []);
});

test('a backend that answers a delta request with a full snapshot starts a new chain', () => {
  const chain = new KeyedSnapshotChain();
  chain.append(CheckpointId(1), 'full', 0);
  chain.written(CheckpointId(1), 100);
  assert.deepEqual(chain.append(CheckpointId(2), 'full', 0), []);
  assert.deepEqual(chain.checkpointIds(), [2]);
});

test('an aborted last delta whose changes went back leaves the chain, which goes on from the link before it', () => {
  const chain = new KeyedSnapshotChain();
  chain.append(CheckpointId(1), 'full', 0);
  chain.written(CheckpointId(1), 100);
  chain.append(CheckpointId(2), 'delta', 0);
  chain.append(CheckpointId(3), 'delta', 0);
  assert.equal(chain.endsWithDelta(CheckpointId(2)), false, 'a later delta built on 2');
  assert.equal(chain.abandon(CheckpointId(2)), false);
  assert.equal(chain.endsWithDelta(CheckpointId(3)), true);
  assert.equal(chain.abandon(CheckpointId(3)), true);
  assert.deepEqual(chain.checkpointIds(), [1, 2]);
  assert.deepEqual(chain.append(CheckpointId(4), 'delta', 0), [1, 2]);
  // the full snapshot itself cannot go: nothing before it to build on
  const single = new KeyedSnapshotChain();
  single.append(CheckpointId(1), 'full', 0);
  assert.equal(single.endsWithDelta(CheckpointId(1)), false);
  assert.equal(single.abandon(CheckpointId(1)), false);
  assert.deepEqual(single.checkpointIds(), [1]);
});
