/**
 * @module The JobClient's savepoint calls around their edges: where a savepoint goes without a target
 * directory (`state.savepoints.dir`, else a clear error), the format type, and a job that is no longer
 * running; a savepoint survives the cancellation of its job.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MiniCluster, WeirError, jobModuleUrl } from 'weir';

const JOB = new URL('./jobs/endless-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-savepoint-api-'));
after(() => rmSync(root, { recursive: true, force: true }));

const isError = (code: string, pattern: RegExp) => (error: unknown) => error instanceof WeirError && error.code === code && pattern.test(error.message);

test('a savepoint goes to state.savepoints.dir, needs a directory otherwise, and outlives the cancelled job', async () => {
  const configured = join(root, 'configured');
  const client = await new MiniCluster().submit({ module: jobModuleUrl(JOB), parallelism: 2, configuration: { 'state.savepoints.dir': configured } });
  const path = await client.triggerSavepoint();
  assert.ok(path.startsWith(join(configured, `savepoint-${client.jobId.slice(0, 6)}-`)), path);
  assert.ok(existsSync(join(path, '_metadata')));
  await assert.rejects(client.triggerSavepoint({ formatType: 'NATIVE' as 'CANONICAL' }), isError('INVALID_OPTION', /formatType "NATIVE".*CANONICAL/));
  await client.cancel();
  assert.ok(existsSync(join(path, '_metadata')), 'cancelling the job leaves its savepoint');
  await assert.rejects(client.triggerSavepoint(), isError('CHECKPOINT_FAILED', /cannot take a savepoint of job 'endless' \([0-9a-f]{32}\): the job is CANCELED, not RUNNING/));
  await assert.rejects(client.stopWithSavepoint(), isError('CHECKPOINT_FAILED', /cannot stop job 'endless' .* with a savepoint: the job is CANCELED/));

  const unconfigured = await new MiniCluster().submit({ module: jobModuleUrl(JOB), parallelism: 1, configuration: {} });
  try {
    await assert.rejects(unconfigured.stopWithSavepoint(), (error: unknown) => {
      assert.ok(error instanceof WeirError && error.code === 'INVALID_OPTION');
      assert.match(error.message, /cannot stop job 'endless' \([0-9a-f]{32}\) with a savepoint: no savepoint directory was given and state\.savepoints\.dir is not set/);
      assert.match(error.hint ?? '', /targetDirectory/);
      return true;
    });
    assert.equal(unconfigured.getJobStatus(), 'RUNNING', 'the refused stop leaves the job running');
  } finally {
    await unconfigured.cancel();
  }
});
