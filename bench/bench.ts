/**
 * @module The contract every benchmark of `npm run bench` implements, and what a measurement is. A
 * bench names its variants (one of them the hand-written baseline), writes its input in `prepare` (in
 * the parent, before any clock starts) and runs one variant per child process in `run`, timing exactly
 * the measured work through `timed` and verifying its result afterwards. Register a new bench in
 * bench/registry.ts.
 */

/** Where a bench keeps its input and reference results, and how big a run is. */
export interface BenchContext {
  /** A directory of this bench's own (`.weir/bench/<name>`), created before `prepare`. */
  readonly dir: string;
  /** Records per measurement. */
  readonly events: number;
}

/** Extra per-measurement values a bench reports; they appear as fields of the `--json` line. */
export type BenchFields = Readonly<Record<string, number | string | boolean | null>>;

/** What a variant's `run` hands back once it has verified its result. */
export interface RunOutcome {
  /** The records the measured work processed (usually `context.events`). */
  readonly events: number;
  readonly fields?: BenchFields | undefined;
}

/**
 * Measures `work`: wall time and the CPU time of the whole process (all threads) from its start to the
 * settling of its promise. A bench's `run` calls it exactly once; set-up before it and verification
 * after it are not measured.
 */
export type Timed = <T>(work: () => T | Promise<T>) => Promise<T>;

/** A ratio of two variants' events/s that the summary checks (`numerator / denominator`). */
export interface BenchTarget {
  readonly numerator: string;
  readonly denominator: string;
  /** The ratio must reach this value... */
  readonly min: number;
  /** ...and exceed it when strict ("p1 above rxjs" is `{ min: 1, strict: true }`). */
  readonly strict?: boolean | undefined;
}

/** An extra column of the human table, read from a field the bench's `run` returned. */
export interface BenchColumn {
  readonly field: string;
  readonly header: string;
  readonly format?: ((value: number | string | boolean | null) => string) | undefined;
}

export interface Bench {
  readonly name: string;
  /** One line for the table's title: what flows through what. */
  readonly description: string;
  /** In the order they run; the baseline, if any, runs first in every round whatever its position. */
  readonly variants: readonly string[];
  /** The hand-written variant the others are compared with (`ratioToBaseline`). */
  readonly baseline?: string | undefined;
  readonly defaultEvents: number;
  /** A variant's own default size, when the variants differ in cost (`--events` overrides it). */
  readonly defaultEventsOf?: ((variant: string) => number) | undefined;
  readonly targets?: readonly BenchTarget[] | undefined;
  readonly columns?: readonly BenchColumn[] | undefined;
  /** Runs in the parent once per `npm run bench`, unmeasured: write input files and reference results into `context.dir`. */
  prepare(context: BenchContext): void | Promise<void>;
  /** Runs in a fresh child process: one variant, measured through `timed`; throws when the result is wrong. */
  run(variant: string, context: BenchContext, timed: Timed): Promise<RunOutcome>;
}

/** One measurement, as the child prints it and `--json` passes it on. */
export interface Measurement {
  readonly bench: string;
  readonly variant: string;
  readonly events: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly eventsPerSec: number;
  /** events / CPU seconds of the whole process: what one core's worth of CPU gets through. */
  readonly eventsPerCpuSec: number;
  readonly peakRssMb: number;
  /** Filled in by the parent against the baseline of the same round; null for the baseline itself. */
  readonly ratioToBaseline: number | null;
  readonly [field: string]: number | string | boolean | null;
}

/** A result that disagrees with the reference: the figures of such a run are worthless. */
export class BenchVerificationError extends Error {
  constructor(bench: string, variant: string, detail: string) {
    super(`${bench} ${variant}: wrong result, ${detail}`);
    this.name = 'BenchVerificationError';
  }
}

/** Throws a BenchVerificationError naming the first few keys whose counts differ, missing or extra. */
export function verifyCounts(bench: string, variant: string, actual: ReadonlyMap<string, number>, expected: ReadonlyMap<string, number>): void {
  const problems: string[] = [];
  for (const [key, count] of expected) {
    const got = actual.get(key);
    if (got !== count) problems.push(`${key}: ${got ?? 'missing'} instead of ${count}`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) problems.push(`${key}: unexpected (${actual.get(key) ?? '?'})`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ');
    throw new BenchVerificationError(bench, variant, `${problems.length} of ${expected.size} keys differ: ${shown}${problems.length > 5 ? '; ...' : ''}`);
  }
}

/** Throws unless `variant` is one of the bench's; `run` implementations end their switch with it. */
export function unknownVariant(bench: Bench, variant: string): never {
  throw new Error(`bench '${bench.name}' has no variant '${variant}' (variants: ${bench.variants.join(', ')})`);
}
