/**
 * @module Bench "nexmark": the Nexmark queries of examples/nexmark, one variant per query, each over
 * its own default number of events (about the same seconds each; `--events` sets one for all), at
 * parallelism 2, the generator running in the source's subtasks and the rows counted by a discarding
 * sink (bench/jobs/nexmark-bench-job.ts). Events are spaced 10,000 per second of event time.
 *
 * A variant's process runs the query, then has it run again with checkpoints: the measured run without checkpoints (submit to result,
 * through `timed`: events/s and events per CPU second, all threads of the process, the generator
 * included), then, in a fresh child process of its own (bench/measure.ts, variant `q5@<interval>`),
 * the same run with EXACTLY_ONCE checkpoints every 10 s, or, when the first run took less than 20 s,
 * every quarter of its wall time (at least 200 ms; `checkpointIntervalMs` says which), incremental
 * (`execution.checkpointing.incremental`). A second round runs each side again in a fresh process
 * (variant `q5@none` without checkpoints), and `checkpointRatio` compares the best events/s of each
 * side (`checkpointRatioRuns` lists them), so that a run slowed by the machine does not pass for
 * checkpoint overhead. Events/s are taken once running: from the end of the start-up to the end
 * of the sinks' input, which leaves out the final checkpoint a bounded checkpointed job takes before it
 * finishes (once per job, not per event). The CPU seconds of that span (sampled every 20 ms and
 * interpolated) give `steadyEventsPerCpuSec`. Checkpoint durations (end to end, and the slowest
 * subtask's synchronous, asynchronous and alignment parts) come from the job's checkpoint statistics,
 * which keep the latest 10.
 *
 * Latency (`latencyKind`):
 * - `record` (q0, q1, q2): the source, its bid selection, the query and the sink are one chain per slot,
 *   so a record reaches the sink in the call that emitted it. After every 1024 records, the next one
 *   that reaches the sink is timed from just before the source emitted it (the timestamp assigner) to
 *   the sink's `write`, in the same thread.
 * - `watermark` (q4, q5, q7, q8, q11): each source split logs the wall time at which it emitted each
 *   watermark; a window's rows (and q4's, which come from event-time timers) carry the window's last
 *   millisecond (the timer's time). For the first row of a timestamp T at a sink subtask (at most one
 *   every 100 ms of event time), latency = its arrival - the time the last split emitted a watermark
 *   >= T, i.e. from the moment event time allowed the window to fire to its output. Windows fired only
 *   by the final watermark at the end of input are left out.
 * - none (q3, q17, q18, q19): their rows follow single records through a shuffle and have no watermark
 *   to wait for; following a record across threads would need a field of its own.
 *
 * Verification: every query must emit rows; q0 and q1 one per bid; the run with checkpoints the same
 * number as the one without, except q18 and q19, whose count of updates depends on the order in which
 * the two source splits' bids interleave. `npm run bench -- nexmark [--query q5] [--events N]`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MiniCluster, NexmarkGenerator, jobModuleUrl, type CheckpointStatsSnapshot, type JobExecutionResult } from 'weir';
import { BenchVerificationError, unknownVariant, type Bench, type BenchContext, type BenchFields, type Measurement, type RunOutcome } from './bench.ts';
import { percentile } from './checkpoint-overhead-bench.ts';
import { NEXMARK_BENCH_QUERIES, wallClock, type BenchSinkReport, type LatencyKind } from './jobs/nexmark-bench-job.ts';

const NAME = 'nexmark';
const JOB = new URL('./jobs/nexmark-bench-job.ts', import.meta.url);
const MEASURE = fileURLToPath(new URL('./measure.ts', import.meta.url));
const PARALLELISM = 2;
const RATE = 10_000;
const CHECKPOINT_INTERVAL_MS = 10_000;
const MIN_CHECKPOINT_INTERVAL_MS = 200;
const CHECKPOINT_RATIO_TARGET = 0.9;
/** Rounds of (without, with checkpoints) behind `checkpointRatio`. */
const CHECKPOINT_RATIO_ROUNDS = 2;
const CPU_SAMPLE_MS = 20;

