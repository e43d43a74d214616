/**
 * @module Broadcast state in checkpoints: rules broadcast to a keyed stream come back after a failure
 * together with the keyed state and source positions, and a checkpoint restored at another parallelism
 * gives every new subtask a whole copy of the broadcast state (keyed state goes by key group).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MiniCluster, jobModuleUrl } from 'weir';
import { runJob } from 'weir/testing';
import { event, matches, rule } from './jobs/two-input-job.ts';
import { RULE_COUNT } from './jobs/two-input-recovery-job.ts';

const JOB = new URL('./jobs/two-input-recovery-job.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'weir-broadcast-state-'));
after(() => rmSync(root, { recursive: true, force: true }));

const RESTART = { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 1, 'restart-strategy.fixed-delay.delay': '10 ms' };
const events = 16_000;

/** Matches per user, from a loop over every (event, rule) pair. */
function expectedMatches(count: number): Map<string, number> {
  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const e = event(i);
    for (let r = 0; r < RULE_COUNT; r++) if (matches(e, rule(r))) expected.set(e.user, (expected.get(e.user) ?? 0) + 1);
  }
  return expected;
}

test('rules broadcast to a keyed stream come back after a failure, and every event meets every rule once', async () => {
  const args = { pipeline: 'broadcast', checkpoints: join(root, 'failure'), count: events, rate: 16_000, 'rule-rate': 30, 'fail-after': 8_000 };
  const result = await runJob(JOB, { parallelism: 2, args, configuration: RESTART });
  assert.deepEqual(new Map(result.getCollected<[string, number]>('matches')), expectedMatches(events));
  assert.ok(result.recordsIn('rules') < RULE_COUNT, 'the restarted rules source resumed from its checkpointed position');
});

/** Completed checkpoints (directories with _metadata) under a checkpoint root. */
function completed(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((jobDir) =>
    readdirSync(join(dir, jobDir))
      .filter((d) => d.startsWith('chk-') && existsSync(join(dir, jobDir, d, '_metadata')))
      .map((d) => join(dir, jobDir, d)),
  );
}

test('broadcast state checkpointed at parallelism 2 restores at 3: every subtask gets the rules, keyed state its key groups', async () => {
  const checkpoints = join(root, 'rescale');
  const args = { pipeline: 'broadcast', checkpoints, count: String(events), rate: '16000', 'rule-rate': '30' };
  const client = await new MiniCluster().submit({ module: jobModuleUrl(JOB), parallelism: 2, args, configuration: {} });
  const deadline = Date.now() + 20_000;
  while (completed(checkpoints).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await client.cancel();
  assert.ok(completed(checkpoints).length >= 1, 'no checkpoint completed before the cancel');
  const result = await runJob(JOB, { parallelism: 3, args, configuration: {}, fromCheckpoint: 'latest' });
  assert.deepEqual(new Map(result.getCollected<[string, number]>('matches')), expectedMatches(events));
  assert.ok(result.recordsIn('rules') < RULE_COUNT, 'the rules read before the checkpoint came back from broadcast state, not from the source');
});
