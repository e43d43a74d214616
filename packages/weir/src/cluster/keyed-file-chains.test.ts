import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { MemoryCheckpointStorage } from '../checkpoint/memory-checkpoint-storage.ts';
import { KeyedFileChains } from './keyed-file-chains.ts';

const owner = { uid: 'count', subtask: 1, fileName: 'count-1' };
const range = { keyGroupStart: 64, keyGroupEnd: 127 };

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

test('each incremental file comes with the files it builds on, linked into its own checkpoint, which outlive the old checkpoints', async () => {
  const storage = new MemoryCheckpointStorage();
  const chains = new KeyedFileChains();
  const locations = [];
  const contents = ['full', 'changes 2', 'changes 3'];
  for (const [i, text] of contents.entries()) {
    const id = i + 1;
    const location = await storage.initializeLocation('job', id);
    locations.push(location);
    const handle = await chains.write(storage, location, id, owner, { chunks: [bytesOf(text)], ...range, base: Array.from({ length: i }, (_, j) => j + 1) });
    assert.equal(handle.path, `count-1-keyed-${id}`);
    assert.deepEqual(handle.base?.map((h) => h.path), i === 0 ? undefined : Array.from({ length: i }, (_, j) => `count-1-keyed-${j + 1}`));
  }
  const last = locations[2];
  assert.ok(last !== undefined);
  await storage.discard(locations[0]?.directory ?? '');
  await storage.discard(locations[1]?.directory ?? '');
  const location4 = await storage.initializeLocation('job', 4);
  const handle = await chains.write(storage, location4, 4, owner, { chunks: [bytesOf('changes 4')], ...range, base: [1, 2, 3] });
  const read = [];
  for (const file of [...(handle.base ?? []), handle]) read.push(new TextDecoder().decode(await storage.readState(location4.directory, file)));
  assert.deepEqual(read, [...contents, 'changes 4']);
});

test('changes that build on files not stored last for the subtask are refused, so the task writes a full snapshot', async () => {
  const storage = new MemoryCheckpointStorage();
  const chains = new KeyedFileChains();
  await chains.write(storage, await storage.initializeLocation('job', 1), 1, owner, { chunks: [bytesOf('full')], ...range, base: [] });
  await assert.rejects(
    chains.write(storage, await storage.initializeLocation('job', 3), 3, owner, { chunks: [bytesOf('changes')], ...range, base: [1, 2] }),
    (error: unknown) => error instanceof WeirError && error.code === 'CHECKPOINT_FAILED' && error.message.includes("uid 'count' subtask 1") && error.message.includes('1, 2'),
  );
  await assert.rejects(
    chains.write(storage, await storage.initializeLocation('job', 2), 2, { ...owner, subtask: 0 }, { chunks: [bytesOf('changes')], ...range, base: [1] }),
    (error: unknown) => error instanceof WeirError && error.code === 'CHECKPOINT_FAILED',
  );
});

test('a file that builds on a discarded checkpoint fails to link, and a full one starts over', async () => {
  const storage = new MemoryCheckpointStorage();
  const chains = new KeyedFileChains();
  const first = await storage.initializeLocation('job', 1);
  await chains.write(storage, first, 1, owner, { chunks: [bytesOf('full')], ...range, base: [] });
  await storage.discard(first.directory); // checkpoint 1 aborted
  await assert.rejects(chains.write(storage, await storage.initializeLocation('job', 2), 2, owner, { chunks: [bytesOf('changes')], ...range, base: [1] }));
  const handle = await chains.write(storage, await storage.initializeLocation('job', 3), 3, owner, { chunks: [bytesOf('full again')], ...range, base: [] });
  assert.equal(handle.base, undefined);
});

test('without incremental checkpoints the file keeps its plain name and has no base', async () => {
  const storage = new MemoryCheckpointStorage();
  const handle = await new KeyedFileChains().write(storage, await storage.initializeLocation('job', 1), 1, owner, { chunks: [bytesOf('full')], ...range });
  assert.equal(handle.path, 'count-1-keyed');
  assert.equal(handle.base, undefined);
});

test('changes that build on the chain before an aborted checkpoint link the files of that chain', async () => {
  const storage = new MemoryCheckpointStorage();
  const chains = new KeyedFileChains();
  const contents = ['full', 'changes 2', 'changes 3, aborted'];
  const locations = [];
  for (const [i, text] of contents.entries()) {
    const location = await storage.initializeLocation('job', i + 1);
    locations.push(location);
    await chains.write(storage, location, i + 1, owner, { chunks: [bytesOf(text)], ...range, base: Array.from({ length: i }, (_, j) => j + 1) });
  }
  await storage.discard(locations[2]?.directory ?? ''); // checkpoint 3 aborted after its file was stored
  const location4 = await storage.initializeLocation('job', 4);
  const handle = await chains.write(storage, location4, 4, owner, { chunks: [bytesOf('changes 3 and 4')], ...range, base: [1, 2] });
  assert.deepEqual(handle.base?.map((h) => h.path), ['count-1-keyed-1', 'count-1-keyed-2']);
  const read = [];
  for (const file of [...(handle.base ?? []), handle]) read.push(new TextDecoder().decode(await storage.readState(location4.directory, file)));
  assert.deepEqual(read, ['full', 'changes 2', 'changes 3 and 4']);
});
