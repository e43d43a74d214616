/**
 * @module Tests of the FileSink's writer, committer and clean-up on their own: part names, rolling,
 * buckets, commits that repeat, in-progress files left by earlier attempts, and the options.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import type { CommittingSinkContext } from '../operators/sink.ts';
import { FileSink, dateTimeBucketAssigner, type FileSinkCommittable } from './file-sink.ts';

const root = mkdtempSync(path.join(tmpdir(), 'weir-file-sink-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
function freshDir(): string {
  return path.join(root, `d${dirs++}`);
}

function context(subtaskIndex = 0, parallelism = 1): CommittingSinkContext {
  return {
    subtaskIndex,
    parallelism,
    description: `sink 'FileSink' (uid files) subtask ${subtaskIndex + 1}/${parallelism}`,
    attemptNumber: 0,
    sendEventToCoordinator: () => {},
    restoredCheckpointId: undefined,
    jobName: 'files',
    operatorUid: 'files',
  };
}

/** Files under `dir` (relative paths), recursively, hidden ones included when asked. */
function listTree(dir: string, hidden = false): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!hidden && entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) out.push(...listTree(path.join(dir, entry.name), hidden).map((f) => path.join(entry.name, f)));
    else out.push(entry.name);
  }
  return out.sort();
}

function linesUnder(dir: string): string[] {
  return listTree(dir).flatMap((file) => readFileSync(path.join(dir, file), 'utf8').split('\n').filter((line) => line !== ''));
}

const FINISHED = /^part-[0-9a-f-]{36}-(\d+)-(\d+)$/;
const IN_PROGRESS = /^\.part-[0-9a-f-]{36}-(\d+)-(\d+)\.inprogress\.[0-9a-f-]{36}$/;