/**
 * Flink 2.0's published Nexmark throughput per core (events/s), the bench's reference: the target is
 * twice that. q11 and q19 have no published figure.
 */
export const FLINK_PER_CORE: Readonly<Record<string, number>> = {
  q0: 379_000,
  q1: 395_000,
  q2: 414_000,
  q3: 219_000,
  q4: 28_000,
  q5: 75_000,
  q7: 23_000,
  q8: 162_000,
  q17: 161_000,
  q18: 65_000,
};

/** Events per query by default: about five seconds once running, on two busy cores. */
const DEFAULT_EVENTS: Readonly<Record<string, number>> = {
  q0: 15_000_000,
  q1: 10_000_000,
  q2: 8_000_000,
  q3: 8_000_000,
  q4: 2_000_000,
  q5: 1_500_000,
  q7: 500_000,
  q8: 3_000_000,
  q11: 600_000,
  q17: 2_000_000,
  q18: 2_000_000,
  q19: 2_000_000,
};

/** Queries whose count of (updating) rows depends on how the two source splits' bids interleave. */
const ORDER_DEPENDENT_ROWS = new Set(['q18', 'q19']);

const QUERIES = Object.keys(NEXMARK_BENCH_QUERIES);

interface RunFigures {
  readonly rows: number;
  /** CPU seconds of the process (all threads) after the start-up, interpolated from samples every 20 ms. */
  readonly steadyCpuSeconds: number;
  readonly wallMs: number;
  readonly steadyEventsPerSec: number;
  readonly startupMs: number;
  readonly reports: readonly BenchSinkReport[];
  readonly stats: CheckpointStatsSnapshot | undefined;
}

/** Runs the bench job once: submit, wait for the result, read the sink's reports and the checkpoint statistics. */
async function runQuery(query: string, events: number, args: Record<string, string>): Promise<RunFigures> {
  const started = performance.now();
  const startedAt = wallClock();
  const cpu: [number, number][] = [];
  const sampleCpu = (): void => {
    const usage = process.cpuUsage();
    cpu.push([performance.now() - started, (usage.user + usage.system) / 1e6]);
  };
  sampleCpu();
  const sampler = setInterval(sampleCpu, CPU_SAMPLE_MS);
  const client = await new MiniCluster().submit({
    module: jobModuleUrl(JOB),
    parallelism: PARALLELISM,
    args: { query, events: String(events), rate: String(RATE), parallelism: String(PARALLELISM), ...args },
    configuration: {},
  });
  const result: JobExecutionResult = await client.getJobExecutionResult().finally(() => clearInterval(sampler));
  sampleCpu();
  const wallMs = performance.now() - started;
  const reports = result.getCollected<BenchSinkReport>('nexmark-bench');
  // Running: from the end of the start-up to the end of the last sink subtask's input (a checkpointed
  // job then still takes its final checkpoint: a cost per job, not per event, left out of both runs).
  const endedMs = Math.max(...reports.map((report) => report.endedAt)) - startedAt;
  const steadyMs = endedMs - result.startupMs;
  return {
    rows: reports.reduce((sum, report) => sum + report.rows, 0),
    steadyCpuSeconds: cpuAt(cpu, endedMs) - cpuAt(cpu, result.startupMs),
    wallMs,
    steadyEventsPerSec: steadyMs > 0 ? events / (steadyMs / 1000) : Number.NaN,
    startupMs: result.startupMs,
    reports,
    stats: client.getCheckpointStats(),
  };
}

/** The CPU seconds at `ms` after the submit, interpolated between the samples around it. */
function cpuAt(samples: readonly [number, number][], ms: number): number {
  const after = samples.findIndex(([at]) => at >= ms);
  if (after <= 0) return samples[Math.max(after, 0)]?.[1] ?? Number.NaN;
  const [t0, c0] = samples[after - 1] as [number, number];
  const [t1, c1] = samples[after] as [number, number];
  return t1 === t0 ? c1 : c0 + ((c1 - c0) * (ms - t0)) / (t1 - t0);
}

