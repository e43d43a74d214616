/**
 * @module Cancelling: an unbounded job runs until cancelled, then every worker stops and nothing hangs,
 * from code and from the command line (Ctrl-C).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { MiniCluster, WeirError, jobModuleUrl } from 'weir';
import { ROOT, WEIR_BIN } from './support/run-command.ts';

const JOB = new URL('./jobs/endless-job.ts', import.meta.url);

test('cancel() stops a running unbounded job and its result rejects with JOB_CANCELLED', async () => {
  const client = await new MiniCluster().submit({ module: jobModuleUrl(JOB), parallelism: 2 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(client.getJobStatus(), 'RUNNING');
  await client.cancel();
  assert.equal(client.getJobStatus(), 'CANCELED');
  await assert.rejects(client.getJobExecutionResult(), (error: unknown) => error instanceof WeirError && error.code === 'JOB_CANCELLED');
});

test('Ctrl-C on weir run cancels the job and exits with status 130', async () => {
  const child = spawn(process.execPath, [WEIR_BIN, 'run', '-p', '2', 'test/jobs/endless-job.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WEIR_LOG_LEVEL: 'info' },
  });
  let stderr = '';
  // Ctrl-C once the job runs (its log says so), however long start-up takes on a busy machine.
  const running = new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('job running')) resolve();
    });
  });
  await running;
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weir run did not exit after SIGINT\n${stderr}`));
    }, 15_000);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  assert.equal(code, 130, stderr);
  assert.match(stderr, /Job 'endless' \([0-9a-f]{32}\) cancelled/);
});
