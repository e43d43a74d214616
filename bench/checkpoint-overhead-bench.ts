/**
 * @module Bench "checkpoint-overhead": the million-keys job (bench/jobs/million-keys-job.ts, a keyed count
 * whose state holds 1,000,000 keys) at parallelism 2, "off" without checkpoints and "1s" with
 * EXACTLY_ONCE checkpoints every second into a fresh temporary directory. Both run the job through
 * `MiniCluster.submit` and are timed from the submit to the job's result. The "1s" row also carries
 * the checkpoints completed, the p99 of their synchronous phase and of their end-to-end duration (over
 * the completed checkpoints of the statistics' history, which keeps the last 10 triggered: with 10
 * samples or fewer the p99 is their maximum) and the size of the latest. `prepare` computes the
 * reference summary of the counts with a plain loop; both variants must match it.
 * `npm run bench checkpoint-overhead`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiniCluster, jobModuleUrl, type CheckpointStatsSnapshot } from 'weir';
import { BenchVerificationError, unknownVariant, type Bench, type BenchContext, type RunOutcome } from './bench.ts';
import { CountSummary, millionKeysRecord, MILLION_KEYS, verifySummary, type CountSummaryReport } from './jobs/million-keys-job.ts';

const NAME = 'checkpoint-overhead';
const JOB = new URL('./jobs/million-keys-job.ts', import.meta.url);
const PARALLELISM = 2;
const INTERVAL_MS = 1000;
const SYNC_PHASE_P99_TARGET_MS = 20;

/** The reference: the same records counted per key in a Map, the emitted counts summarized as the sink does. */
function summarizeInLoop(events: number): CountSummaryReport {
  const counts = new Map<string, number>();
  const summary = new CountSummary();
  for (let i = 0; i < events; i++) {
    const { key } = millionKeysRecord(i);
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    summary.add(count);
  }
  return summary.report();
}

/** Nearest-rank percentile; null without samples. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

function expectedFile(context: BenchContext): string {
  return join(context.dir, 'expected.json');
}

const ms = (value: number | string | boolean | null): string => (typeof value === 'number' ? value.toFixed(1) : '-');

export const checkpointOverheadBench: Bench = {
  name: NAME,
  description: `DataGen objects -> keyBy(key) -> count in ValueState -> summarizing sink, ${MILLION_KEYS.toLocaleString('en-US')} keys, parallelism ${PARALLELISM}; checkpoints off / EXACTLY_ONCE every ${INTERVAL_MS / 1000} s`,
  variants: ['off', '1s'],
  baseline: 'off',
  defaultEvents: 16_000_000,
  targets: [{ numerator: '1s', denominator: 'off', min: 0.9 }],
  columns: [
    { field: 'checkpoints', header: 'checkpoints', format: (value) => (typeof value === 'number' ? String(value) : '-') },
    { field: 'syncPhaseP99Ms', header: 'sync p99 ms', format: ms },
    { field: 'syncPhaseTarget', header: `sync p99 < ${SYNC_PHASE_P99_TARGET_MS} ms`, format: (value) => (typeof value === 'string' ? value : '-') },
    { field: 'checkpointDurationP99Ms', header: 'duration p99 ms', format: ms },
    { field: 'checkpointBytes', header: 'checkpoint MB', format: (value) => (typeof value === 'number' ? (value / 1e6).toFixed(1) : '-') },
  ],

  prepare(context) {
    writeFileSync(expectedFile(context), JSON.stringify(summarizeInLoop(context.events)));
  },

  async run(variant, context, timed): Promise<RunOutcome> {
    if (variant !== 'off' && variant !== '1s') return unknownVariant(checkpointOverheadBench, variant);
    const { events } = context;
    const expected = JSON.parse(readFileSync(expectedFile(context), 'utf8')) as CountSummaryReport;
    const checkpoints = variant === '1s' ? mkdtempSync(join(tmpdir(), 'weir-bench-checkpoints-')) : undefined;
    try {
      const args: Record<string, string> = { events: String(events) };
      if (checkpoints !== undefined) Object.assign(args, { checkpoints, interval: String(INTERVAL_MS) });
      const { reports, stats } = await timed(async () => {
        const client = await new MiniCluster().submit({ module: jobModuleUrl(JOB), parallelism: PARALLELISM, args, configuration: {} });
        const result = await client.getJobExecutionResult();
        // Taken once the job has ended: the statistics stay readable, and hold every checkpoint it completed.
        return { reports: result.getCollected<CountSummaryReport>('count-summary'), stats: client.getCheckpointStats() };
      });
      verifySummary(NAME, variant, reports, expected, PARALLELISM);
      if (variant === 'off') return { events, fields: { keys: expected.firstCounts } };
      return { events, fields: { keys: expected.firstCounts, ...checkpointFields(variant, stats) } };
    } finally {
      if (checkpoints !== undefined) rmSync(checkpoints, { recursive: true, force: true });
    }
  },
};

function checkpointFields(variant: string, stats: CheckpointStatsSnapshot | undefined): Record<string, number | string | null> {
  const latest = stats?.latest.completed ?? null;
  if (stats === undefined || latest === null) throw new BenchVerificationError(NAME, variant, 'no checkpoint completed: the run measured no checkpointing');
  const completed = stats.history.filter((entry) => entry.status === 'COMPLETED');
  const syncPhaseP99Ms = percentile(
    completed.map((entry) => entry.syncDurationMs),
    99,
  );
  return {
    checkpoints: stats.counts.completed,
    checkpointsFailed: stats.counts.failed,
    checkpointSamples: completed.length,
    syncPhaseP99Ms,
    syncPhaseTarget: syncPhaseP99Ms !== null && syncPhaseP99Ms < SYNC_PHASE_P99_TARGET_MS ? 'met' : 'NOT MET',
    asyncPhaseP99Ms: percentile(
      completed.map((entry) => entry.asyncDurationMs),
      99,
    ),
    checkpointDurationP99Ms: percentile(
      completed.map((entry) => entry.endToEndDurationMs ?? Number.NaN),
      99,
    ),
    checkpointBytes: latest.stateSize,
  };
}
