/**
 * @module Bench "recovery": how long a job holding 1,000,000 keys takes from its failure to its restored
 * state. Unmeasured set-up: the million-keys job (bench/jobs/million-keys-job.ts) counts `events`
 * records at parallelism 2 with EXACTLY_ONCE checkpoints every second into a fresh temporary directory,
 * its source holding once its last record is out; once a checkpoint triggered after that completed
 * (so it holds every record's count and the source's end position), the job is cancelled, its
 * checkpoint retained: the failure.
 *
 * Measured (`restoreMs`, the timed span): from the call that restarts the job from `latest` to the
 * moment the last of its count subtasks reports open. That covers loading the job in the JobManager and
 * starting the slots' worker threads (engine loaded in each), finding the latest checkpoint, reading its
 * `_metadata` and state files and verifying their checksums, assigning key groups to subtasks, sending the
 * bytes to the workers, deserializing the 1M keys into the heap backend, and opening the operators
 * (restore happens before open). It does not cover the cancel, a restart strategy's backoff, nor any
 * record processed after the restore. events/s in this row is keys restored per second.
 *
 * Verified afterwards (unmeasured): the restored source reads none of the input again; it emits one probe
 * record per key, and every probe's count must be the key's count in a plain loop over the input plus one.
 * `npm run bench recovery`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { MiniCluster, jobModuleUrl, type CheckpointStats, type JobClient } from 'weir';
import { unknownVariant, type Bench, type BenchContext, type RunOutcome } from './bench.ts';
import { CountSummary, MILLION_KEYS, millionKeysRecord, probeRecord, verifySummary, type CountSummaryReport, type MillionKeysSignal } from './jobs/million-keys-job.ts';

const NAME = 'recovery';
const JOB = new URL('./jobs/million-keys-job.ts', import.meta.url);
const PARALLELISM = 2;
const INTERVAL_MS = 1000;
const RESTORE_TARGET_MS = 2000;
/** The set-up (filling the state and checkpointing it) must be done by then. */
const SETUP_TIMEOUT_MS = 60_000;

