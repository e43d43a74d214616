/**
 * @module One measurement in a fresh process, so peak RSS and JIT state are its own: runs one variant
 * of one bench and prints one JSON line (a `Measurement` without `ratioToBaseline`, which the parent
 * fills in) on stdout. bench/run.ts starts it as
 * `node --import tsx bench/measure.ts --bench <name> --variant <variant> --events <n> --dir <dir>`;
 * the bench's `prepare` must have written `<dir>` before. A wrong result exits with status 1.
 */
import { parseArgs } from 'node:util';
import type { BenchFields, Measurement, Timed } from './bench.ts';
import { findBench } from './registry.ts';

interface Span {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

async function measure(): Promise<Measurement> {
  const { values } = parseArgs({
    options: { bench: { type: 'string' }, variant: { type: 'string' }, events: { type: 'string' }, dir: { type: 'string' } },
    strict: true,
  });
  const { bench: name, variant, events, dir } = values;
  if (name === undefined || variant === undefined || events === undefined || dir === undefined) {
    throw new Error('usage: node --import tsx bench/measure.ts --bench <name> --variant <variant> --events <n> --dir <dir>');
  }
  const bench = findBench(name);

  const spans: Span[] = [];
  const timed: Timed = async (work) => {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    try {
      return await work();
    } finally {
      const wallSeconds = (performance.now() - started) / 1000;
      // user + system of every thread of the process: the engine's workers included
      const cpu = process.cpuUsage(cpuBefore);
      spans.push({ wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
    }
  };
  const outcome = await bench.run(variant, { dir, events: Number(events) }, timed);
  const span = spans[0];
  if (span === undefined || spans.length !== 1) throw new Error(`bench '${name}' variant '${variant}' called timed() ${spans.length} times instead of once`);

  const measurement: Measurement = {
    bench: name,
    variant,
    events: outcome.events,
    wallSeconds: span.wallSeconds,
    cpuSeconds: span.cpuSeconds,
    eventsPerSec: outcome.events / span.wallSeconds,
    eventsPerCpuSec: outcome.events / span.cpuSeconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    ratioToBaseline: null,
  };
  const fields: BenchFields = outcome.fields ?? {};
  const clash = Object.keys(fields).find((field) => field in measurement);
  if (clash !== undefined) throw new Error(`bench '${name}' returned a field '${clash}', which every measurement has already: rename it`);
  return { ...measurement, ...fields };
}

measure().then(
  (measurement) => {
    // Exit once the line is out: a stray timer of the measured code must not hold the parent up.
    process.stdout.write(`${JSON.stringify(measurement)}\n`, () => process.exit(0));
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.name === 'BenchVerificationError' ? error.message : (error.stack ?? error.message)) : String(error)}\n`);
    process.exit(1);
  },
);