/** Each source split's log: [watermark, wall time it was emitted], in the order emitted (increasing). */
function readWatermarkLogs(dir: string): [number, number][][] {
  return readdirSync(dir)
    .filter((file) => file.startsWith('watermarks-'))
    .map((file) =>
      readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => line.split(' ').map(Number) as [number, number]),
    );
}

/** The wall time at which a split's watermark first reached `timestamp`; undefined when it never did. */
function firstReached(log: readonly [number, number][], timestamp: number): number | undefined {
  let low = 0;
  let high = log.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((log[middle] as [number, number])[0] >= timestamp) high = middle;
    else low = middle + 1;
  }
  return log[low]?.[1];
}

function latencies(kind: LatencyKind, reports: readonly BenchSinkReport[], logDir: string): number[] {
  if (kind === 'record') return reports.flatMap((report) => report.recordLatencies);
  if (kind === 'none') return [];
  const logs = readWatermarkLogs(logDir);
  const samples: number[] = [];
  for (const report of reports) {
    for (const [timestamp, arrival] of report.arrivals) {
      let allowed = Number.NEGATIVE_INFINITY;
      for (const log of logs) {
        const reached = firstReached(log, timestamp);
        if (reached === undefined) {
          allowed = Number.NaN; // only the final watermark fired it
          break;
        }
        allowed = Math.max(allowed, reached);
      }
      if (!Number.isNaN(allowed) && logs.length > 0) samples.push(arrival - allowed);
    }
  }
  return samples;
}

function bidsAmong(events: number): number {
  const generator = new NexmarkGenerator({});
  let bids = 0;
  for (let id = 0; id < events; id++) if (generator.eventTypeOf(id) === 2) bids++;
  return bids;
}

/** Runs `query@interval` in a child process (bench/measure.ts) and returns its measurement. */
/** Runs `<query>@<interval>` (`none`: without checkpoints) in a fresh child process and returns its measurement. */
function runInChild(query: string, interval: string, context: BenchContext): Promise<Measurement> {
  const args = [...process.execArgv, MEASURE, '--bench', NAME, '--variant', `${query}@${interval}`, '--events', String(context.events), '--dir', context.dir];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .pop();
      if (code !== 0 || last === undefined) reject(new Error(`${NAME} ${query}@${interval}: the run exited with status ${code ?? '?'}`));
      else resolvePromise(JSON.parse(last) as Measurement);
    });
  });
}

function checkpointInterval(wallMs: number): number {
  if (wallMs >= 2 * CHECKPOINT_INTERVAL_MS) return CHECKPOINT_INTERVAL_MS;
  return Math.max(MIN_CHECKPOINT_INTERVAL_MS, Math.round(wallMs / 4 / 50) * 50);
}

function checkpointFields(stats: CheckpointStatsSnapshot | undefined): BenchFields {
  const completed = (stats?.history ?? []).filter((entry) => entry.status === 'COMPLETED');
  const durations = completed.map((entry) => entry.endToEndDurationMs ?? Number.NaN);
  return {
    checkpoints: stats?.counts.completed ?? 0,
    checkpointsFailed: stats?.counts.failed ?? 0,
    // why the latest one failed, so that a failure in a long run can be followed up
    checkpointLastFailure: stats?.latest.failed === null || stats?.latest.failed === undefined ? null : `${stats.latest.failed.failureReason ?? '?'}: ${stats.latest.failed.failureMessage ?? ''}`,
    checkpointP50Ms: percentile(durations, 50),
    checkpointP99Ms: percentile(durations, 99),
    checkpointSyncP99Ms: percentile(
      completed.map((entry) => entry.syncDurationMs),
      99,
    ),
    checkpointAsyncP99Ms: percentile(
      completed.map((entry) => entry.asyncDurationMs),
      99,
    ),
    checkpointAlignmentP99Ms: percentile(
      completed.map((entry) => entry.alignmentDurationMs),
      99,
    ),
    checkpointBytes: stats?.latest.completed?.stateSize ?? null,
    // Incremental checkpoints: what the checkpoints wrote, on average (the changes, not the linked files).
    checkpointedBytesAvg: completed.length === 0 ? null : completed.reduce((sum, entry) => sum + entry.checkpointedSize, 0) / completed.length,
  };
}

