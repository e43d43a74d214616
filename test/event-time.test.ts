/**
 * @module Event time in worker threads at parallelism 1, 2 and 4: allowed lateness with a late-data
 * side output, processing-time windows, an idle source partition that must not hold the watermark
 * back, and the timestamps, watermarks, event-time timers and side outputs process functions see;
 * each compared with a plain reference loop over the same input.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { TEST_PARALLELISMS, multiset, runJob, type JobExecutionResult } from 'weir/testing';
import {
  ALLOWED_LATENESS_MS,
  IDLE_BOUND_MS,
  IDLE_WINDOW_MS,
  LATE_BOUND_MS,
  LATE_INPUT,
  LATE_SLIDING_SIZE_MS,
  LATE_SLIDING_SLIDE_MS,
  LATE_WINDOW_MS,
  PACED_RECORDS,
  pacedReading,
  type SecondEnd,
} from './jobs/event-time-jobs.ts';
import { RECORDS, reading, type Reading, type WindowResult } from './jobs/window-jobs.ts';

const JOB = new URL('./jobs/event-time-jobs.ts', import.meta.url);

type Span = [key: string, start: number, end: number, sum: number, count: number];
const span = (w: WindowResult): Span => [w.key, w.start, w.end, w.sum, w.count];

/**
 * The reference of LATE_INPUT through windows of `size` every `slide` with allowed lateness (Flink's
 * WindowOperator): the watermark after each record is the highest time so far - bound - 1. A record
 * goes into each of its windows not past end - 1 + lateness, firing it at once when the watermark
 * passed its end; a record that went into none is late. A window fires when the watermark reaches its
 * end - 1 (if a record came before that) and is dropped at end - 1 + lateness.
 */
function referenceLateness(size: number, slide: number): { fired: Span[]; late: Reading[] } {
  let watermark = Number.NEGATIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const open = new Map<string, { key: string; start: number; sum: number; count: number; timer: boolean }>();
  const fired: Span[] = [];
  const late: Reading[] = [];
  const advance = (to: number): void => {
    if (to <= watermark) return;
    watermark = to;
    for (const [id, w] of [...open].sort(([, a], [, b]) => a.start - b.start)) {
      const end = w.start + size;
      if (w.timer && end - 1 <= watermark) {
        fired.push([w.key, w.start, end, w.sum, w.count]);
        w.timer = false;
      }
      if (end - 1 + ALLOWED_LATENESS_MS <= watermark) open.delete(id);
    }
  };
  for (const r of LATE_INPUT) {
    let accepted = false;
    for (let start = Math.floor(r.time / slide) * slide; start > r.time - size; start -= slide) {
      const end = start + size;
      if (end - 1 + ALLOWED_LATENESS_MS <= watermark) continue;
      accepted = true;
      const id = `${r.key}/${start}`;
      const w = open.get(id) ?? { key: r.key, start, sum: 0, count: 0, timer: false };
      w.sum += r.value;
      w.count++;
      open.set(id, w);
      // The watermark passed the window already: the record fires it again at once.
      if (end - 1 <= watermark) fired.push([w.key, start, end, w.sum, w.count]);
      else w.timer = true;
    }
    if (!accepted && r.time + ALLOWED_LATENESS_MS <= watermark) late.push(r);
    max = Math.max(max, r.time);
    advance(max - LATE_BOUND_MS - 1);
  }
  advance(Number.POSITIVE_INFINITY);
  return { fired, late };
}

