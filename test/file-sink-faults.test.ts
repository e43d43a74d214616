/**
 * @module The FileSink under a worker crash, bucketed by key and rolled by size: the finished part
 * files hold every record exactly once, and a reader listing the visible files while the job runs never
 * sees a partial file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runJob } from 'weir/testing';
import { line, reading } from './jobs/file-sink-job.ts';

const JOB = new URL('./jobs/file-sink-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-file-sink-faults-'));
after(() => rmSync(root, { recursive: true, force: true }));

const RESTART = { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': '10 ms' };

/** Every file under `dir`, recursively, as paths relative to it; hidden files (in-progress parts) only when asked. */
function files(dir: string, hidden = false): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (!hidden && entry.name.startsWith('.')) return [];
    if (entry.isDirectory()) return files(join(dir, entry.name), hidden).map((f) => join(entry.name, f));
    return [entry.name];
  });
}

function linesOf(dir: string): string[] {
  return files(dir).flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n').filter((l) => l !== ''));
}

/** The plain reference: every record's line, sorted. */
function expectedLines(count: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(line(reading(i)));
  return lines.sort();
}

test('a worker dying mid-write (no close) leaves nothing partial visible, and the restart cleans up its in-progress parts', async () => {
  const out = join(root, 'crash');
  const count = 30_000;
  await runJob(JOB, {
    parallelism: 2,
    args: { out, checkpoints: join(root, 'chk-crash'), count, rate: 30_000, 'crash-at': 8000, interval: 150 },
    configuration: RESTART,
  });
  assert.deepEqual(linesOf(out).sort(), expectedLines(count));
  assert.deepEqual(files(out, true).filter((f) => f.startsWith('.')), []);
});

test('bucketing by key: each key has its own sub-folder holding exactly its records', async () => {
  const out = join(root, 'buckets');
  const count = 20_000;
  await runJob(JOB, {
    parallelism: 2,
    args: { out, checkpoints: join(root, 'chk-buckets'), count, rate: 30_000, 'fail-at': 6000, bucket: 'key' },
    configuration: RESTART,
  });
  const byKey = new Map<string, string[]>();
  for (let i = 0; i < count; i++) {
    const r = reading(i);
    byKey.set(r.key, [...(byKey.get(r.key) ?? []), line(r)]);
  }
  assert.deepEqual(readdirSync(out).sort(), [...byKey.keys()].map((key) => `key=${key}`).sort());
  for (const [key, lines] of byKey) assert.deepEqual(linesOf(join(out, `key=${key}`)).sort(), lines.sort());
});

test('rolling by size: no finished part is larger than maxPartSize, and every record is in one of them', async () => {
  const out = join(root, 'rolling');
  const count = 20_000;
  const maxPartSize = 4096;
  await runJob(JOB, {
    parallelism: 2,
    args: { out, checkpoints: join(root, 'chk-rolling'), count, rate: 40_000, 'max-part-size': maxPartSize, interval: 1000 },
    configuration: RESTART,
  });
  const sizes = files(out).map((part) => statSync(join(out, part)).size);
  for (const size of sizes) assert.ok(size <= maxPartSize, `a part of ${size} bytes is larger than ${maxPartSize}`);
  // Parts rolled by size are nearly full; only the last of each subtask (and any a checkpoint rolled) is not.
  const rolledEarly = sizes.filter((size) => size < maxPartSize - 16).length;
  assert.ok(sizes.length > 10 && rolledEarly <= 4, `${sizes.length} parts, ${rolledEarly} not full`);
  assert.deepEqual(linesOf(out).sort(), expectedLines(count));
});

test('a reader listing the visible files while the job runs never sees a partial file', async () => {
  const out = join(root, 'reader');
  const count = 40_000;
  const seen = new Map<string, string>();
  let done = false;
  const job = runJob(JOB, {
    parallelism: 2,
    args: { out, checkpoints: join(root, 'chk-reader'), count, rate: 20_000, 'fail-at': 12_000, interval: 100 },
    configuration: RESTART,
  }).finally(() => {
    done = true;
  });
  const poll = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const file = join(dir, entry.name);
      if (entry.isDirectory()) await poll(file);
      else if (!seen.has(file)) seen.set(file, await readFile(file, 'utf8'));
    }
  };
  while (!done) {
    await poll(out);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await job;
  assert.ok(seen.size >= 5, `the reader saw ${seen.size} files while the job ran`);
  for (const [file, content] of seen) {
    assert.equal(content, readFileSync(file, 'utf8'), `${file} changed after the reader first saw it`);
    assert.ok(content.endsWith('\n'), `${file} ends mid-line`);
  }
  assert.deepEqual(linesOf(out).sort(), expectedLines(count));
});
