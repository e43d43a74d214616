/**
 * @module Bench "pageviews": the page-view job of examples/pageviews.ts (log source -> parse -> keyBy
 * app_id -> count -> sink) at parallelism 1 and 2, measured from submit to result, against "baseline",
 * one thread reading both partition files in chunks, splitting lines, JSON.parse-ing each and counting
 * per app_id in a Map: the practical limit. `prepare` writes the input with `generatePageViews` and
 * keeps the counts it returns; every variant's counts must equal them. `npm run bench pageviews`.
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runJob } from 'weir';
import { generatePageViews, parsePageView } from '../examples/pageviews.ts';
import { unknownVariant, verifyCounts, type Bench, type BenchContext, type RunOutcome } from './bench.ts';

const NAME = 'pageviews';
const JOB = new URL('../examples/pageviews.ts', import.meta.url);
const APPS = 1000;
const CHUNK_BYTES = 1 << 20;

const inputDir = (context: BenchContext): string => join(context.dir, 'input');
const expectedFile = (context: BenchContext): string => join(context.dir, 'expected.json');

/** The baseline: reads each file in 1 MiB chunks (bounded memory, like the log source) and counts per app. */
function countInLoop(directory: string): Map<string, number> {
  const counts = new Map<string, number>();
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  for (const file of readdirSync(directory).sort()) {
    const fd = openSync(join(directory, file), 'r');
    try {
      let rest = '';
      for (let read = readSync(fd, buffer, 0, CHUNK_BYTES, null); read > 0; read = readSync(fd, buffer, 0, CHUNK_BYTES, null)) {
        // A chunk may end inside a multi-byte character; the generated lines are ASCII, as the
        // check against the generator's counts would show otherwise.
        const lines = (rest + buffer.toString('utf8', 0, read)).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const app = parsePageView(line).appId;
          counts.set(app, (counts.get(app) ?? 0) + 1);
        }
      }
      if (rest.length > 0) {
        const app = parsePageView(rest).appId;
        counts.set(app, (counts.get(app) ?? 0) + 1);
      }
    } finally {
      closeSync(fd);
    }
  }
  return counts;
}

export const pageviewsBench: Bench = {
  name: NAME,
  description: `examples/pageviews.ts: log source (2 partitions) -> parse JSON -> keyBy app_id -> count -> sink, ${APPS} apps`,
  variants: ['baseline', 'p1', 'p2'],
  baseline: 'baseline',
  defaultEvents: 5_000_000,
  targets: [{ numerator: 'p2', denominator: 'p1', min: 1.5 }],

  columns: [
    { field: 'startupMs', header: 'start-up ms', format: (value) => (typeof value === 'number' ? value.toFixed(0) : '-') },
    { field: 'steadyEventsPerSec', header: 'events/s once running', format: (value) => (typeof value === 'number' ? Math.round(value).toLocaleString('en-US') : '-') },
  ],

  prepare(context) {
    const expected = generatePageViews(inputDir(context), context.events, APPS);
    writeFileSync(expectedFile(context), JSON.stringify([...expected]));
  },

  async run(variant, context, timed): Promise<RunOutcome> {
    const input = inputDir(context);
    const expected = new Map(JSON.parse(readFileSync(expectedFile(context), 'utf8')) as [string, number][]);
    let counts: Map<string, number>;
    let netRuntimeMs: number | null = null;
    let startupMs: number | null = null;
    switch (variant) {
      case 'baseline':
        counts = await timed(() => countInLoop(input));
        break;
      case 'p1':
      case 'p2': {
        const parallelism = variant === 'p1' ? 1 : 2;
        const result = await timed(() => runJob(JOB, { args: { input, parallelism }, parallelism }));
        counts = new Map(result.getCollected<[string, number]>('pv'));
        netRuntimeMs = result.netRuntimeMs;
        startupMs = result.startupMs;
        break;
      }
      default:
        return unknownVariant(pageviewsBench, variant);
    }
    verifyCounts(NAME, variant, counts, expected);
    // Start-up (threads, job loading) does not scale with the input; steady-state throughput leaves it out.
    const steadyEventsPerSec = netRuntimeMs === null || startupMs === null ? null : context.events / ((netRuntimeMs - startupMs) / 1000);
    return { events: context.events, fields: { netRuntimeMs, startupMs, steadyEventsPerSec } };
  },
};
