/**
 * @module windowAll in worker threads with the sources at parallelism 1, 2 and 4 feeding the one
 * non-parallel window operator: tumbling and sliding event-time windows with reduce, aggregate and
 * process, count windows, allowed lateness with a late side output, and a failure and restore from a
 * checkpoint; each compared with a plain reference loop over the same input.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEST_PARALLELISMS, multiset, runJob, type JobExecutionResult } from 'weir/testing';
import {
  AGGREGATE_MS,
  ALLOWED_LATENESS_MS,
  COUNT_INPUT,
  LATE_BOUND_MS,
  LATE_INPUT,
  LATE_WINDOW_MS,
  PARALLEL_COUNT,
  PROCESS_MS,
  SLIDING_SIZE_MS,
  SLIDING_SLIDE_MS,
  TUMBLING_MS,
  type AllWindowResult,
  type CountSummary,
} from './jobs/window-all-jobs.ts';
import { tick, type Firings, type Tick } from './jobs/window-all-recovery-job.ts';
import { RECORDS, reading, type Reading } from './jobs/window-jobs.ts';

const JOB = new URL('./jobs/window-all-jobs.ts', import.meta.url);
const RECOVERY_JOB = new URL('./jobs/window-all-recovery-job.ts', import.meta.url);
const INPUT: readonly Reading[] = Array.from({ length: RECORDS }, (_, i) => reading(i));

interface Window {
  readonly start: number;
  readonly end: number;
  sum: number;
  count: number;
  latest: number;
}

/** Every window of `size` every `slide` over `input`, by start: sum and count of values, latest time. */
function referenceWindows(input: readonly { value: number; time: number }[], size: number, slide: number): Window[] {
  const windows = new Map<number, Window>();
  for (const r of input) {
    for (let start = Math.floor(r.time / slide) * slide; start > r.time - size; start -= slide) {
      const w = windows.get(start) ?? { start, end: start + size, sum: 0, count: 0, latest: Number.NEGATIVE_INFINITY };
      w.sum += r.value;
      w.count++;
      w.latest = Math.max(w.latest, r.time);
      windows.set(start, w);
    }
  }
  return [...windows.values()].sort((a, b) => a.start - b.start);
}

type Span = [start: number, end: number, sum: number, count: number];
const span = (w: { start: number; end: number; sum: number; count: number }): Span => [w.start, w.end, w.sum, w.count];

/**
 * LATE_INPUT through one tumbling window operator with allowed lateness (Flink's WindowOperator): the
 * watermark after each record is the highest time so far - bound - 1. A record goes into its window
 * unless that is past end - 1 + lateness, firing it at once when the watermark passed its end; such a
 * record is late. A window fires when the watermark reaches its end - 1 and is dropped at end - 1 + lateness.
 */
function referenceLateness(): { fired: Span[]; late: Reading[] } {
  let watermark = Number.NEGATIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const open = new Map<number, { start: number; sum: number; count: number; timer: boolean }>();
  const fired: Span[] = [];
  const late: Reading[] = [];
  const advance = (to: number): void => {
    if (to <= watermark) return;
    watermark = to;
    for (const [start, w] of [...open].sort(([a], [b]) => a - b)) {
      const end = start + LATE_WINDOW_MS;
      if (w.timer && end - 1 <= watermark) {
        fired.push([start, end, w.sum, w.count]);
        w.timer = false;
      }
      if (end - 1 + ALLOWED_LATENESS_MS <= watermark) open.delete(start);
    }
  };
  for (const r of LATE_INPUT) {
    const start = Math.floor(r.time / LATE_WINDOW_MS) * LATE_WINDOW_MS;
    const end = start + LATE_WINDOW_MS;
    if (end - 1 + ALLOWED_LATENESS_MS <= watermark) {
      late.push(r);
    } else {
      const w = open.get(start) ?? { start, sum: 0, count: 0, timer: false };
      w.sum += r.value;
      w.count++;
      open.set(start, w);
      if (end - 1 <= watermark) fired.push([start, end, w.sum, w.count]);
      else w.timer = true;
    }
    max = Math.max(max, r.time);
    advance(max - LATE_BOUND_MS - 1);
  }
  advance(Number.POSITIVE_INFINITY);
  return { fired, late };
}

/** Count windows over the ordered input: every `slide` records, a summary of the last `size`. */
function referenceCountWindows(size: number, slide: number): CountSummary[] {
  const windows: CountSummary[] = [];
  for (let n = slide; n <= COUNT_INPUT.length; n += slide) {
    const list = COUNT_INPUT.slice(Math.max(0, n - size), n);
    windows.push({ sum: list.reduce((s, r) => s + r.value, 0), first: list[0]?.time ?? -1, last: list.at(-1)?.time ?? -1, size: list.length });
  }
  return windows;
}