describe('FileSink', () => {
  test('parts are hidden while written, pending after prepareCommit and visible with their final name after commit', async () => {
    const dir = freshDir();
    const sink = FileSink.forRowFormat<number>(dir).withBucketAssigner(() => '').build();
    const writer = sink.createWriter(context(1, 2));
    for (let i = 0; i < 5; i++) writer.write(i, undefined);
    const committables = await writer.prepareCommit(1);
    assert.equal(committables.length, 1);
    const [committable] = committables as [FileSinkCommittable];
    assert.match(committable.inProgress, IN_PROGRESS);
    assert.match(committable.finished, FINISHED);
    assert.equal(FINISHED.exec(committable.finished)?.[1], '1', 'the subtask is part of the name');
    assert.deepEqual(listTree(dir), [], 'nothing visible before the commit');
    assert.deepEqual(listTree(dir, true), [committable.inProgress]);

    await sink.createCommitter(context(1, 2)).commit(committables);
    assert.deepEqual(listTree(dir, true), [committable.finished]);
    assert.deepEqual(linesUnder(dir), ['0', '1', '2', '3', '4']);
    await writer.close();
  });

  test('a commit repeated after it succeeded is a success; a part that vanished unfinished fails naming the file', async () => {
    const dir = freshDir();
    const sink = FileSink.forRowFormat<string>(dir).withBucketAssigner(() => 'b').build();
    const writer = sink.createWriter(context());
    writer.write('x', undefined);
    const committables = await writer.prepareCommit(1);
    const committer = sink.createCommitter(context());
    await committer.commit(committables);
    await committer.commit(committables);
    assert.deepEqual(linesUnder(dir), ['x']);

    const missing: FileSinkCommittable = { bucket: 'b', inProgress: '.part-gone.inprogress.x', finished: 'part-gone' };
    await assert.rejects(committer.commit([missing]), (error: unknown) => error instanceof WeirError && error.code === 'SINK_FAILED' && error.message.includes('.part-gone.inprogress.x'));
  });

  test('a part rolls before a record would take it past maxPartSize, and every record lands once', async () => {
    const dir = freshDir();
    const maxPartSize = 100;
    const sink = FileSink.forRowFormat<string>(dir).withBucketAssigner(() => '').withRollingPolicy({ maxPartSize }).build();
    const writer = sink.createWriter(context());
    const records = Array.from({ length: 200 }, (_, i) => `record-${i}`);
    for (const record of records) writer.write(record, undefined);
    const committables = await writer.prepareCommit(1);
    await sink.createCommitter(context()).commit(committables);
    const files = listTree(dir);
    assert.ok(files.length > 10, `${files.length} parts`);
    for (const file of files) assert.ok(statSync(path.join(dir, file)).size <= maxPartSize, `${file} is larger than ${maxPartSize} bytes`);
    assert.deepEqual(linesUnder(dir).sort(), [...records].sort());
    // Counters number the parts of a writer: no two share one.
    const counters = files.map((file) => Number(FINISHED.exec(file)?.[2]));
    assert.equal(new Set(counters).size, files.length);
  });

  test('records go to the sub-folder their bucket names; a bucket that leaves the base path is refused', async () => {
    const dir = freshDir();
    const sink = FileSink.forRowFormat<{ key: string; n: number }>(dir)
      .withBucketAssigner((r) => `key=${r.key}`)
      .build();
    const writer = sink.createWriter(context());
    const records = Array.from({ length: 30 }, (_, n) => ({ key: `k${n % 3}`, n }));
    for (const record of records) writer.write(record, undefined);
    await sink.createCommitter(context()).commit(await writer.prepareCommit(1));
    for (const key of ['k0', 'k1', 'k2']) {
      const lines = linesUnder(path.join(dir, `key=${key}`)).map((line) => JSON.parse(line) as { key: string; n: number });
      assert.deepEqual(lines.map((r) => r.n).sort((a, b) => a - b), records.filter((r) => r.key === key).map((r) => r.n));
    }

    const escaping = FileSink.forRowFormat<string>(dir).withBucketAssigner((s) => s).build().createWriter(context());
    for (const bucket of ['../outside', '/abs', 'a//b', '.hidden']) {
      assert.throws(() => escaping.write(bucket, undefined), (error: unknown) => error instanceof WeirError && error.message.includes('bucket assigner') && error.message.includes(JSON.stringify(bucket)));
    }
    assert.equal(existsSync(path.join(root, 'outside')), false);
  });

  test('the default bucket is the hour of processing time, yyyy-MM-dd--HH in UTC', () => {
    const assign = dateTimeBucketAssigner<number>();
    const at = (ms: number): string => assign(0, { currentProcessingTime: () => ms, timestamp: () => undefined });
    assert.equal(at(Date.UTC(2024, 4, 1, 13, 59, 59)), '2024-05-01--13');
    assert.equal(at(Date.UTC(2024, 4, 1, 14, 0, 0)), '2024-05-01--14');
    assert.equal(at(Date.UTC(2023, 11, 31, 23, 30)), '2023-12-31--23');
  });

  test('abortLingering deletes the in-progress files of the subtasks this one inherits, and nothing else', async () => {
    const dir = freshDir();
    const sink = FileSink.forRowFormat<number>(dir).withBucketAssigner((n) => `b${n % 2}`).build();
    // Old run at parallelism 4: each subtask leaves a pending (never committed) part in each bucket.
    const leftBy = new Map<string, number>();
    for (let subtask = 0; subtask < 4; subtask++) {
      const writer = sink.createWriter(context(subtask, 4));
      writer.write(subtask * 2, undefined);
      writer.write(subtask * 2 + 1, undefined);
      for (const c of await writer.prepareCommit(1)) leftBy.set(path.join(c.bucket, c.inProgress), subtask);
      writer.write(100, undefined); // still open when the attempt dies
      await writer.close();
    }
    writeFileSync(path.join(dir, 'b0', 'other.txt'), 'not ours');
    writeFileSync(path.join(dir, 'b0', '.hidden-but-not-a-part'), 'not ours');
    mkdirSync(path.join(dir, 'done'), { recursive: true });
    writeFileSync(path.join(dir, 'done', 'part-finished'), 'kept');

    // New run at parallelism 3: subtask 1 inherits old subtask 1 only (1 % 3), subtask 0 old subtasks 0 and 3.
    await sink.abortLingering(context(1, 3));
    const remaining = (): string[] => listTree(dir, true).filter((f) => IN_PROGRESS.test(path.basename(f)));
    for (const file of remaining()) assert.notEqual(Number(IN_PROGRESS.exec(path.basename(file))?.[1]) % 3, 1);
    await sink.abortLingering(context(0, 3));
    await sink.abortLingering(context(2, 3));
    assert.deepEqual(remaining(), []);
    assert.ok(leftBy.size === 8);
    assert.ok(existsSync(path.join(dir, 'b0', 'other.txt')) && existsSync(path.join(dir, 'b0', '.hidden-but-not-a-part')) && existsSync(path.join(dir, 'done', 'part-finished')));
    await sink.abortLingering(context(0, 1)); // nothing left: no error
    await FileSink.forRowFormat(path.join(dir, 'missing')).build().abortLingering(context());
  });

  test('AT_LEAST_ONCE finishes parts at the checkpoint with no committables; NONE keeps writing the same part across checkpoints', async () => {
    const dir = freshDir();
    const atLeastOnce = FileSink.forRowFormat<number>(dir).withBucketAssigner(() => 'alo').withDeliveryGuarantee('AT_LEAST_ONCE').build();
    const writer = atLeastOnce.createWriter(context());
    writer.write(1, undefined);
    assert.deepEqual(await writer.prepareCommit(1), []);
    assert.deepEqual(linesUnder(path.join(dir, 'alo')), ['1']);

    const none = FileSink.forRowFormat<number>(dir).withBucketAssigner(() => 'none').withDeliveryGuarantee('NONE').build();
    const noneWriter = none.createWriter(context());
    noneWriter.write(1, undefined);
    assert.deepEqual(await noneWriter.prepareCommit(1), []);
    noneWriter.write(2, undefined);
    assert.deepEqual(linesUnder(path.join(dir, 'none')), [], 'the part is still being written');
    await noneWriter.flush(true);
    assert.deepEqual(await noneWriter.prepareCommit(Number.MAX_SAFE_INTEGER), []);
    assert.deepEqual(linesUnder(path.join(dir, 'none')), ['1', '2']);
    assert.equal(listTree(path.join(dir, 'none')).length, 1);
  });

  test('an encoder may return bytes, written as they are, and the part prefix and suffix name the files', async () => {
    const dir = freshDir();
    const sink = FileSink.forRowFormat<string>(dir, (s) => new TextEncoder().encode(`<${s}>`))
      .withBucketAssigner(() => '')
      .withOutputFileConfig({ partPrefix: 'events', partSuffix: '.txt' })
      .build();
    const writer = sink.createWriter(context());
    writer.write('a', undefined);
    writer.write('b', undefined);
    await sink.createCommitter(context()).commit(await writer.prepareCommit(1));
    const [file] = listTree(dir);
    assert.match(file ?? '', /^events-[0-9a-f-]{36}-0-0\.txt$/);
    assert.equal(readFileSync(path.join(dir, file ?? ''), 'utf8'), '<a><b>');
  });

  test('bad options are refused by name', () => {
    const refused = (fn: () => unknown, option: string): void => {
      assert.throws(fn, (error: unknown) => error instanceof WeirError && error.code === 'INVALID_OPTION' && error.message.includes(`'${option}'`));
    };
    refused(() => FileSink.forRowFormat(''), 'basePath');
    refused(() => FileSink.forRowFormat('out').withRollingPolicy({ maxPartSize: 0 }), 'maxPartSize');
    refused(() => FileSink.forRowFormat('out').withRollingPolicy({ rolloverInterval: -1 }), 'rolloverInterval');
    refused(() => FileSink.forRowFormat('out').withOutputFileConfig({ partPrefix: '.hidden' }), 'partPrefix');
    refused(() => FileSink.forRowFormat('out').withOutputFileConfig({ partSuffix: 'a/b' }), 'partSuffix');
    refused(() => FileSink.forRowFormat('out').withDeliveryGuarantee('SOMETIMES' as 'NONE'), 'deliveryGuarantee');
    const sink = FileSink.forRowFormat('out').build();
    assert.equal(sink.deliveryGuarantee, 'EXACTLY_ONCE');
    assert.equal(sink.basePath, path.resolve('out'));
  });
});
