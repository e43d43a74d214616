/**
 * @module Window jobs in worker threads at parallelism 1, 2 and 4: tumbling, sliding and session
 * event-time windows and count windows, each compared with a plain reference loop over the same input.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { TEST_PARALLELISMS, multiset, runJob, type JobExecutionResult } from 'weir/testing';
import { COUNT_INPUT, RECORDS, SESSION_GAP_MS, reading, type Reading, type WindowResult } from './jobs/window-jobs.ts';

const JOB = new URL('./jobs/window-jobs.ts', import.meta.url);
const INPUT: readonly Reading[] = Array.from({ length: RECORDS }, (_, i) => reading(i));

type Span = [key: string, start: number, end: number, sum: number, count: number];
const span = (w: WindowResult): Span => [w.key, w.start, w.end, w.sum, w.count];

/** Sum and count per key and window, for windows given by `windowsOf(time)`. */
function referenceWindows(input: readonly Reading[], windowsOf: (time: number) => [number, number][]): Span[] {
  const windows = new Map<string, Span>();
  for (const r of input) {
    for (const [start, end] of windowsOf(r.time)) {
      const id = `${r.key}/${start}`;
      const w = windows.get(id) ?? [r.key, start, end, 0, 0];
      w[3] += r.value;
      w[4]++;
      windows.set(id, w);
    }
  }
  return [...windows.values()];
}

/** Sessions per key: sorted times, a new session when the next time is more than `gap` after the last. */
function referenceSessions(input: readonly Reading[], gap: number): Span[] {
  const byKey = new Map<string, Reading[]>();
  for (const r of input) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  const sessions: Span[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.time - b.time);
    let current: Span | undefined;
    for (const r of list) {
      if (current !== undefined && r.time <= current[2]) {
        current[2] = r.time + gap;
        current[3] += r.value;
        current[4]++;
      } else {
        if (current !== undefined) sessions.push(current);
        current = [key, r.time, r.time + gap, r.value, 1];
      }
    }
    if (current !== undefined) sessions.push(current);
  }
  return sessions;
}

for (const parallelism of TEST_PARALLELISMS) {
  describe(`windows at parallelism ${parallelism}`, () => {
    let result: JobExecutionResult;
    before(async () => {
      result = await runJob(JOB, { parallelism });
    });

    test('tumbling event-time windows sum each key\'s window once', () => {
      const windows = result.getCollected<WindowResult>('tumbling');
      const expected = referenceWindows(INPUT, (t) => [[Math.floor(t / 1000) * 1000, Math.floor(t / 1000) * 1000 + 1000]]);
      assert.deepEqual(multiset(windows.map(span)), multiset(expected));
      assert.ok(windows.every((w) => w.watermark >= w.end - 1), 'a window fires once the watermark reached its end');
    });

    test('sliding event-time windows aggregate every window a record belongs to', () => {
      const expected = referenceWindows(INPUT, (t) => {
        const windows: [number, number][] = [];
        for (let start = Math.floor(t / 250) * 250; start > t - 1000; start -= 250) windows.push([start, start + 1000]);
        return windows;
      });
      assert.deepEqual(multiset(result.getCollected<WindowResult>('sliding').map(span)), multiset(expected));
    });

    test('session windows merge each key\'s records into sessions', () => {
      const sessions = result.getCollected<WindowResult>('sessions').map(span);
      const expected = referenceSessions(INPUT, SESSION_GAP_MS);
      assert.ok(expected.length > 200 && expected.some((s) => s[4] > 3), 'the input makes many sessions, some of several records');
      assert.deepEqual(multiset(sessions), multiset(expected));
    });

    test('count windows: tumbling, sliding and a count trigger on global windows', () => {
      const tumbling: unknown[] = [];
      const sliding: unknown[] = [];
      const running: unknown[] = [];
      const seen = new Map<string, Reading[]>();
      const sums = new Map<string, number>();
      for (const r of COUNT_INPUT) {
        const list = [...(seen.get(r.key) ?? []), r];
        seen.set(r.key, list);
        sums.set(r.key, (sums.get(r.key) ?? 0) + r.value);
        const describe = (rs: Reading[]): unknown => ({ key: r.key, sum: rs.reduce((s, x) => s + x.value, 0), first: rs[0]?.time, last: rs.at(-1)?.time });
        if (list.length % 5 === 0) tumbling.push(describe(list.slice(-5)));
        if (list.length % 2 === 0) sliding.push(describe(list.slice(-5)));
        // CountTrigger without purging: every 3 records, the sum of all records of the key so far.
        if (list.length % 3 === 0) running.push({ key: r.key, value: sums.get(r.key), time: r.time });
      }
      assert.deepEqual(multiset(result.getCollected('count-tumbling')), multiset(tumbling));
      assert.deepEqual(multiset(result.getCollected('count-sliding')), multiset(sliding));
      assert.deepEqual(multiset(result.getCollected('count-running')), multiset(running));
    });
  });
}
