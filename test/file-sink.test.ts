/**
 * @module The FileSink in running jobs with checkpoints and an injected failure: after the restore,
 * the finished part files hold every record exactly once, at parallelism 1, 2 and 4.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TEST_PARALLELISMS, runJob } from 'weir/testing';
import { line, reading } from './jobs/file-sink-job.ts';

const JOB = new URL('./jobs/file-sink-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-file-sink-'));
after(() => rmSync(root, { recursive: true, force: true }));

const RESTART = { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': '10 ms' };
const FINISHED = /^part-[0-9a-f-]{36}-\d+-\d+$/;

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

for (const parallelism of TEST_PARALLELISMS) {
  test(`after a failure and a restore, the finished files hold every record exactly once at parallelism ${parallelism}`, async () => {
    const out = join(root, `exactly-once-p${parallelism}`);
    const count = 45_000;
    const result = await runJob(JOB, {
      parallelism,
      args: { out, checkpoints: join(out, '..', `chk-p${parallelism}`), count, rate: 30_000, 'fail-at': 15_000 },
      configuration: RESTART,
    });
    const reread = result.recordsIn('readings');
    assert.ok(reread < count, `the restarted attempt read ${reread} of ${count}: it did not start from a checkpoint`);
    assert.deepEqual(linesOf(out).sort(), expectedLines(count));
    assert.deepEqual(files(out, true).filter((f) => f.startsWith('.')), [], 'no in-progress part is left');
    for (const file of files(out)) assert.match(file, FINISHED);
  });
}
