/**
 * @module The slot memory option (taskmanager.memory.young-generation.size) reaches the worker threads
 * of the slots.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError, runJob } from 'weir';
import { YOUNG_GENERATION_SIZE } from '../packages/weir/src/cluster/slot-memory-options.ts';

const JOBS = new URL('./jobs/slot-memory-jobs.ts', import.meta.url);
const MB = 1024 ** 2;

interface Limits {
  readonly young: number;
  readonly old: number;
}

async function limitsWith(configuration: Record<string, unknown>): Promise<Limits[]> {
  const result = await runJob(JOBS, { exportName: 'limitsJob', parallelism: 2, configuration });
  return result.getCollected<Limits>('limits');
}

test("each slot's worker thread gets the configured young generation size", async () => {
  const limits = await limitsWith({ 'taskmanager.memory.young-generation.size': '64 mb' });
  assert.equal(limits.length, 4);
  for (const seen of limits) assert.equal(seen.young, 64);
});

test('by default a slot gets the default young generation, and V8 its own heap limit', async () => {
  const limits = await limitsWith({});
  assert.equal(limits.length, 4);
  for (const seen of limits) {
    assert.equal(seen.young, YOUNG_GENERATION_SIZE.defaultValue / MB);
    assert.ok(seen.old > 1024, `a default heap limit of ${seen.old} MB`);
  }
});

test('a size out of range is refused before the job starts, naming the option', async () => {
  await assert.rejects(
    limitsWith({ 'taskmanager.memory.young-generation.size': '1 mb' }),
    (error: unknown) => error instanceof WeirError && error.code === 'CONFIG_INVALID' && /taskmanager\.memory\.young-generation\.size.*1 mb is out of range/.test(error.message),
  );
});
