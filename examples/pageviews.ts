/**
 * @module The page-view job from weir's seeds: log lines carrying an `app_id` are parsed, keyed by
 * app and counted (`app_id -> pv`, kept in keyed state), at parallelism 2 with an explicit uid on every
 * operator. Run as a script (`npm start`), it first writes generated input to two log partitions,
 * then prints each app's count, the throughput and a check against a count made while generating.
 */
import { resolve } from 'node:path';
import { rmSync } from 'node:fs';
import {
  CollectSink,
  JobParameters,
  KeyedProcessFunction,
  LogSource,
  LogWriter,
  Types,
  ValueStateDescriptor,
  defineJob,
  randomInt,
  runIfMain,
  runJob,
  type Collector,
  type KeyedProcessContext,
  type ValueState,
} from 'weir';

export interface PageView {
  readonly appId: string;
}

/** Reads the app of one log line; a line without one is bad input and fails the job with its text. */
export function parsePageView(line: string): PageView {
  const event = JSON.parse(line) as { app_id?: unknown };
  if (typeof event.app_id !== 'string') throw new Error(`log line without an app_id: ${line.slice(0, 120)}`);
  return { appId: event.app_id };
}

/** Counts page views per app in keyed state and emits the new count with each view. */
export class CountPageViews extends KeyedProcessFunction<string, PageView, [string, number]> {
  #pv!: ValueState<number>;

  override open(): void {
    this.#pv = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('pv', Types.number));
  }

  processElement(_view: PageView, ctx: KeyedProcessContext<string>, out: Collector<[string, number]>): void {
    const pv = (this.#pv.value() ?? 0) + 1;
    this.#pv.update(pv);
    out.collect([ctx.getCurrentKey(), pv]);
  }
}

export const DEFAULT_INPUT = '.weir/pageviews-input';

export const job = defineJob('pageviews', (env, params) => {
  env.setParallelism(params.getInt('parallelism', 2));
  env
    .fromSource(new LogSource({ path: params.get('input', DEFAULT_INPUT) }), 'pageview-log')
    .uid('pageview-log')
    .map(parsePageView, Types.object({ appId: Types.string }))
    .name('parse')
    .uid('parse')
    .keyBy((view) => view.appId)
    .process(new CountPageViews(), Types.tuple(Types.string, Types.number))
    .name('count')
    .uid('count')
    .sinkTo(new CollectSink<[string, number]>('pv', { upsertKey: ([app]) => app }))
    .name('pv')
    .uid('pv-sink');
});

/**
 * Writes `events` page views over `apps` apps (a skewed mix: low-numbered apps are busier) into
 * two log partitions, and returns the true count per app.
 */
export function generatePageViews(directory: string, events: number, apps: number, seed = 7): Map<string, number> {
  rmSync(directory, { recursive: true, force: true });
  const writer = new LogWriter(directory, 2);
  const counts = new Map<string, number>();
  for (let i = 0; i < events; i++) {
    const app = `app${Math.min(randomInt(seed, i, apps), randomInt(seed + 1, i, apps))}`;
    counts.set(app, (counts.get(app) ?? 0) + 1);
    const line = `{"ts":${1_700_000_000_000 + i * 10},"app_id":"${app}","user_id":"u${randomInt(seed + 2, i, 100_000)}","url":"/page/${randomInt(seed + 3, i, 500)}"}`;
    writer.append(i % 2, line);
  }
  writer.close();
  return counts;
}

runIfMain(import.meta.url, async () => {
  const params = JobParameters.fromArgs(process.argv.slice(2));
  const events = params.getInt('events', 1_000_000);
  const apps = params.getInt('apps', 20);
  const input = resolve(params.get('input', DEFAULT_INPUT));
  process.stdout.write(`Generating ${events.toLocaleString('en-US')} page views over ${apps} apps into ${input} (2 partitions)...\n`);
  const expected = generatePageViews(input, events, apps);

  process.stdout.write('Running the page-view job (log source -> parse -> keyBy app_id -> count -> sink, parallelism 2)...\n');
  const result = await runJob(import.meta.url, { args: { input, parallelism: params.getInt('parallelism', 2) } });
  const counts = new Map(result.getCollected<[string, number]>('pv'));

  const rows = [...expected].sort(([, a], [, b]) => b - a);
  process.stdout.write('\n  app       page views   expected\n');
  for (const [app, count] of rows) {
    const got = counts.get(app);
    process.stdout.write(`  ${app.padEnd(8)} ${String(got ?? '-').padStart(11)} ${String(count).padStart(10)}${got === count ? '' : '   <- MISMATCH'}\n`);
  }
  const seconds = result.netRuntimeMs / 1000;
  process.stdout.write(`\n${events.toLocaleString('en-US')} events in ${seconds.toFixed(2)} s: ${Math.round(events / seconds).toLocaleString('en-US')} events/s\n`);
  const extra = [...counts.keys()].filter((app) => !expected.has(app));
  const ok = rows.every(([app, count]) => counts.get(app) === count) && extra.length === 0;
  process.stdout.write(ok ? `check: OK, the counts of all ${expected.size} apps match the input\n` : `check: FAILED, the counts differ from the input${extra.length > 0 ? ` (unexpected apps: ${extra.join(', ')})` : ''}\n`);
  return ok ? 0 : 1;
});
