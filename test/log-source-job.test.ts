/**
 * @module The partitioned log source inside a job at parallelism 1, 2 and 4: every line of every
 * partition is read once, whichever subtask owns the partition (more subtasks than partitions too).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LogWriter, randomInt } from 'weir';
import { TEST_PARALLELISMS, runJob } from 'weir/testing';

const dir = mkdtempSync(join(tmpdir(), 'weir-log-job-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PARTITIONS = 3;
const expected = new Map<string, number>();
const writer = new LogWriter(dir, PARTITIONS);
for (let i = 0; i < 20_000; i++) {
  const word = i % 97 === 0 ? '' : `w${randomInt(3, i, 50)}`;
  writer.append(randomInt(4, i, PARTITIONS), word);
  if (word !== '') expected.set(word, (expected.get(word) ?? 0) + 1);
}
writer.close();

for (const parallelism of TEST_PARALLELISMS) {
  test(`a log source feeds every line of every partition once at parallelism ${parallelism}`, async () => {
    const result = await runJob(new URL('./jobs/log-count-job.ts', import.meta.url), { parallelism, args: { input: dir } });
    const counts = new Map(result.getCollected<{ word: string; count: number }>('counts').map((e) => [e.word, e.count]));
    assert.deepEqual(counts, expected);
  });
}
