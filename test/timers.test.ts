/**
 * @module Processing-time timers of a KeyedProcessFunction in worker threads at parallelism 1, 2 and 4:
 * they fire once per key and time, not before their time, with their key current, and deleted ones
 * never fire.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_PARALLELISMS, runJob } from 'weir/testing';
import { DELAY_MS, KEYS, RECORDS, type Fired } from './jobs/timers-job.ts';

for (const parallelism of TEST_PARALLELISMS) {
  test(`processing-time timers fire once per key, on time, with the key set, at parallelism ${parallelism}`, async () => {
    const result = await runJob(new URL('./jobs/timers-job.ts', import.meta.url), { parallelism });
    const fired = result.getCollected<Fired>('fired');
    const keys = Array.from({ length: KEYS }, (_, k) => k);
    assert.deepEqual(fired.map((f) => f.key).sort((a, b) => a - b), keys, 'one timer per key, the deleted one never');
    for (const f of fired) {
      assert.equal(f.domain, 'PROCESSING_TIME');
      assert.ok(f.firedAt >= f.timer, `key ${f.key} fired at ${f.firedAt}, before its time ${f.timer}`);
      assert.ok(f.seen >= 1 && f.seen <= RECORDS / KEYS, `key ${f.key} state seen ${f.seen}`);
    }
    // The source runs for ~RECORDS/800 s, well past DELAY_MS: no timer may be left unfired.
    assert.ok(DELAY_MS < (RECORDS / 800) * 1000 / 2);
  });
}
