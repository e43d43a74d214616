/**
 * @module Bench "keyed-count": DataGen -> keyBy -> count in ValueState -> tallying sink
 * (bench/jobs/keyed-count-job.ts) at parallelism 1 and 2, against "baseline", the same generator and
 * tally in a plain loop with a Map, and "rxjs", the same keyed count as an RxJS pipeline
 * (`groupBy` + `mergeMap(scan)`), what a Node user would write today, without fault tolerance.
 * `prepare` computes the reference per-key totals with the baseline's loop, unmeasured; every variant's
 * totals must equal them. `npm run bench keyed-count`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupBy, map, mergeMap, range, scan } from 'rxjs';
import { runJob } from 'weir';
import { BenchVerificationError, unknownVariant, verifyCounts, type Bench, type BenchContext, type RunOutcome } from './bench.ts';
import { KeyedCountTally, keyedCountRecord, type KeyedCountReport } from './jobs/keyed-count-job.ts';

const NAME = 'keyed-count';
const JOB = new URL('./jobs/keyed-count-job.ts', import.meta.url);

/** The baseline: the practical limit of this work on one thread. */
function countInLoop(events: number): KeyedCountTally {
  const tally = new KeyedCountTally();
  const counts = new Map<string, number>();
  for (let i = 0; i < events; i++) {
    const record = keyedCountRecord(i);
    const count = (counts.get(record.key) ?? 0) + 1;
    counts.set(record.key, count);
    tally.add(record.key, count);
  }
  return tally;
}

function countWithRxjs(events: number): Promise<KeyedCountTally> {
  const tally = new KeyedCountTally();
  return new Promise((resolve, reject) => {
    range(0, events)
      .pipe(
        map(keyedCountRecord),
        groupBy((record) => record.key),
        mergeMap((group) =>
          group.pipe(
            scan((count) => count + 1, 0),
            map((count) => [group.key, count] as const),
          ),
        ),
      )
      .subscribe({ next: ([key, count]) => tally.add(key, count), error: reject, complete: () => resolve(tally) });
  });
}

async function countWithWeir(events: number, parallelism: number): Promise<{ reports: KeyedCountReport[]; netRuntimeMs: number }> {
  const result = await runJob(JOB, { args: { events }, parallelism });
  return { reports: result.getCollected<KeyedCountReport>('keyed-count-tally'), netRuntimeMs: result.netRuntimeMs };
}

function expectedFile(context: BenchContext): string {
  return join(context.dir, 'expected.json');
}

/** Checks the number of counts received, every key's final count and the sum of all counts emitted, against the reference. */
function verify(variant: string, reports: readonly KeyedCountReport[], expected: ReadonlyMap<string, number>, events: number): void {
  const received = reports.reduce((sum, report) => sum + report.received, 0);
  if (received !== events) throw new BenchVerificationError(NAME, variant, `the sink received ${received} counts instead of ${events}`);
  const latest = new Map<string, number>();
  for (const report of reports) {
    for (const [key, count] of report.latest) {
      if (latest.has(key)) throw new BenchVerificationError(NAME, variant, `key ${key} reached more than one sink subtask`);
      latest.set(key, count);
    }
  }
  verifyCounts(NAME, variant, latest, expected);
  // The counts a key emits are 1..n, so the sum over all of them follows from the final totals.
  let expectedSum = 0;
  for (const n of expected.values()) expectedSum += (n * (n + 1)) / 2;
  const countSum = reports.reduce((sum, report) => sum + report.countSum, 0);
  if (countSum !== expectedSum) throw new BenchVerificationError(NAME, variant, `the emitted counts sum to ${countSum} instead of ${expectedSum}`);
}

export const keyedCountBench: Bench = {
  name: NAME,
  description: 'DataGen objects -> keyBy(key) -> count in ValueState -> tallying sink, 10,000 keys',
  variants: ['baseline', 'p1', 'p2', 'rxjs'],
  baseline: 'baseline',
  defaultEvents: 15_000_000,
  targets: [
    { numerator: 'p1', denominator: 'baseline', min: 0.4 },
    { numerator: 'p1', denominator: 'rxjs', min: 1, strict: true },
  ],
  columns: [{ field: 'keys', header: 'keys' }],

  prepare(context) {
    writeFileSync(expectedFile(context), JSON.stringify(countInLoop(context.events).report().latest));
  },

  async run(variant, context, timed): Promise<RunOutcome> {
    const { events } = context;
    const expected = new Map(JSON.parse(readFileSync(expectedFile(context), 'utf8')) as [string, number][]);
    let reports: KeyedCountReport[];
    let netRuntimeMs: number | null = null;
    switch (variant) {
      case 'baseline':
        // report() inside the clock, as the engine's sinks report inside the job
        reports = [await timed(() => countInLoop(events).report())];
        break;
      case 'rxjs':
        reports = [await timed(async () => (await countWithRxjs(events)).report())];
        break;
      case 'p1':
      case 'p2': {
        const run = await timed(() => countWithWeir(events, variant === 'p1' ? 1 : 2));
        reports = run.reports;
        netRuntimeMs = run.netRuntimeMs;
        break;
      }
      default:
        return unknownVariant(keyedCountBench, variant);
    }
    verify(variant, reports, expected, events);
    return { events, fields: { keys: expected.size, netRuntimeMs } };
  },
};
