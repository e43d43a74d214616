/**
 * @module The benches `npm run bench` knows, in the order it runs them by default. A new bench lives in
 * its own bench/<name>-bench.ts implementing `Bench` (bench/bench.ts) and is added here.
 */
import type { Bench } from './bench.ts';
import { checkpointOverheadBench } from './checkpoint-overhead-bench.ts';
import { keyedCountBench } from './keyed-count-bench.ts';
import { nexmarkBench } from './nexmark-bench.ts';
import { pageviewsBench } from './pageviews-bench.ts';
import { recoveryBench } from './recovery-bench.ts';
import { sinkBench } from './sink-bench.ts';

export const BENCHES: readonly Bench[] = [pageviewsBench, keyedCountBench, checkpointOverheadBench, recoveryBench, sinkBench, nexmarkBench];

/** The bench called `name`; throws listing the known ones otherwise. */
export function findBench(name: string): Bench {
  const bench = BENCHES.find((candidate) => candidate.name === name);
  if (bench === undefined) throw new Error(`no bench named '${name}' (benches: ${BENCHES.map((b) => b.name).join(', ')})`);
  return bench;
}
