/**
 * @module The seeds' worked example (examples/alignment.ts): with a slowed channel and a failure after
 * a completed checkpoint, aligned EXACTLY_ONCE counts are exact after the restore and AT_LEAST_ONCE
 * counts are too high (records after the barrier were in the snapshot and were replayed), never too low.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runMode, writeViews } from '../examples/alignment.ts';

const dir = mkdtempSync(join(tmpdir(), 'weir-alignment-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const perPartition = 20_000;
const truth = writeViews(dir, perPartition);

test('aligned EXACTLY_ONCE checkpoints restore exact counts', async () => {
  assert.deepEqual(await runMode('EXACTLY_ONCE', dir, perPartition), truth);
});

test('unaligned EXACTLY_ONCE checkpoints restore exact counts: in-flight records are replayed once', async () => {
  assert.deepEqual(await runMode('UNALIGNED', dir, perPartition), truth);
});

test('unaligned checkpoints stay exact with a slow operator and tiny buffers (one small batch per channel)', async () => {
  const tiny = { 'taskmanager.network.memory.buffers-per-channel': 1, 'taskmanager.memory.segment-size': '256 b' };
  assert.deepEqual(await runMode('UNALIGNED', dir, perPartition, tiny), truth);
});

test('aligned checkpoints that switch to unaligned after the aligned-checkpoint-timeout restore exact counts', async () => {
  assert.deepEqual(await runMode('ALIGNED_TIMEOUT', dir, perPartition), truth);
});

test('AT_LEAST_ONCE checkpoints lose nothing but count the records after the barrier twice', async () => {
  // A longer input, so the fast partition is still running when the first checkpoint completes even on
  // a busy machine: only records sent past a barrier can be counted twice.
  const longer = mkdtempSync(join(tmpdir(), 'weir-alignment-alo-'));
  after(() => rmSync(longer, { recursive: true, force: true }));
  const longerTruth = writeViews(longer, 3 * perPartition);
  const counts = await runMode('AT_LEAST_ONCE', longer, 3 * perPartition);
  let extra = 0;
  for (const [app, count] of longerTruth) {
    const got = counts.get(app) ?? 0;
    assert.ok(got >= count, `${app}: ${got} < ${count}: a record was lost`);
    extra += got - count;
  }
  assert.ok(extra > 0, 'no record was counted twice');
});
