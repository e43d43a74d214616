/**
 * @module The `weir` command and the page-view example as a user runs them: plan output (text and
 * JSON), uid warnings, the print sink's lines, and `npm start`'s script on a small input.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, WEIR_BIN as WEIR, runNode as nodeRun } from './support/run-command.ts';
import { WORDS } from './jobs/print-job.ts';

const PRINT_JOB = join(ROOT, 'test/jobs/print-job.ts');
const run = (args: string[]) => nodeRun(args);

test('weir plan prints the page-view job graph: chained vertices, parallelism, uids and the keyBy edge', async () => {
  const outcome = await run([WEIR, 'plan', 'examples/pageviews.ts']);
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.match(outcome.stdout, /\[1\] Source: pageview-log -> parse {2}\(parallelism 2, maxParallelism 128\)/);
  assert.match(outcome.stdout, /\[2\] count -> Sink: pv {2}\(parallelism 2, maxParallelism 128\)/);
  assert.match(outcome.stdout, /--HASH--> \[2\] count/);
  for (const uid of ['pageview-log', 'parse', 'count', 'pv-sink']) assert.match(outcome.stdout, new RegExp(`uid ${uid}\\b`));
  assert.doesNotMatch(outcome.stderr, /warning/);
});

test('weir plan --json describes the same graph for machines', async () => {
  const outcome = await run([WEIR, 'plan', '--json', 'examples/pageviews.ts']);
  assert.equal(outcome.code, 0, outcome.stderr);
  const plan = JSON.parse(outcome.stdout) as {
    jobName: string;
    vertices: { parallelism: number; operators: { uid: string; uidGenerated: boolean }[] }[];
    edges: { source: string; target: string; partitioner: string; targetOperator: string }[];
    warnings: string[];
  };
  assert.equal(plan.jobName, 'pageviews');
  assert.deepEqual(plan.vertices.map((v) => v.operators.map((o) => o.uid)), [['pageview-log', 'parse'], ['count', 'pv-sink']]);
  assert.ok(plan.vertices.every((v) => v.parallelism === 2 && v.operators.every((o) => !o.uidGenerated)));
  assert.deepEqual(plan.edges, [{ source: plan.edges[0]?.source, target: plan.edges[0]?.target, partitioner: 'HASH', targetOperator: 'count' }]);
  assert.deepEqual(plan.warnings, []);
});

test('weir plan warns about a stateful operator without an explicit uid', async () => {
  const outcome = await run([WEIR, 'plan', '-p', '2', '--job', 'withoutUid', PRINT_JOB]);
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.match(outcome.stderr, /warning: stateful operator 'sum\(n\)' \(Keyed Aggregation\) has no explicit uid/);
  assert.match(outcome.stdout, /uid [0-9a-f]{32} \(generated\) {2}stateful/);
});

test('the print sink writes one line per record, prefixed with the subtask when parallel', async () => {
  const outcome = await run([WEIR, 'run', '-p', '2', '--job', 'job', PRINT_JOB]);
  assert.equal(outcome.code, 0, outcome.stderr);
  const lines = outcome.stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.replace(/^[12]> /, '')).sort(), WORDS.map((w) => w.toUpperCase()).sort());
  assert.ok(lines.every((l) => /^[12]> [A-Z]+$/.test(l)), outcome.stdout);
  assert.match(outcome.stderr, /Job 'print-words' \([0-9a-f]{32}\) finished in/);
});

test('weir --help lists the commands; an unknown command is an error', async () => {
  const help = await run([WEIR, '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /run <job-file>/);
  assert.match(help.stdout, /plan <job-file>/);
  const unknown = await run([WEIR, 'launch', PRINT_JOB]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown command 'launch'/);
});

test('the page-view example generates its input, counts per app at parallelism 2 and checks the counts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-pageviews-'));
  try {
    const outcome = await run(['--import', 'tsx', 'examples/pageviews.ts', '--events', '30000', '--apps', '7', '--input', dir]);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /30,000 events in [\d.]+ s: [\d,]+ events\/s/);
    assert.match(outcome.stdout, /check: OK, the counts of all 7 apps match the input/);
    assert.equal(outcome.stdout.match(/^ {2}app\d+ +\d+ +\d+$/gm)?.length, 7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
