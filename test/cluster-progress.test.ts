/**
 * @module `weir run` in the foreground shows the job's progress on stderr (plain lines every 5 s when
 * stderr is not a terminal) and leaves stdout to the job's own output.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, WEIR_BIN, runNode } from './support/run-command.ts';

const JOB = join(ROOT, 'test/jobs/rest-job.ts');

test('weir run in the foreground prints plain progress lines to stderr and keeps stdout for the job', async () => {
  const count = 8000;
  const outcome = await runNode([WEIR_BIN, 'run', '-p', '2', JOB, '--count', String(count), '--rate', '1000', '--checkpointing', 'false'], { env: {} });
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(outcome.stdout, '');
  const lines = outcome.stderr.split('\n').filter((line) => line.startsWith('progress: '));
  assert.ok(lines.length >= 1, outcome.stderr);
  const toNumber = (text: string | undefined): number => Number((text ?? '').replaceAll(',', ''));
  const read: number[] = [];
  for (const line of lines) {
    const match = /^progress: RUNNING [\d.]+ s \| Source: numbers -> Filter: ([\d,]+) in, ([\d,]+) out \| sum -> Filter -> Sink: Print: ([\d,]+) in, 0 out$/.exec(line);
    assert.ok(match, line);
    read.push(toNumber(match[1]));
    // Every third number passes the filter (each slot reports its own counters, so vertices differ by a little).
    assert.ok(toNumber(match[2]) <= toNumber(match[1]), line);
  }
  // The source is rate-limited: the lines show the job under way, before it read everything.
  assert.ok(read.some((n) => n > 0 && n < count), lines.join('\n'));
  assert.match(outcome.stderr, /Job 'rest-count' \([0-9a-f]{32}\) finished in/);
});
