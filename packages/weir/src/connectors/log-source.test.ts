/**
 * @module Tests of LogSource and LogWriter: every line once and in partition order at several
 * parallelisms and chunk sizes, line edge cases, starting offsets, resuming from snapshots, continuous
 * reading of appended lines, and the errors users meet.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import type { SourceReader } from '../operators/source.ts';
import { LogSource } from './log-source.ts';
import type { LogSourceOptions, LogSplit } from './log-source.ts';
import { LogWriter, writeLogPartitions } from './log-writer.ts';
import { closeReaders, openSourceReaders, pollReader } from './reader-harness.ts';

let directory = '';

beforeEach(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'weir-log-source-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

const PAYLOADS = ['', 'plain ascii', 'grüße, café', '€ and 😀 and 中文', 'x'.repeat(300), '{"a":1,"b":[1,2,3]}', 'tab\tand\rcarriage'];

/** Line i of partition k: it names its partition and index, and carries a payload of varied length and script. */
function makeLine(partition: number, index: number): string {
  return `${partition}|${index}|${PAYLOADS[(index * 7 + partition) % PAYLOADS.length] ?? ''}`;
}

function makeTopic(lineCounts: readonly number[]): string[][] {
  const partitions = lineCounts.map((count, partition) => Array.from({ length: count }, (_, index) => makeLine(partition, index)));
  writeLogPartitions(directory, partitions);
  return partitions;
}

function partitionOf(line: string): number {
  return Number(line.slice(0, line.indexOf('|')));
}

/** Groups lines by the partition they name, keeping their order. */
function byPartition(lines: readonly string[], partitionCount: number): string[][] {
  const groups: string[][] = Array.from({ length: partitionCount }, () => []);
  for (const line of lines) groups[partitionOf(line)]?.push(line);
  return groups;
}

function source(options: Partial<LogSourceOptions<string>> = {}): LogSource {
  return new LogSource({ path: directory, ...options });
}

function fileOf(partition: number): string {
  return path.join(directory, `partition-${partition}.log`);
}

/** What a file's content means as records in bounded mode: a last line without "\n" counts. */
function recordsOf(content: string): string[] {
  const lines = content.split('\n');
  if (content.endsWith('\n')) lines.pop();
  return content === '' ? [] : lines;
}

