/**
 * @module The human output of `npm run bench`: one table per bench (medians over the rounds when
 * `--repeat` > 1) and the targets section, both plain text from the parent's collected measurements.
 */
import type { Bench, BenchTarget, Measurement } from './bench.ts';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** The median events/s of each variant that was measured. */
export function medianRates(measurements: readonly Measurement[]): Map<string, number> {
  const byVariant = new Map<string, number[]>();
  for (const m of measurements) byVariant.set(m.variant, [...(byVariant.get(m.variant) ?? []), m.eventsPerSec]);
  return new Map([...byVariant].map(([variant, rates]) => [variant, median(rates)]));
}

const integer = (value: number): string => Math.round(value).toLocaleString('en-US');
const fixed = (digits: number) => (value: number) => value.toFixed(digits);

interface Column {
  readonly header: string;
  readonly cell: (runs: readonly Measurement[]) => string;
  readonly left?: boolean;
}

function medianOf(field: keyof Measurement & string, format: (value: number) => string): (runs: readonly Measurement[]) => string {
  return (runs) => format(median(runs.map((m) => m[field] as number)));
}

/** A table with a title line, one row per variant measured, in the bench's order. */
export function formatTable(bench: Bench, events: number, measurements: readonly Measurement[]): string {
  const rates = medianRates(measurements);
  const baselineRate = bench.baseline === undefined ? undefined : rates.get(bench.baseline);
  const rounds = Math.max(0, ...[...rates.keys()].map((variant) => measurements.filter((m) => m.variant === variant).length));
  const columns: Column[] = [
    { header: 'variant', cell: (runs) => runs[0]?.variant ?? '', left: true },
    { header: 'events/s', cell: medianOf('eventsPerSec', integer) },
    ...(rounds > 1
      ? [{ header: 'events/s range', cell: (runs: readonly Measurement[]) => `${integer(Math.min(...runs.map((m) => m.eventsPerSec)))}-${integer(Math.max(...runs.map((m) => m.eventsPerSec)))}` }]
      : []),
    { header: 'events/s/core', cell: medianOf('eventsPerCpuSec', integer) },
    { header: 'wall s', cell: medianOf('wallSeconds', fixed(2)) },
    { header: 'CPU s', cell: medianOf('cpuSeconds', fixed(2)) },
    { header: 'peak RSS MB', cell: medianOf('peakRssMb', fixed(0)) },
    {
      header: 'vs baseline',
      cell: (runs) => {
        const variant = runs[0]?.variant;
        if (variant === bench.baseline) return 'baseline';
        if (baselineRate === undefined || variant === undefined) return '-';
        return `${((rates.get(variant) ?? Number.NaN) / baselineRate).toFixed(2)}x`;
      },
    },
    ...(bench.columns ?? []).map((column) => ({
      header: column.header,
      cell: (runs: readonly Measurement[]) => {
        const value = runs[0]?.[column.field] ?? null;
        return column.format?.(value) ?? (typeof value === 'number' ? value.toLocaleString('en-US') : String(value));
      },
    })),
  ];
  const variants = bench.variants.filter((variant) => rates.has(variant));
  const rows = [columns.map((c) => c.header), ...variants.map((variant) => columns.map((c) => c.cell(measurements.filter((m) => m.variant === variant))))];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const lines = rows.map((row) => `  ${row.map((cell, i) => (columns[i]?.left === true ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   ')}`.trimEnd());
  const roundsNote = rounds > 1 ? `, medians of ${rounds} runs` : '';
  const sizes = [...new Set(measurements.map((m) => m.events))];
  const sizeNote = sizes.length > 1 ? `${sizes.map(integer).join(' / ')} events per run, by variant` : `${integer(sizes[0] ?? events)} events per run`;
  return `${bench.name}: ${bench.description}\n  ${sizeNote}${roundsNote}\n\n${lines.join('\n')}\n`;
}

export interface TargetCheck {
  readonly bench: string;
  readonly target: BenchTarget;
  /** null when one of the two variants was not measured. */
  readonly ratio: number | null;
  readonly met: boolean;
}

export function checkTarget(bench: string, target: BenchTarget, rates: ReadonlyMap<string, number>): TargetCheck {
  const numerator = rates.get(target.numerator);
  const denominator = rates.get(target.denominator);
  if (numerator === undefined || denominator === undefined) return { bench, target, ratio: null, met: false };
  const ratio = numerator / denominator;
  return { bench, target, ratio, met: target.strict === true ? ratio > target.min : ratio >= target.min };
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  const rows = checks.map((check) => [
    check.bench,
    `${check.target.numerator} / ${check.target.denominator}`,
    check.ratio === null ? 'n/a' : check.ratio.toFixed(2),
    `target ${check.target.strict === true ? '> ' : '>='} ${check.target.min.toFixed(2)}`,
    check.ratio === null ? 'not measured' : check.met ? 'met' : 'NOT MET',
  ]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const lines = rows.map((row) => `  ${row.map((cell, i) => (i === 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('   ')}`.trimEnd());
  return `targets (ratios of median events/s)\n${lines.join('\n')}\n`;
}