/** The reference: the input counted per key in a Map, then one probe per key, the probes' counts summarized as the sink does. */
function summarizeProbesInLoop(events: number): CountSummaryReport {
  const counts = new Map<string, number>();
  for (let i = 0; i < events; i++) {
    const { key } = millionKeysRecord(i);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const summary = new CountSummary();
  for (let j = 0; j < MILLION_KEYS; j++) summary.add((counts.get(probeRecord(j).key) ?? 0) + 1);
  return summary.report();
}

/** Listens for the job's signals (from the slots' worker threads) on a BroadcastChannel of this process. */
class Signals {
  readonly name = `weir-bench-recovery-${process.pid}-${Date.now()}`;
  readonly #channel = new BroadcastChannel(this.name);
  readonly #waiting = new Set<{ readonly kind: MillionKeysSignal['kind']; readonly subtasks: Set<number>; readonly done: () => void }>();

  constructor() {
    this.#channel.onmessage = (event) => {
      const signal = (event as { readonly data: MillionKeysSignal }).data;
      for (const waiter of this.#waiting) {
        if (waiter.kind !== signal.kind) continue;
        waiter.subtasks.add(signal.subtask);
        if (waiter.subtasks.size === PARALLELISM) waiter.done();
      }
    };
  }

  /**
   * Resolves once every subtask sent `kind` (counting from this call, so make it before any can: in the
   * tick that submits the job); rejects when the job cannot be submitted, ends first, or after `timeoutMs`.
   */
  async expect(kind: MillionKeysSignal['kind'], submitted: Promise<JobClient>, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let waiter;
    try {
      await new Promise<void>((resolve, reject) => {
        waiter = { kind, subtasks: new Set<number>(), done: resolve };
        this.#waiting.add(waiter);
        timer = setTimeout(() => reject(new Error(`${NAME}: not every subtask sent '${kind}' within ${timeoutMs / 1000} s`)), timeoutMs);
        submitted
          .then((client) => client.getJobExecutionResult())
          .then(
            () => reject(new Error(`${NAME}: the job ended before every subtask sent '${kind}'`)),
            (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
          );
      });
    } finally {
      clearTimeout(timer);
      if (waiter !== undefined) this.#waiting.delete(waiter);
    }
  }

  close(): void {
    this.#channel.close();
  }
}

/** Waits for a completed checkpoint triggered at or after `since` (epoch ms) and returns its statistics. */
async function checkpointTriggeredSince(client: JobClient, since: number, deadline: number): Promise<CheckpointStats> {
  for (;;) {
    const latest = client.getCheckpointStats()?.latest.completed ?? null;
    if (latest !== null && latest.triggeredAt >= since) return latest;
    if (Date.now() > deadline) throw new Error(`${NAME}: no checkpoint triggered after the source's last record completed within ${SETUP_TIMEOUT_MS / 1000} s of the start`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function expectedFile(context: BenchContext): string {
  return join(context.dir, 'expected.json');
}

export const recoveryBench: Bench = {
  name: NAME,
  description: `restart from the latest retained checkpoint of a keyed count holding ${MILLION_KEYS.toLocaleString('en-US')} keys, parallelism ${PARALLELISM}, until every count subtask is open (events/s: keys restored per second)`,
  variants: ['1M-keys'],
  defaultEvents: 2_000_000,
  columns: [
    { field: 'restoreMs', header: 'restore ms', format: (value) => (typeof value === 'number' ? value.toFixed(0) : '-') },
    { field: 'restoreTarget', header: `restore < ${RESTORE_TARGET_MS / 1000} s`, format: (value) => String(value) },
    { field: 'checkpointBytes', header: 'checkpoint MB', format: (value) => (typeof value === 'number' ? (value / 1e6).toFixed(1) : '-') },
  ],

  prepare(context) {
    writeFileSync(expectedFile(context), JSON.stringify(summarizeProbesInLoop(context.events)));
  },

  async run(variant, context, timed): Promise<RunOutcome> {
    if (variant !== '1M-keys') return unknownVariant(recoveryBench, variant);
    const expected = JSON.parse(readFileSync(expectedFile(context), 'utf8')) as CountSummaryReport;
    const checkpoints = mkdtempSync(join(tmpdir(), 'weir-bench-recovery-'));
    const signals = new Signals();
    const cluster = new MiniCluster();
    try {
      // Set-up: fill the state, checkpoint all of it, fail.
      const args = { events: String(context.events), checkpoints, interval: String(INTERVAL_MS), 'after-last': 'hold', signals: signals.name };
      const deadline = Date.now() + SETUP_TIMEOUT_MS;
      const submitted = cluster.submit({ module: jobModuleUrl(JOB), parallelism: PARALLELISM, args, configuration: {} });
      const exhausted = signals.expect('source-exhausted', submitted, SETUP_TIMEOUT_MS);
      exhausted.catch(() => {}); // awaited below; a failed submit throws first
      const first = await submitted;
      await exhausted;
      const checkpoint = await checkpointTriggeredSince(first, Date.now(), deadline);
      await first.cancel();

      // Measured: restart from it until every count subtask has its state and is open.
      let restoreMs = 0;
      const restored = await timed(async () => {
        const started = performance.now();
        const resubmitted = cluster.submit({ module: jobModuleUrl(JOB), parallelism: PARALLELISM, args: { ...args, 'after-last': 'probe' }, configuration: {}, fromCheckpoint: 'latest' });
        const opened = signals.expect('count-opened', resubmitted, SETUP_TIMEOUT_MS);
        opened.catch(() => {}); // awaited below; a failed submit throws first
        const client = await resubmitted;
        await opened;
        restoreMs = performance.now() - started;
        return client;
      });

      // Verified: the probes' counts.
      const result = await restored.getJobExecutionResult();
      verifySummary(NAME, variant, result.getCollected<CountSummaryReport>('count-summary'), expected, PARALLELISM);
      const restoredFrom = restored.getCheckpointStats()?.latest.restored?.checkpointId ?? null;
      return {
        events: expected.received,
        fields: {
          keys: expected.received,
          restoreMs,
          restoreTarget: restoreMs < RESTORE_TARGET_MS ? 'met' : 'NOT MET',
          checkpointId: checkpoint.checkpointId,
          restoredCheckpointId: restoredFrom,
          checkpointBytes: checkpoint.stateSize,
        },
      };
    } finally {
      signals.close();
      rmSync(checkpoints, { recursive: true, force: true });
    }
  },
};
