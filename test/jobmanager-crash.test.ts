/**
 * @module The whole process dies between a checkpoint's `_metadata` commit and the completion notices:
 * the checkpoint is complete on disk though no task heard of it. A restart from the latest retained
 * checkpoint restores exactly that one and the counts equal a count of the whole input.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { finalCountsFile, reading, type TraceEvent } from './jobs/fault-injection-job.ts';
import { runNode, WEIR_BIN } from './support/run-command.ts';

const root = mkdtempSync(join(tmpdir(), 'weir-jm-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));
const SCRIPT = fileURLToPath(new URL('./support/kill-after-metadata.ts', import.meta.url));
const JOB_FILE = fileURLToPath(new URL('./jobs/fault-injection-job.ts', import.meta.url));
// The restarted run says which checkpoint it restores at log level info.
process.env['WEIR_LOG_LEVEL'] = 'info';

test('a checkpoint whose _metadata was committed just before the process died, unannounced to any task, is the one restored and counts stay exact', async () => {
  const count = 30_000;
  const killAfter = 3;
  const checkpoints = join(root, 'checkpoints');
  const out = join(root, 'counts');
  const trace = join(root, 'trace.jsonl');
  const jobArgs = ['--checkpoints', checkpoints, '--out', out, '--count', String(count), '--rate', '10000', '--interval', '100', '--trace', trace];

  const killed = await runNode(['--import', 'tsx', SCRIPT, String(killAfter), ...jobArgs], { timeoutMs: 30_000 });
  assert.equal(killed.code, null, `the first run was not killed:\n${killed.stderr}`);
  const [jobDirectory] = readdirSync(checkpoints);
  assert.ok(jobDirectory !== undefined);
  assert.ok(existsSync(join(checkpoints, jobDirectory, `chk-${killAfter}`, '_metadata')), 'the checkpoint is complete on disk');
  const events = readFileSync(trace, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as TraceEvent);
  assert.ok(
    !events.some((e) => e.event === 'checkpoint-complete' && e.checkpointId >= killAfter),
    'a task heard of the checkpoint before the process died',
  );
  for (const subtask of [0, 1]) assert.ok(!existsSync(finalCountsFile(out, subtask)), 'the first run ended its input before it was killed');

  const restarted = await runNode([WEIR_BIN, 'run', '-p', '2', '--from-checkpoint', 'latest', JOB_FILE, ...jobArgs], { timeoutMs: 60_000 });
  assert.equal(restarted.code, 0, restarted.stderr);
  const restored = /restoring from checkpoint (\{.*\})$/m.exec(restarted.stderr);
  assert.ok(restored?.[1] !== undefined, restarted.stderr);
  assert.equal((JSON.parse(restored[1]) as { checkpointId: number }).checkpointId, killAfter);

  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) expected.set(reading(i).key, (expected.get(reading(i).key) ?? 0) + 1);
  const merged = new Map<string, number>();
  for (const subtask of [0, 1]) {
    for (const [key, n] of Object.entries(JSON.parse(readFileSync(finalCountsFile(out, subtask), 'utf8')) as Record<string, number>)) merged.set(key, n);
  }
  assert.deepEqual(new Map([...merged].sort()), new Map([...expected].sort()));
});