for (const parallelism of TEST_PARALLELISMS) {
  describe(`windowAll with sources at parallelism ${parallelism}`, () => {
    let result: JobExecutionResult;
    before(async () => {
      result = await runJob(JOB, { parallelism });
    });

    test('tumbling windows of the whole stream: a reduce with a window function fires each window once, after the watermark passed it', () => {
      const windows = result.getCollected<AllWindowResult>('all-tumbling');
      assert.deepEqual(multiset(windows.map(span)), multiset(referenceWindows(INPUT, TUMBLING_MS, TUMBLING_MS).map(span)));
      assert.ok(windows.every((w) => w.watermark >= w.end - 1), 'a window fires once the watermark reached its end');
    });

    test('sliding windows of the whole stream: an aggregate with a ProcessAllWindowFunction, and a plain reduce', () => {
      const expected = referenceWindows(INPUT, SLIDING_SIZE_MS, SLIDING_SLIDE_MS);
      assert.deepEqual(multiset(result.getCollected<AllWindowResult>('all-sliding').map(span)), multiset(expected.map(span)));
      const reduced = result.getCollected<Reading>('all-reduce').map((r) => [r.value, r.time]);
      assert.deepEqual(multiset(reduced), multiset(expected.map((w) => [w.sum, w.latest])));
    });

    test('process gets every record of a window; its operator-wide state counts the firings in window order', () => {
      const expected = referenceWindows(INPUT, PROCESS_MS, PROCESS_MS).map((w, i) => ({ start: w.start, firing: i + 1, sum: w.sum, count: w.count }));
      const fired = result.getCollected<{ start: number; firing: number; sum: number; count: number }>('all-process');
      assert.deepEqual([...fired].sort((a, b) => a.start - b.start), expected);
    });

    test('a plain aggregate emits its result per window', () => {
      const expected = referenceWindows(INPUT, AGGREGATE_MS, AGGREGATE_MS).map((w) => ({ sum: w.sum, count: w.count }));
      assert.deepEqual(multiset(result.getCollected('all-aggregate')), multiset(expected));
    });

    test('countWindowAll: tumbling and sliding over an ordered source, and every record in one window from a parallel source', () => {
      assert.deepEqual(result.getCollected<CountSummary>('all-count-tumbling'), referenceCountWindows(5, 5));
      assert.deepEqual(result.getCollected<CountSummary>('all-count-sliding'), referenceCountWindows(5, 2));
      const parallel = result.getCollected<Reading[]>('all-count-parallel');
      assert.equal(parallel.length, Math.floor(INPUT.length / PARALLEL_COUNT));
      assert.ok(parallel.every((w) => w.length === PARALLEL_COUNT), `every window holds ${PARALLEL_COUNT} records`);
      assert.equal(INPUT.length % PARALLEL_COUNT, 0, 'the input fills its last window');
      assert.deepEqual(multiset(parallel.flat()), multiset(INPUT), 'each record in exactly one window');
    });

    test('allowed lateness fires windows again for late records and sends the later ones to a side output', () => {
      const { fired, late } = referenceLateness();
      assert.ok(late.length > 5, 'some records are too late');
      assert.ok(fired.length > LATE_INPUT.at(-1)!.time / LATE_WINDOW_MS, 'some windows fire again for late records');
      assert.deepEqual(result.getCollected<AllWindowResult>('all-late-windows').map(span), fired);
      assert.deepEqual(result.getCollected<Reading>('all-late'), late);
    });
  });
}

const root = mkdtempSync(join(tmpdir(), 'weir-window-all-recovery-'));
after(() => rmSync(root, { recursive: true, force: true }));

const RECOVERY_COUNT = 20_000;
const TICKS: readonly Tick[] = Array.from({ length: RECOVERY_COUNT }, (_, i) => tick(i));

for (const parallelism of TEST_PARALLELISMS) {
  test(`after a failure and a restore every windowAll window fires exactly once with all its records at parallelism ${parallelism}`, async () => {
    const result = await runJob(RECOVERY_JOB, {
      parallelism,
      args: { checkpoints: join(root, `p${parallelism}`), count: RECOVERY_COUNT, rate: 10_000, 'fail-at': 12_000 },
      configuration: { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': '10 ms' },
    });
    const expected = new Map<string, { end: number; sum: number; count: number }>();
    for (const [kind, size, slide] of [['tumbling', 500, 500], ['sliding', 1000, 250], ['process', 300, 300]] as const) {
      for (const w of referenceWindows(TICKS, size, slide)) expected.set(`${kind}/all/${w.start}`, { end: w.end, sum: w.sum, count: w.count });
    }
    const firings = result.getCollected<Firings>('all-firings');
    assert.deepEqual(firings.filter((f) => f.fires !== 1), [], 'no window fired twice or was lost');
    assert.deepEqual(new Map(firings.map((f) => [f.id, { end: f.end, sum: f.sum, count: f.count }])), expected);
    const reread = result.recordsIn('ticks');
    assert.ok(reread > 0 && reread < RECOVERY_COUNT, `the restarted attempt read ${reread} of ${RECOVERY_COUNT} records: it started from a checkpoint`);
  });
}