for (const parallelism of TEST_PARALLELISMS) {
  describe(`event time at parallelism ${parallelism}`, () => {
    let result: JobExecutionResult;
    before(async () => {
      result = await runJob(JOB, { parallelism });
    });

    test('allowed lateness fires windows again for late records and sends the later ones to a side output', () => {
      const { fired, late } = referenceLateness(LATE_WINDOW_MS, LATE_WINDOW_MS);
      assert.ok(late.length > 5, 'some records are too late');
      assert.ok(fired.length > new Set(fired.map((f) => `${f[0]}/${f[1]}`)).size, 'some windows fire again for late records');
      assert.deepEqual(multiset(result.getCollected<WindowResult>('late-windows').map(span)), multiset(fired));
      assert.deepEqual(multiset(result.getCollected<Reading>('late')), multiset(late));
    });

    test('sliding windows with allowed lateness fire again for late records; records too late for all their windows go to a side output', () => {
      const { fired, late } = referenceLateness(LATE_SLIDING_SIZE_MS, LATE_SLIDING_SLIDE_MS);
      assert.ok(late.length > 5, 'some records are too late');
      assert.ok(fired.length > new Set(fired.map((f) => `${f[0]}/${f[1]}`)).size, 'some windows fire again for late records');
      assert.deepEqual(multiset(result.getCollected<WindowResult>('late-sliding-windows').map(span)), multiset(fired));
      assert.deepEqual(multiset(result.getCollected<Reading>('late-sliding')), multiset(late));
    });

    test('processing-time windows count every record once, in windows aligned to their size', () => {
      const windows = result.getCollected<WindowResult>('processing-time');
      const counts = new Map<string, number>();
      const expected = new Map<string, number>();
      for (const w of windows) counts.set(w.key, (counts.get(w.key) ?? 0) + w.count);
      for (let partition = 0; partition < 3; partition++) {
        for (let i = 0; i < PACED_RECORDS; i++) {
          const r = pacedReading(partition, i);
          expected.set(r.key, (expected.get(r.key) ?? 0) + 1);
        }
      }
      assert.deepEqual(new Map([...counts].sort()), new Map([...expected].sort()));
      assert.ok(windows.every((w) => w.end - w.start === 50 && w.start % 50 === 0));
      assert.ok(new Set(windows.map((w) => w.start)).size > 1, 'the records spread over several windows');
    });

    test('an idle source partition does not hold the watermark back', () => {
      const windows = result.getCollected<WindowResult>('idle');
      const input: Reading[] = [];
      for (let partition = 0; partition < 3; partition++) {
        const count = partition === 0 ? 5 : PACED_RECORDS;
        for (let i = 0; i < count; i++) input.push(pacedReading(partition, i));
      }
      const sums = new Map<string, Span>();
      for (const r of input) {
        const start = Math.floor(r.time / IDLE_WINDOW_MS) * IDLE_WINDOW_MS;
        const w = sums.get(`${r.key}/${start}`) ?? [r.key, start, start + IDLE_WINDOW_MS, 0, 0];
        w[3] += r.value;
        w[4]++;
        sums.set(`${r.key}/${start}`, w);
      }
      const expected = [...sums.values()];
      assert.deepEqual(multiset(windows.map(span)), multiset(expected));
      // The active partitions reach event time 2990 while partition 0 is silent for seconds: windows
      // that end well before that must fire on watermarks then, not on the final watermark at the end.
      const lastTime = (PACED_RECORDS - 1) * 10;
      const early = windows.filter((w) => w.end <= lastTime - IDLE_BOUND_MS - IDLE_WINDOW_MS);
      assert.ok(early.length > 10);
      for (const w of early) assert.ok(Number.isFinite(w.watermark), `window ${w.key} [${w.start}, ${w.end}) waited for the end of input`);
    });

    test('timestamps, watermarks, event-time timers and side outputs as process functions see them', () => {
      const input = Array.from({ length: RECORDS }, (_, i) => reading(i));
      assert.deepEqual(result.getCollected('violations'), []);
      assert.deepEqual(result.getCollected('keyed-violations'), []);
      assert.deepEqual(multiset(result.getCollected<Reading>('high')), multiset(input.filter((r) => r.value >= 90)));
      const ends = result.getCollected<SecondEnd>('ends');
      const expected = new Set(input.map((r) => `${r.key}/${Math.floor(r.time / 1000) * 1000 + 999}`));
      assert.deepEqual(multiset(ends.map((e) => `${e.key}/${e.time}`)), multiset(expected));
      assert.ok(ends.every((e) => e.timestampIsTimer && e.watermarkReached), 'an event-time timer fires with its time as timestamp, once the watermark reached it');
    });
  });
}