const rate = (value: number | string | boolean | null): string => (typeof value === 'number' ? Math.round(value).toLocaleString('en-US') : '-');
const ms = (value: number | string | boolean | null): string => (typeof value === 'number' ? (value < 10 ? value.toFixed(2) : value.toFixed(0)) : '-');
const text = (value: number | string | boolean | null): string => (value === null ? '-' : String(value));

export const nexmarkBench: Bench = {
  name: NAME,
  description: `Nexmark queries, NexmarkSource (${RATE.toLocaleString('en-US')} events per s of event time) -> query -> discarding sink, parallelism ${PARALLELISM}; checkpoints off, then EXACTLY_ONCE`,
  variants: QUERIES,
  defaultEvents: 1_000_000,
  defaultEventsOf: (variant) => DEFAULT_EVENTS[variant] ?? 1_000_000,
  columns: [
    { field: 'steadyEventsPerSec', header: 'events/s running', format: rate },
    { field: 'steadyEventsPerCpuSec', header: 'events/s/core running', format: rate },
    { field: 'targetPerCore', header: 'target/core (2x Flink)', format: rate },
    { field: 'perCoreTarget', header: 'per core', format: text },
    { field: 'checkpointedEventsPerCpuSec', header: 'events/s/core ckpt on', format: rate },
    { field: 'checkpointedPerCoreTarget', header: 'per core ckpt on', format: text },
    { field: 'checkpointRatio', header: 'ckpt ratio', format: (value) => (typeof value === 'number' ? value.toFixed(2) : '-') },
    { field: 'checkpointRatioTarget', header: `ratio >= ${CHECKPOINT_RATIO_TARGET}`, format: text },
    { field: 'checkpointIntervalMs', header: 'ckpt every ms', format: rate },
    { field: 'checkpoints', header: 'ckpts', format: text },
    { field: 'checkpointP50Ms', header: 'ckpt p50 ms', format: ms },
    { field: 'checkpointP99Ms', header: 'ckpt p99 ms', format: ms },
    { field: 'latencyKind', header: 'latency', format: text },
    { field: 'latencyP99Ms', header: 'latency p99 ms', format: ms },
    { field: 'resultRows', header: 'rows', format: rate },
    { field: 'loadAverage', header: 'load avg', format: (value) => (typeof value === 'number' ? value.toFixed(1) : '-') },
  ],

  prepare() {},

  async run(variant, context, timed): Promise<RunOutcome> {
    const [query = '', interval] = variant.split('@');
    const spec = NEXMARK_BENCH_QUERIES[query];
    if (spec === undefined) return unknownVariant(nexmarkBench, variant);
    const { events } = context;
    const logDir = mkdtempSync(join(tmpdir(), 'weir-bench-nexmark-'));
    try {
      if (interval !== undefined) {
        // A run of a checkpoint-ratio round, in its own process: with checkpoints, or without (`none`).
        const checkpointing: Record<string, string> = interval === 'none' ? {} : { checkpoints: join(logDir, 'checkpoints'), 'checkpoint-interval': interval, incremental: 'true' };
        const figures = await timed(() => runQuery(query, events, { 'latency-log': logDir, ...checkpointing }));
        const stats = interval === 'none' ? {} : checkpointFields(figures.stats);
        return { events, fields: { resultRows: figures.rows, steadyEventsPerSec: figures.steadyEventsPerSec, steadyEventsPerCpuSec: events / figures.steadyCpuSeconds, ...stats } };
      }
      const loadAverage = loadavg()[0] ?? null;
      const figures = await timed(() => runQuery(query, events, { 'latency-log': logDir }));
      const intervalMs = checkpointInterval(figures.wallMs);
      const checkpointed = await runInChild(query, String(intervalMs), context);
      verify(query, events, figures.rows, checkpointed['resultRows'] as number);
      // More rounds, each side in a fresh process: the ratio compares the best of each side, so a run
      // slowed by the machine (not by checkpoints) does not count as checkpoint overhead.
      const without = [figures.steadyEventsPerSec];
      const withCheckpoints = [checkpointed['steadyEventsPerSec'] as number];
      const perCpuWithCheckpoints = [checkpointed['steadyEventsPerCpuSec'] as number];
      for (let round = 1; round < CHECKPOINT_RATIO_ROUNDS; round++) {
        without.push((await runInChild(query, 'none', context))['steadyEventsPerSec'] as number);
        const again = await runInChild(query, String(intervalMs), context);
        withCheckpoints.push(again['steadyEventsPerSec'] as number);
        perCpuWithCheckpoints.push(again['steadyEventsPerCpuSec'] as number);
      }
      const samples = latencies(spec.latency, figures.reports, logDir);
      const flink = FLINK_PER_CORE[query];
      const steadyEventsPerCpuSec = events / figures.steadyCpuSeconds;
      const checkpointRatio = Math.max(...withCheckpoints) / Math.max(...without);
      return {
        events,
        fields: {
          steadyEventsPerSec: figures.steadyEventsPerSec,
          steadyEventsPerCpuSec,
          startupMs: figures.startupMs,
          resultRows: figures.rows,
          targetPerCore: flink === undefined ? null : 2 * flink,
          flinkPerCore: flink ?? null,
          perCoreTarget: flink === undefined ? null : steadyEventsPerCpuSec >= 2 * flink ? 'met' : 'NOT MET',
          checkpointIntervalMs: intervalMs,
          checkpointIntervalNote: intervalMs === CHECKPOINT_INTERVAL_MS ? null : `run shorter than ${(2 * CHECKPOINT_INTERVAL_MS) / 1000} s: checkpoints every ${intervalMs} ms instead of 10 s`,
          checkpointedEventsPerSec: checkpointed.eventsPerSec,
          checkpointedSteadyEventsPerSec: checkpointed['steadyEventsPerSec'] ?? null,
          // Per CPU second with checkpoints on (the best run), against the same target.
          checkpointedEventsPerCpuSec: Math.max(...perCpuWithCheckpoints),
          checkpointedPerCoreTarget: flink === undefined ? null : Math.max(...perCpuWithCheckpoints) >= 2 * flink ? 'met' : 'NOT MET',
          checkpointRatio,
          checkpointRatioRuns: `without ${without.map(Math.round).join(', ')}; with ${withCheckpoints.map(Math.round).join(', ')} events/s`,
          checkpointRatioTarget: checkpointRatio >= CHECKPOINT_RATIO_TARGET ? 'met' : 'NOT MET',
          checkpoints: checkpointed['checkpoints'] ?? null,
          checkpointsFailed: checkpointed['checkpointsFailed'] ?? null,
          checkpointLastFailure: checkpointed['checkpointLastFailure'] ?? null,
          checkpointP50Ms: checkpointed['checkpointP50Ms'] ?? null,
          checkpointP99Ms: checkpointed['checkpointP99Ms'] ?? null,
          checkpointSyncP99Ms: checkpointed['checkpointSyncP99Ms'] ?? null,
          checkpointAsyncP99Ms: checkpointed['checkpointAsyncP99Ms'] ?? null,
          checkpointAlignmentP99Ms: checkpointed['checkpointAlignmentP99Ms'] ?? null,
          checkpointBytes: checkpointed['checkpointBytes'] ?? null,
          checkpointedBytesAvg: checkpointed['checkpointedBytesAvg'] ?? null,
          latencyKind: spec.latency === 'none' ? null : spec.latency,
          latencySamples: samples.length,
          latencyP50Ms: percentile(samples, 50),
          latencyP99Ms: percentile(samples, 99),
          loadAverage,
        },
      };
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
  },
};

function verify(query: string, events: number, rows: number, checkpointedRows: number): void {
  const variant = query;
  if (rows === 0) throw new BenchVerificationError(NAME, variant, 'no rows: the query produced nothing');
  if ((query === 'q0' || query === 'q1') && rows !== bidsAmong(events)) throw new BenchVerificationError(NAME, variant, `${rows} rows instead of one per bid (${bidsAmong(events)})`);
  if (!ORDER_DEPENDENT_ROWS.has(query) && checkpointedRows !== rows) {
    throw new BenchVerificationError(NAME, variant, `${checkpointedRows} rows with checkpoints, ${rows} without`);
  }
}
