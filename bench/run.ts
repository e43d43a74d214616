/**
 * @module `npm run bench -- [bench[:variant,...]...] [--query V,...] [--json] [--events N] [--repeat K]`: runs the
 * named benches (default: all in bench/registry.ts), each measurement in its own child process
 * (bench/measure.ts), and prints a table per bench and whether the targets are met; `--json` prints one
 * JSON object per measurement instead (progress and targets then go to stderr). Each bench's input is
 * written before any clock starts. `--query` picks variants of the named benches (`nexmark --query q5`
 * is `nexmark:q5`). `--events` overrides every bench's (and variant's) default size; with `--repeat`,
 * the variants run in K rounds (baseline first in each) and the tables show medians. A variant whose
 * result is wrong stops the run with status 1.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Bench, BenchContext, Measurement } from './bench.ts';
import { findBench, BENCHES } from './registry.ts';
import { checkTarget, formatTable, formatTargets, medianRates, type TargetCheck } from './report.ts';

const MEASURE = fileURLToPath(new URL('./measure.ts', import.meta.url));
const WORK_DIR = resolve('.weir/bench');
const USAGE = `usage: npm run bench -- [bench[:variant,...]...] [--query variant,...] [--json] [--events N] [--repeat K]
benches: ${BENCHES.map((bench) => `${bench.name} (${bench.variants.join(', ')})`).join('; ')}`;

interface Selection {
  readonly bench: Bench;
  readonly variants: readonly string[];
}

function select(spec: string): Selection {
  const [name = '', list] = spec.split(':');
  const bench = findBench(name);
  const variants = list === undefined ? bench.variants : list.split(',');
  for (const variant of variants) {
    if (!bench.variants.includes(variant)) throw new Error(`bench '${bench.name}' has no variant '${variant}' (variants: ${bench.variants.join(', ')})`);
  }
  // In the bench's order, the baseline first, so every other variant of a round has one to compare with.
  const rank = (variant: string): number => (variant === bench.baseline ? -1 : bench.variants.indexOf(variant));
  return { bench, variants: [...new Set(variants)].sort((a, b) => rank(a) - rank(b)) };
}

function positiveInteger(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${option} must be a positive integer, not '${text}'`);
  return value;
}

/** Runs one variant in a child process and returns the JSON line it printed. */
function measureInChild(bench: Bench, variant: string, context: BenchContext): Promise<Measurement> {
  const args = [...process.execArgv, MEASURE, '--bench', bench.name, '--variant', variant, '--events', String(context.events), '--dir', context.dir];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = stdout.split('\n').filter((line) => line.length > 0);
      const last = lines.pop();
      // Anything else the child printed (a job's print sink, say) is not ours to parse: pass it on to stderr.
      for (const line of lines) process.stderr.write(`${line}\n`);
      if (code !== 0 || last?.startsWith('{') !== true) {
        if (last !== undefined && !last.startsWith('{')) process.stderr.write(`${last}\n`);
        reject(new Error(`${bench.name} ${variant}: the measuring process ${signal === null ? `exited with status ${code ?? '?'}` : `was killed by ${signal}`}`));
        return;
      }
      resolvePromise(JSON.parse(last) as Measurement);
    });
  });
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      events: { type: 'string' },
      repeat: { type: 'string' },
      query: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const json = values.json;
  const events = positiveInteger('events', values.events);
  const repeat = positiveInteger('repeat', values.repeat) ?? 1;
  const query = values.query;
  const specs = positionals.length === 0 ? BENCHES.map((bench) => bench.name) : positionals;
  const selections = specs.map((spec) => select(query === undefined || spec.includes(':') ? spec : `${spec}:${query}`));
  // Human output on stdout; with --json, stdout carries measurements only.
  const say = (text: string): boolean => (json ? process.stderr : process.stdout).write(text);
  const progress = (text: string): boolean => process.stderr.write(text);

  const cpu = cpus();
  say(`weir bench: node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}${repeat > 1 ? `, ${repeat} rounds` : ''}\n\n`);
  const started = performance.now();
  const checks: TargetCheck[] = [];
  for (const { bench, variants } of selections) {
    const context: BenchContext = { dir: resolve(WORK_DIR, bench.name), events: events ?? bench.defaultEvents };
    rmSync(context.dir, { recursive: true, force: true });
    mkdirSync(context.dir, { recursive: true });
    try {
      progress(`${bench.name}: preparing input for ${context.events.toLocaleString('en-US')} events...`);
      const prepareStarted = performance.now();
      await bench.prepare(context);
      progress(` ${((performance.now() - prepareStarted) / 1000).toFixed(1)} s\n`);

      const measurements: Measurement[] = [];
      for (let round = 1; round <= repeat; round++) {
        let baselineRate: number | undefined;
        for (const variant of variants) {
          progress(`${bench.name}: ${variant}${repeat > 1 ? ` (round ${round}/${repeat})` : ''}...`);
          const variantEvents = events ?? bench.defaultEventsOf?.(variant) ?? context.events;
          const measured = await measureInChild(bench, variant, { ...context, events: variantEvents });
          if (variant === bench.baseline) baselineRate = measured.eventsPerSec;
          const measurement: Measurement = {
            ...measured,
            ratioToBaseline: variant === bench.baseline || baselineRate === undefined ? null : measured.eventsPerSec / baselineRate,
          };
          measurements.push(measurement);
          progress(` ${Math.round(measurement.eventsPerSec).toLocaleString('en-US')} events/s, verified\n`);
          if (json) process.stdout.write(`${JSON.stringify(measurement)}\n`);
        }
      }
      if (!json) say(`\n${formatTable(bench, context.events, measurements)}\n`);
      const rates = medianRates(measurements);
      for (const target of bench.targets ?? []) checks.push(checkTarget(bench.name, target, rates));
    } finally {
      rmSync(context.dir, { recursive: true, force: true });
    }
  }
  if (checks.length > 0) say(`${json ? '\n' : ''}${formatTargets(checks)}`);
  say(`\n${((performance.now() - started) / 1000).toFixed(0)} s in all\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`\nbench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
