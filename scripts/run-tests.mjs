#!/usr/bin/env node
/**
 * @module The unit/integration test runner behind `npm run test:unit`: finds every `*.test.ts` and
 * `*.test.mjs` under packages/*\/src, test/ and tools/, and runs them with `node --import tsx --test`.
 *
 * Usage: node scripts/run-tests.mjs [filter...] [node test flags...]
 *   filter      a file or directory path, or a substring of a test file's path (relative to the root);
 *               several filters select the union. No filter: every test file.
 *   node flags  passed to `node --test` after ours, so they win: `--test-name-pattern=aligned`,
 *               `--test-only`, `--test-timeout=600000`, `--test-concurrency=1`, `--test-reporter=tap`, ...
 * Env: CI=true selects the plain-text spec reporter and makes sure the summary lines come last.
 *
 * On Node 20, `--test-timeout` limits every test and also every test file as a whole (the file is a
 * test of the runner's root); the 120 s default is therefore also a cap on one file's total time.
 * Split a slow suite, or give its long tests an explicit `{ timeout }`, rather than raising it for all.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, constants } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '..');
const TEST_FILE = /\.test\.(ts|mjs)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage']);
const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_CONCURRENCY = 2;
/** Node test flags that take their value as the next argument when written without `=`. */
const FLAGS_WITH_VALUE = new Set([
  '--test-name-pattern',
  '--test-skip-pattern',
  '--test-reporter',
  '--test-reporter-destination',
  '--test-concurrency',
  '--test-timeout',
  '--test-shard',
  '--import',
  '--require',
  '--conditions',
  '-C',
  '-r',
]);

/** Every test file under `dir`, skipping dependency, build and hidden (.weir, .tmp, ...) folders. */
function findTests(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (entry.isFile() && TEST_FILE.test(entry.name)) out.push(full);
  }
  return out;
}

function allTestFiles() {
  const roots = [path.join(ROOT, 'test'), path.join(ROOT, 'tools')];
  const packages = path.join(ROOT, 'packages');
  if (existsSync(packages)) {
    for (const entry of readdirSync(packages, { withFileTypes: true })) {
      if (entry.isDirectory()) roots.push(path.join(packages, entry.name, 'src'));
    }
  }
  return roots.flatMap((dir) => findTests(dir)).sort();
}

/** Splits our arguments into file filters and flags for `node --test`. */
function parseArgs(args) {
  const filters = [];
  const flags = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') continue;
    if (arg.startsWith('-')) {
      flags.push(arg);
      if (FLAGS_WITH_VALUE.has(arg) && i + 1 < args.length) flags.push(args[++i]);
    } else {
      filters.push(arg);
    }
  }
  return { filters, flags };
}

/** Whether `file` is selected by `filter`: a path (file or directory) or a substring of its relative path. */
function matches(file, filter) {
  const asPath = path.resolve(filter);
  if (existsSync(asPath)) {
    return statSync(asPath).isDirectory() ? file.startsWith(asPath + path.sep) : file === asPath;
  }
  return path.relative(ROOT, file).split(path.sep).join('/').includes(filter.split(path.sep).join('/'));
}

const { filters, flags } = parseArgs(process.argv.slice(2));
const discovered = allTestFiles();
const files = filters.length === 0 ? discovered : discovered.filter((file) => filters.some((f) => matches(file, f)));
if (files.length === 0) {
  console.error(
    filters.length === 0
      ? 'run-tests: no *.test.ts or *.test.mjs files under packages/*/src, test/ or tools/'
      : `run-tests: no test file matches ${filters.map((f) => `'${f}'`).join(', ')} (searched packages/*/src, test/, tools/)`,
  );
  process.exit(1);
}

const ci = process.env.CI === 'true' || process.env.CI === '1';
const concurrency = Math.max(1, Math.min(MAX_CONCURRENCY, availableParallelism()));
const nodeArgs = [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  `--test-timeout=${DEFAULT_TIMEOUT_MS}`,
  ...(ci ? ['--test-reporter=spec', '--test-reporter-destination=stdout'] : []),
  ...flags,
  ...files.map((file) => path.relative(ROOT, file)),
];

const env = { ...process.env };
if (ci) {
  // plain text: FORCE_COLOR would win over NO_COLOR
  delete env.FORCE_COLOR;
  env.NO_COLOR = '1';
}

const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, env, stdio: ['inherit', ci ? 'pipe' : 'inherit', 'inherit'] });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));

const SUMMARY_LINE = /^\S* ?(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) \d/;
/** In CI the spec reporter lists failures after its summary; repeat the summary so it comes last. */
const summaryLastDone = !ci
  ? Promise.resolve()
  : new Promise((resolve) => {
      let summary = [];
      let inSummary = false;
      let linesAfterSummary = 0;
      const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
      lines.on('line', (line) => {
        process.stdout.write(`${line}\n`);
        if (SUMMARY_LINE.test(line) && (inSummary || /^\S* ?tests \d/.test(line))) {
          if (!inSummary) summary = [];
          inSummary = true;
          summary.push(line);
          linesAfterSummary = 0;
        } else {
          inSummary = false;
          if (line.trim() !== '') linesAfterSummary++;
        }
      });
      lines.on('close', () => {
        if (summary.length > 0 && linesAfterSummary > 0) process.stdout.write(`\n${summary.join('\n')}\n`);
        resolve();
      });
    });

child.on('error', (error) => {
  console.error(`run-tests: could not start ${process.execPath}: ${error.message}`);
  process.exit(1);
});
child.on('close', (code, signal) => {
  void summaryLastDone.then(() => {
    process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
  });
});