describe('LogSource', () => {
  for (const parallelism of [1, 2, 3]) {
    for (const readChunkBytes of [7, 256 * 1024]) {
      test(`reads every line of 4 partitions once and in partition order at parallelism ${parallelism} with ${readChunkBytes}-byte reads`, async () => {
        const partitions = makeTopic([500, 0, 1300, 777]);
        const readers = await openSourceReaders(source({ readChunkBytes }), parallelism);
        const perSubtask = await Promise.all(readers.map((reader) => pollReader(reader)));
        perSubtask.forEach((lines, subtask) => {
          for (const line of lines) assert.equal(partitionOf(line) % parallelism, subtask, `partition of ${line} read by subtask ${subtask}`);
        });
        assert.deepEqual(byPartition(perSubtask.flat(), partitions.length), partitions);
        await closeReaders(readers);
      });
    }
  }

  test('takes turns between partitions rather than reading one to its end first', async () => {
    makeTopic([30_000, 30_000]);
    const [reader] = await openSourceReaders(source({ readChunkBytes: 64 * 1024 }), 1);
    assert.ok(reader !== undefined);
    const lines = await pollReader(reader);
    let switches = 0;
    for (let i = 1; i < lines.length; i++) if (partitionOf(lines[i] ?? '') !== partitionOf(lines[i - 1] ?? '')) switches++;
    // bursts of about a thousand lines each, once both partitions' first reads have landed
    assert.ok(switches >= 4, `the reader switched partitions ${switches} times`);
    await reader.close();
  });

  test('empty lines, characters cut by chunk boundaries and a last line without newline are records', async () => {
    const contents = ['a\n\n€😀中\n\n\nlast without newline', '\n', '', 'only line', 'x\r\ny\n', '😀😀😀😀\n'.repeat(50)];
    contents.forEach((content, partition) => {
      writeFileSync(fileOf(partition), content);
    });
    for (const readChunkBytes of [1, 2, 3, 5, 64]) {
      const readers = await openSourceReaders(source({ readChunkBytes }), contents.length);
      const perSubtask = await Promise.all(readers.map((reader) => pollReader(reader)));
      assert.deepEqual(perSubtask, contents.map(recordsOf), `with ${readChunkBytes}-byte reads`);
      await closeReaders(readers);
    }
  });

  test('startingOffsets start each partition at that record offset', async () => {
    const partitions = makeTopic([100, 50, 10, 0]);
    const startingOffsets = { 0: 37, 1: 50, 2: 1000 };
    const readers = await openSourceReaders(source({ startingOffsets, readChunkBytes: 5 }), 2);
    const perSubtask = await Promise.all(readers.map((reader) => pollReader(reader)));
    const expected = partitions.map((lines, partition) => lines.slice(startingOffsets[partition as 0 | 1 | 2] ?? 0));
    assert.deepEqual(byPartition(perSubtask.flat(), partitions.length), expected);
    await closeReaders(readers);
  });

  test('a starting offset counts a last line without newline as a record', async () => {
    const content = 'a\nb\nc';
    writeFileSync(fileOf(0), content);
    writeFileSync(fileOf(1), content);
    const readers = await openSourceReaders(source({ startingOffsets: { 0: 2, 1: 3 }, readChunkBytes: 1 }), 2);
    assert.deepEqual(await Promise.all(readers.map((reader) => pollReader(reader))), [['c'], []]);
    assert.deepEqual(readers[1]?.snapshotState(), [{ splitId: 'partition-1', partition: 1, offset: 3, byteOffset: Buffer.byteLength(content) }]);
    await closeReaders(readers);
  });

  test('a snapshot taken before a starting offset is reached still names that offset', async () => {
    makeTopic([100]);
    const [reader] = await openSourceReaders(source({ startingOffsets: { 0: 60 } }), 1);
    assert.ok(reader !== undefined);
    assert.deepEqual(reader.snapshotState(), [{ splitId: 'partition-0', partition: 0, offset: 60, byteOffset: null }]);
    await reader.close();
  });

  for (const parallelism of [1, 2, 3]) {
    test(`readers restored from snapshotState at parallelism ${parallelism} emit exactly the remaining lines`, async () => {
      const partitions = makeTopic([3000, 2500, 4000, 100]);
      const options = { readChunkBytes: 4096, startingOffsets: { 1: 10 } };
      const expected = partitions.map((lines, partition) => lines.slice(partition === 1 ? 10 : 0));
      const readers = await openSourceReaders(source(options), parallelism);
      const before = await Promise.all(readers.map((reader, subtask) => pollReader(reader, { until: (lines) => lines.length >= 1500 + 700 * subtask })));
      // splits travel as JSON between the JobManager, workers and checkpoint files
      const snapshot = JSON.parse(JSON.stringify(readers.map((reader) => reader.snapshotState()))) as LogSplit[][];
      await closeReaders(readers);
      for (const split of snapshot.flat()) assert.equal(typeof split.byteOffset, 'number');

      const restored = await openSourceReaders(source(options), parallelism, snapshot);
      const after = await Promise.all(restored.map((reader) => pollReader(reader)));
      assert.deepEqual(byPartition([...before.flat(), ...after.flat()], partitions.length), expected);
      // a split holds partition order: nothing read before the snapshot comes again after it
      assert.equal(before.flat().length + after.flat().length, expected.flat().length);
      await closeReaders(restored);
    });
  }

  test('a snapshot taken mid-line across chunks resumes at the start of that line', async () => {
    const partitions = makeTopic([400]);
    const [reader] = await openSourceReaders(source({ readChunkBytes: 3 }), 1);
    assert.ok(reader !== undefined);
    const before: string[] = [];
    // poll one chunk at a time until the reader holds part of a line
    let split: LogSplit | undefined;
    for (let polls = 0; polls < 10_000; polls++) {
      reader.pollNext({ collect: (line) => before.push(line) });
      split = reader.snapshotState()[0];
      if (before.length > 20 && split !== undefined && split.byteOffset !== null && split.byteOffset % 3 !== 0) break;
      await reader.isAvailable();
    }
    await reader.close();
    assert.ok(split !== undefined);
    assert.equal(split.offset, before.length);

    const [restored] = await openSourceReaders(source({ readChunkBytes: 3 }), 1, [[split]]);
    assert.ok(restored !== undefined);
    assert.deepEqual([...before, ...(await pollReader(restored))], partitions[0]);
    await restored.close();
  });

  test('a continuous reader picks up appended lines, waits on an unterminated one and never ends', async () => {
    const writer = new LogWriter(directory, 3);
    const expected: string[][] = [[], [], []];
    const append = (from: number, to: number): void => {
      for (let index = from; index < to; index++) {
        const partition = index % 3;
        const line = makeLine(partition, index);
        writer.append(partition, line);
        expected[partition]?.push(line);
      }
      writer.flush();
    };
    append(0, 3000);
    const readers = await openSourceReaders(source({ boundedness: 'CONTINUOUS_UNBOUNDED', pollIntervalMs: 5, readChunkBytes: 1000 }), 4);
    const [first, second, third, idle] = readers;
    assert.ok(first !== undefined && second !== undefined && third !== undefined && idle !== undefined);
    const seen: string[][] = [[], [], []];
    /** Polls each of the first three readers (one partition each) until it has read all of `expected`. */
    const catchUp = (): Promise<unknown> =>
      Promise.all(
        [first, second, third].map(async (reader, partition) => {
          const already = seen[partition]?.length ?? 0;
          const wanted = expected[partition]?.length ?? 0;
          const lines = await pollReader(reader, { until: (read) => already + read.length >= wanted, timeoutMs: 5000 });
          seen[partition]?.push(...lines);
        }),
      );
    await catchUp();
    append(3000, 4500);
    await catchUp();
    assert.deepEqual(seen, expected);

    // a line without "\n" is still being written: no record until it ends
    appendFileSync(fileOf(0), '0|unterminated');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const late: string[] = [];
    assert.equal(first.pollNext({ collect: (line) => late.push(line) }), 'NOTHING_AVAILABLE');
    assert.equal(idle.pollNext({ collect: (line) => late.push(line) }), 'NOTHING_AVAILABLE');
    appendFileSync(fileOf(0), ' line\n');
    assert.deepEqual(await pollReader(first, { until: (lines) => lines.length > 0, timeoutMs: 5000 }), ['0|unterminated line']);
    assert.deepEqual(late, []);
    await closeReaders(readers);
  });

  test('a bounded subtask without partitions ends at once', async () => {
    makeTopic([10, 10]);
    const readers = await openSourceReaders(source(), 3);
    const idle = readers[2];
    assert.ok(idle !== undefined);
    assert.equal(
      idle.pollNext({
        collect: () => {
          assert.fail('no records expected');
        },
      }),
      'END_OF_INPUT',
    );
    assert.deepEqual(idle.snapshotState(), []);
    await closeReaders(readers);
  });

  test('a missing directory, one without partitions and a gap in numbering are errors naming the path', async () => {
    const enumerate = (sourcePath: string): Promise<unknown> =>
      Promise.resolve(new LogSource({ path: sourcePath }).createEnumerator({ parallelism: 2, description: "source 'Log' (uid clicks)" }).assignInitialSplits());
    const missing = path.join(directory, 'nope');
    await assert.rejects(enumerate(missing), (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.equal(error.code, 'SOURCE_FAILED');
      assert.match(error.message, /source 'Log' \(uid clicks\)/);
      assert.ok(error.message.includes(`${missing} does not exist`), error.message);
      assert.ok(error.hint !== undefined);
      return true;
    });

    const empty = path.join(directory, 'empty');
    mkdirSync(empty);
    writeFileSync(path.join(empty, 'README'), 'not a partition');
    writeFileSync(path.join(empty, 'partition-01.log'), 'not canonical');
    await assert.rejects(enumerate(empty), (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.ok(error.message.includes(`${empty} holds no partition files`), error.message);
      return true;
    });

    const gap = path.join(directory, 'gap');
    writeLogPartitions(gap, [['a'], ['b'], ['c']]);
    rmSync(path.join(gap, 'partition-1.log'));
    await assert.rejects(enumerate(gap), (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.ok(error.message.includes(path.join(gap, 'partition-1.log')), error.message);
      return true;
    });

    const file = path.join(directory, 'file');
    writeFileSync(file, '');
    await assert.rejects(enumerate(file), /is not a directory/);
  });

  test('a format that throws fails naming the source, the partition, the record offset and the cause', async () => {
    const second = ['{"n":0}', '{"n":1}', 'not json', '{"n":3}'];
    writeLogPartitions(directory, [['{"n":0}'], second]);
    const parse = new LogSource({ path: directory, format: (line) => JSON.parse(line) as { n: number } });
    const readers = await openSourceReaders(parse, 2);
    const reader = readers[1];
    assert.ok(reader !== undefined);
    await assert.rejects(pollReader(reader), (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.equal(error.code, 'USER_FUNCTION_FAILED');
      assert.match(error.message, /source 'Log' \(uid harness\) subtask 2\/2/);
      assert.ok(error.message.includes(`partition 1 (${fileOf(1)}) at record offset ${second.indexOf('not json')}:`), error.message);
      assert.match(error.message, /SyntaxError/);
      assert.match(error.hint ?? '', /"not json"/);
      return true;
    });
    // the failed record is not consumed: a restore retries it
    const failedAt = second.indexOf('not json');
    const bytesBefore = Buffer.byteLength(second.slice(0, failedAt).map((line) => `${line}\n`).join(''));
    assert.deepEqual(reader.snapshotState(), [{ splitId: 'partition-1', partition: 1, offset: failedAt, byteOffset: bytesBefore }]);
    assert.deepEqual(await pollReader(readers[0] as SourceReader<{ n: number }, LogSplit>), [{ n: 0 }]);
    await closeReaders(readers);
  });

  test('restoring onto a truncated partition fails naming the file', async () => {
    makeTopic([200]);
    const [reader] = await openSourceReaders(source(), 1);
    assert.ok(reader !== undefined);
    await pollReader(reader);
    const snapshot = reader.snapshotState();
    await reader.close();
    truncateSync(fileOf(0), 10);
    const [restored] = await openSourceReaders(source(), 1, [snapshot]);
    assert.ok(restored !== undefined);
    await assert.rejects(pollReader(restored), (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.equal(error.code, 'SOURCE_FAILED');
      assert.ok(error.message.includes(`${fileOf(0)}) has 10 bytes`), error.message);
      return true;
    });
    await restored.close();
  });

  test('bad options are reported by name with what is accepted', async () => {
    const cases: [string, () => unknown][] = [
      ['path', () => new LogSource({ path: '' })],
      ['readChunkBytes', () => source({ readChunkBytes: 0 })],
      ['pollIntervalMs', () => source({ pollIntervalMs: -5 })],
      ['boundedness', () => source({ boundedness: 'SOMETIMES' as 'BOUNDED' })],
      ['startingOffsets', () => source({ startingOffsets: { first: 1 } as Record<number, number> })],
      ['startingOffsets[0]', () => source({ startingOffsets: { 0: -1 } })],
      ['format', () => source({ format: 'json' as unknown as (line: string) => string })],
    ];
    for (const [option, create] of cases) {
      assert.throws(create, (error: unknown) => {
        assert.ok(error instanceof WeirError);
        assert.equal(error.code, 'INVALID_OPTION');
        assert.ok(error.message.includes(`option '${option}' (new LogSource())`), error.message);
        assert.match(error.message, /accepted: /);
        return true;
      });
    }
    makeTopic([1, 1]);
    await assert.rejects(Promise.resolve(source({ startingOffsets: { 2: 0 } }).createEnumerator({ parallelism: 1, description: 'here' }).assignInitialSplits()), /option 'startingOffsets\[2\]' \(here\).*partitions 0 to 1/);
  });
});

describe('LogWriter', () => {
  test('writes partition files that LogSource reads back, appending to existing ones', async () => {
    const expected: string[][] = [[], [], []];
    for (const round of [0, 1]) {
      const writer = new LogWriter(directory, 3);
      for (let index = 0; index < 20_000; index++) {
        const line = makeLine(index % 3, index + round * 20_000);
        writer.append(index % 3, line);
        expected[index % 3]?.push(line);
      }
      writer.close();
    }
    const readers = await openSourceReaders(source(), 3);
    assert.deepEqual(await Promise.all(readers.map((reader) => pollReader(reader))), expected);
    await closeReaders(readers);
  });

  test('rejects lines with a newline, unknown partitions and appends after close', () => {
    const writer = new LogWriter(path.join(directory, 'topic'), 2);
    assert.throws(() => {
      writer.append(0, 'two\nlines');
    }, /contains "\\n"/);
    assert.throws(() => {
      writer.append(2, 'x');
    }, /option 'partition'.*accepted: an integer from 0 to 1/);
    writer.close();
    assert.throws(() => {
      writer.append(0, 'late');
    }, /is closed/);
  });
});
