/**
 * @module The REST API of a running JobManager (`weir cluster start` in a child process), end to end:
 * submit, list, job details with live records in/out, plan, checkpoints, savepoint and stop with
 * savepoint (triggered, then polled), restore from the savepoint, cancel; the error answers (400, 404,
 * 405, 409, 413, 415) and the refusal of paths outside the configured directories.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, runNode, WEIR_BIN } from './support/run-command.ts';
import { startJobManager, type JobManagerProcess } from './support/jobmanager-process.ts';
import { passes } from './jobs/rest-job.ts';

const JOBS_DIR = join(ROOT, 'test/jobs');
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'weir-rest-')));
const savepoints = join(dir, 'savepoints');
const checkpoints = join(dir, 'checkpoints');
let jm: JobManagerProcess;

before(async () => {
  mkdirSync(savepoints);
  mkdirSync(join(dir, 'outside'));
  symlinkSync(join(dir, 'outside'), join(savepoints, 'escape'));
  writeFileSync(join(dir, 'weir.yaml'), `state.savepoints.dir: ${savepoints}\nstate.checkpoints.dir: ${checkpoints}\n`);
  jm = await startJobManager({ args: ['--jobs-dir', JOBS_DIR, '--config', join(dir, 'weir.yaml')] });
});

after(async () => {
  const outcome = await jm.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  assert.equal(outcome.code, 0, outcome.stderr);
});

/** The answers' shapes, as far as the tests read them. */
interface Errors {
  readonly errors: readonly string[];
}
interface Metrics {
  readonly 'read-records': number;
  readonly 'read-records-complete': boolean;
  readonly 'write-records': number;
  readonly 'write-records-complete': boolean;
}
interface Vertex {
  readonly name: string;
  readonly parallelism: number;
  readonly status: string;
  readonly tasks: Readonly<Record<string, number>>;
  readonly metrics: Metrics;
  readonly subtasks: readonly { readonly 'read-records': number }[];
}
interface JobDetails {
  readonly name: string;
  readonly state: string;
  readonly 'start-time': number;
  readonly 'end-time': number;
  readonly vertices: readonly Vertex[];
}
interface CheckpointRow {
  readonly status: string;
  readonly is_savepoint: boolean;
  readonly external_path: string;
}
interface Checkpoints {
  readonly counts: { readonly completed: number; readonly failed: number; readonly restored: number };
  readonly latest: { readonly completed: CheckpointRow | null; readonly savepoint: CheckpointRow | null; readonly restored: { readonly external_path: string } | null };
  readonly history: readonly CheckpointRow[];
}
interface Operation {
  readonly status: { readonly id: string };
  readonly operation?: { readonly location?: string; readonly 'failure-cause'?: unknown };
}
interface Plan {
  readonly plan: {
    readonly jid: string;
    readonly name: string;
    readonly type: string;
    readonly vertices: readonly { readonly operators: readonly { readonly uid: string }[] }[];
    readonly edges: readonly { readonly partitioner: string }[];
  };
}

interface Answer<T> {
  readonly status: number;
  readonly json: T;
  readonly headers: Headers;
}

async function call<T = Errors>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'Content-Type': 'application/json', ...headers };
  }
  const response = await fetch(`${jm.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, json: (text === '' ? undefined : JSON.parse(text)) as T, headers: response.headers };
}

async function waitFor<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function submit(body: Record<string, unknown>): Promise<string> {
  const answer = await call<{ jobid: string }>('POST', '/jobs', body);
  assert.equal(answer.status, 202, JSON.stringify(answer.json));
  assert.match(answer.json.jobid, /^[0-9a-f]{32}$/);
  return answer.json.jobid;
}

const details = (jobId: string): Promise<Answer<JobDetails>> => call<JobDetails>('GET', `/jobs/${jobId}`);
const checkpointStats = (jobId: string): Promise<Answer<Checkpoints>> => call<Checkpoints>('GET', `/jobs/${jobId}/checkpoints`);
const state = async (jobId: string): Promise<string> => (await details(jobId)).json.state;
const running = (jobId: string): Promise<unknown> =>
  waitFor(`job ${jobId} running`, () => details(jobId), (a) => a.json.state === 'RUNNING' && a.json.vertices.every((v) => v.tasks['RUNNING'] === v.parallelism));
const anyJobId = async (): Promise<string> => (await call<{ jobs: { id: string }[] }>('GET', '/jobs')).json.jobs[0]?.id ?? '';

/** Polls the operation until it completed; returns its location (failing the test on a failure cause). */
async function savepointDone(jobId: string, triggerId: string): Promise<string> {
  const done = await waitFor('the savepoint', () => call<Operation>('GET', `/jobs/${jobId}/savepoints/${triggerId}`), (a) => a.json.status.id === 'COMPLETED');
  const location = done.json.operation?.location;
  assert.ok(location !== undefined, JSON.stringify(done.json));
  return location;
}

async function trigger(path: string, body: unknown): Promise<string> {
  const answer = await call<{ 'request-id': string }>('POST', path, body);
  assert.equal(answer.status, 202, JSON.stringify(answer.json));
  return answer.json['request-id'];
}

test('a bounded job submitted over REST runs to its end; its details count every record, as a plain loop over the input does', async () => {
  const count = 3000;
  const jobId = await submit({ module: 'rest-job.ts', parallelism: 2, args: { count: String(count), rate: '20000', checkpointing: 'false' } });
  const finished = await waitFor('the job to finish', () => details(jobId), (a) => a.json.state === 'FINISHED');
  let passed = 0;
  for (let i = 0; i < count; i++) if (passes(i)) passed++;
  const [source, sum] = finished.json.vertices as [Vertex, Vertex];
  assert.equal(finished.json.name, 'rest-count');
  assert.ok(finished.json['end-time'] >= finished.json['start-time']);
  assert.deepEqual([source.name, source.parallelism, source.status], ['Source: numbers -> Filter', 2, 'FINISHED']);
  assert.deepEqual(source.metrics, { 'read-records': count, 'read-records-complete': true, 'write-records': passed, 'write-records-complete': true });
  assert.equal(sum.metrics['read-records'], passed);
  assert.equal(sum.subtasks.length, 2);
  assert.equal(sum.subtasks.reduce((n, s) => n + s['read-records'], 0), passed);

  const list = await call<{ jobs: { id: string; status: string }[] }>('GET', '/jobs');
  assert.ok(list.json.jobs.some((j) => j.id === jobId && j.status === 'FINISHED'));
  const overview = await call<{ jobs: { jid: string; name: string; state: string; tasks: { total: number; finished: number } }[] }>('GET', '/jobs/overview');
  const row = overview.json.jobs.find((j) => j.jid === jobId);
  assert.deepEqual([row?.name, row?.state, row?.tasks.total, row?.tasks.finished], ['rest-count', 'FINISHED', 4, 4]);
});

test('a job that fails shows FAILED with its cause in the details and the overview counts', async () => {
  const jobId = await submit({ module: 'failing-jobs.ts', job: 'throwingMap', parallelism: 2 });
  const failed = await waitFor('the job to fail', () => call<JobDetails & { 'failure-cause': string }>('GET', `/jobs/${jobId}`), (a) => a.json.state === 'FAILED');
  assert.match(failed.json['failure-cause'], /operator 'explode' \(uid explode-uid\) subtask [12]\/2 failed in map\(\): RangeError: cannot handle 777/);
  const overview = await call<{ 'jobs-failed': number }>('GET', '/overview');
  assert.ok(overview.json['jobs-failed'] >= 1);
});

test('the plan of a submitted job is the JobGraph weir plan --json prints', async () => {
  const jobId = await submit({ module: 'rest-job.ts', parallelism: 2, args: { count: '10', checkpointing: 'false' } });
  const plan = await call<Plan>('GET', `/jobs/${jobId}/plan`);
  assert.equal(plan.status, 200);
  const cli = await runNode([WEIR_BIN, 'plan', '--json', '-p', '2', join(JOBS_DIR, 'rest-job.ts'), '--count', '10', '--checkpointing', 'false']);
  assert.equal(cli.code, 0, cli.stderr);
  const { jid, name, type, ...graph } = plan.json.plan;
  assert.deepEqual([jid, name, type], [jobId, 'rest-count', 'STREAMING']);
  assert.deepEqual(graph, JSON.parse(cli.stdout));
  assert.deepEqual(graph.vertices.map((v) => v.operators.map((o) => o.uid)), [['numbers', 'every-third'], ['sum', 'drop', 'print']]);
  assert.equal(graph.edges[0]?.partitioner, 'HASH');
});

test('a running job shows live records in/out, its checkpoints and their settings; a savepoint is triggered and polled', async () => {
  const jobId = await submit({ module: 'rest-job.ts', parallelism: 2, args: { rate: '2000', interval: '200' } });
  await running(jobId);
  const sourceRecords = (a: Answer<JobDetails>): number => a.json.vertices[0]?.metrics['read-records'] ?? -1;
  const first = await waitFor('records to be counted', () => details(jobId), (a) => sourceRecords(a) > 0);
  const later = await waitFor('more records', () => details(jobId), (a) => sourceRecords(a) > sourceRecords(first));
  assert.equal(later.json.state, 'RUNNING');
  assert.equal(later.json.vertices[0]?.metrics['read-records-complete'], false);
  assert.equal(later.json.vertices[0]?.tasks['RUNNING'], 2);

  const stats = await waitFor('two checkpoints', () => checkpointStats(jobId), (a) => a.json.counts.completed >= 2);
  const latest = stats.json.latest.completed;
  assert.equal(latest?.status, 'COMPLETED');
  assert.ok(latest.external_path.startsWith(join(checkpoints, jobId)), latest.external_path);
  assert.ok(stats.json.history.length >= 2);
  assert.equal(stats.json.counts.failed, 0);
  const config = await call<{ mode: string; interval: number; checkpoints_dir: string }>('GET', `/jobs/${jobId}/checkpoints/config`);
  assert.deepEqual([config.json.mode, config.json.interval, config.json.checkpoints_dir], ['exactly_once', 200, checkpoints]);

  const location = await savepointDone(jobId, await trigger(`/jobs/${jobId}/savepoints`, {}));
  assert.ok(location.startsWith(`${savepoints}/`), location);
  assert.ok(existsSync(join(location, '_metadata')));

  const named = await savepointDone(jobId, await trigger(`/jobs/${jobId}/savepoints`, { 'target-directory': 'nightly' }));
  assert.ok(named.startsWith(join(savepoints, 'nightly')), named);
  const withSavepoint = await waitFor('the savepoint in the statistics', () => checkpointStats(jobId), (a) => a.json.latest.savepoint !== null);
  assert.equal(withSavepoint.json.latest.savepoint?.is_savepoint, true);

  assert.equal((await call('PATCH', `/jobs/${jobId}?mode=cancel`)).status, 202);
  await waitFor('the job to be cancelled', () => state(jobId), (s) => s === 'CANCELED');
});

test('stop with savepoint ends the job FINISHED; a job submitted from that savepoint restores it', async () => {
  const jobId = await submit({ module: 'rest-job.ts', parallelism: 2, args: { rate: '2000' } });
  await running(jobId);
  const location = await savepointDone(jobId, await trigger(`/jobs/${jobId}/stop`, { targetDirectory: 'upgrades', drain: false }));
  assert.ok(location.startsWith(join(savepoints, 'upgrades')), location);
  assert.equal(await state(jobId), 'FINISHED');

  const restored = await submit({ module: join(JOBS_DIR, 'rest-job.ts'), parallelism: 1, args: { rate: '2000' }, savepointPath: location });
  const stats = await waitFor('the restore in the statistics', () => checkpointStats(restored), (a) => a.json.latest.restored !== null);
  assert.equal(stats.json.counts.restored, 1);
  assert.equal(stats.json.latest.restored?.external_path, location);
  assert.equal((await call('PATCH', `/jobs/${restored}`)).status, 202);
  await waitFor('the job to be cancelled', () => state(restored), (s) => s === 'CANCELED');
  const again = await call('PATCH', `/jobs/${restored}?mode=cancel`);
  assert.equal(again.status, 409);
  assert.match(again.json.errors[0] ?? '', /is CANCELED/);
  const late = await call('POST', `/jobs/${restored}/savepoints`, {});
  assert.equal(late.status, 409);
});

test('unknown jobs, trigger ids and paths are 404; a wrong method is 405 with the allowed ones', async () => {
  const unknown = await call('GET', `/jobs/${'0'.repeat(32)}`);
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.json, { errors: [`job ${'0'.repeat(32)} not found`] });
  for (const path of ['/jobs/nope', '/jobs/%2e%2e/checkpoints', '/jobs/..%2f..%2fetc', `/jobs/${'0'.repeat(32)}/checkpoints`, `/jobs/${'0'.repeat(32)}/plan`, '/nothing/here', '/jobs//checkpoints']) {
    const answer = await call('GET', path);
    assert.equal(answer.status, 404, path);
    assert.ok(Array.isArray(answer.json.errors) && answer.json.errors.length === 1, path);
  }
  const jobId = await anyJobId();
  const trigger = await call('GET', `/jobs/${jobId}/savepoints/${'f'.repeat(32)}`);
  assert.equal(trigger.status, 404);
  assert.match(trigger.json.errors[0] ?? '', /no savepoint operation with trigger id/);

  const wrong = await call('DELETE', `/jobs/${jobId}`);
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET, PATCH');
  assert.equal((await call('PUT', '/jobs')).status, 405);
  assert.equal((await call('POST', '/overview', {})).status, 405);
  assert.equal((await call('GET', '/v1/overview')).status, 200);
});

test('bad bodies and parameters are 400 naming the field; a body that is not JSON is 400 or 415', async () => {
  const bad = async (path: string, body: unknown, pattern: RegExp, method = 'POST'): Promise<void> => {
    const answer = await call(method, path, body);
    assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(answer.json)}`);
    assert.match(answer.json.errors.join('\n'), pattern);
  };
  await bad('/jobs', { module: 'rest-job.ts', parallelism: 'two' }, /field 'parallelism': expected an integer from 1 to 32768, got "two"/);
  await bad('/jobs', { module: 'rest-job.ts', parallelism: 0 }, /field 'parallelism'/);
  await bad('/jobs', { job: 'job' }, /field 'module' is required/);
  await bad('/jobs', { module: 'rest-job.ts', modul: 1 }, /unknown field 'modul' \(accepted: module, job, parallelism, args, savepointPath, allowNonRestoredState\)/);
  await bad('/jobs', { module: 'rest-job.ts', args: { count: 5 } }, /field 'args.count': expected a string, got 5/);
  await bad('/jobs', { module: 'missing-job.ts' }, /field 'module': job file not found: missing-job.ts/);
  await bad('/jobs', { module: 'rest-job.ts', job: 'other' }, /has no job export named 'other'/);
  await bad('/jobs', '{"module": ', /the request body is not valid JSON/);
  await bad('/jobs', [], /the request body: expected an object/);
  const jobId = await anyJobId();
  await bad(`/jobs/${jobId}/savepoints`, { 'cancel-job': 'yes' }, /field 'cancel-job': expected true or false/);
  await bad(`/jobs/${jobId}/savepoints`, { targetDirectory: 'x' }, /unknown field 'targetDirectory' \(accepted: target-directory, cancel-job, formatType\)/);
  await bad(`/jobs/${jobId}/stop`, { drain: 1 }, /field 'drain': expected true or false, got 1/);
  await bad(`/jobs/${jobId}/stop`, { formatType: 'NATIVE' }, /field 'formatType': expected 'CANONICAL'/);

  const mode = await call('PATCH', `/jobs/${jobId}?mode=stop`);
  assert.equal(mode.status, 400);
  assert.match(mode.json.errors[0] ?? '', /query parameter 'mode': 'stop' is not supported/);
  const query = await call('GET', `/jobs/${jobId}?verbose=1`);
  assert.equal(query.status, 400);
  assert.match(query.json.errors[0] ?? '', /unknown query parameter 'verbose'/);

  const form = await call('POST', '/jobs', 'module=rest-job.ts', { 'Content-Type': 'application/x-www-form-urlencoded' });
  assert.equal(form.status, 415);
});

test('a body larger than rest.server.max-content-length is 413', async () => {
  const big = await call('POST', '/jobs', JSON.stringify({ module: 'rest-job.ts', args: { pad: 'x'.repeat(1024 * 1024 + 10) } }));
  assert.equal(big.status, 413);
  assert.match(big.json.errors[0] ?? '', /larger than 1048576 bytes \(rest\.server\.max-content-length\)/);
  // The endpoint still answers afterwards.
  assert.equal((await call('GET', '/overview')).status, 200);
});

test('paths outside the jobs, savepoint and checkpoint directories are refused: .., encoded, absolute elsewhere, symbolic links', async () => {
  const refused = async (path: string, body: unknown, status: number, pattern: RegExp): Promise<void> => {
    const answer = await call('POST', path, body);
    assert.equal(answer.status, status, `${JSON.stringify(body)}: ${JSON.stringify(answer.json)}`);
    assert.match(answer.json.errors[0] ?? '', pattern);
  };
  await refused('/jobs', { module: '../cli.test.ts' }, 400, /field 'module': '\.\.\/cli\.test\.ts' contains a '\.\.' segment/);
  await refused('/jobs', { module: '%2e%2e/cli.test.ts' }, 400, /percent-encoded/);
  await refused('/jobs', { module: join(ROOT, 'test/cli.test.ts') }, 403, /is outside --jobs-dir/);
  await refused('/jobs', { module: '/etc/passwd' }, 403, /is outside --jobs-dir/);
  await refused('/jobs', { module: 'rest-job.ts', savepointPath: '/etc' }, 403, /field 'savepointPath': '\/etc' is outside state\.savepoints\.dir/);
  await refused('/jobs', { module: 'rest-job.ts', savepointPath: '../outside' }, 400, /'\.\.' segment/);
  await refused('/jobs', { module: 'rest-job.ts', savepointPath: 'escape' }, 403, /symbolic link/);

  const jobId = await submit({ module: 'rest-job.ts', parallelism: 1, args: { rate: '1000' } });
  await running(jobId);
  await refused(`/jobs/${jobId}/savepoints`, { 'target-directory': '../outside' }, 400, /'\.\.' segment/);
  await refused(`/jobs/${jobId}/savepoints`, { 'target-directory': '..%2foutside' }, 400, /percent-encoded/);
  await refused(`/jobs/${jobId}/savepoints`, { 'target-directory': join(dir, 'outside') }, 403, /is outside state\.savepoints\.dir/);
  await refused(`/jobs/${jobId}/savepoints`, { 'target-directory': 'escape' }, 403, /symbolic link/);
  await refused(`/jobs/${jobId}/savepoints`, { 'target-directory': 'escape/deeper' }, 403, /symbolic link/);
  await refused(`/jobs/${jobId}/stop`, { targetDirectory: '/tmp' }, 403, /is outside state\.savepoints\.dir/);
  assert.equal(await state(jobId), 'RUNNING');
  assert.equal((await call('PATCH', `/jobs/${jobId}?mode=cancel`)).status, 202);
  await waitFor('the job to be cancelled', () => state(jobId), (s) => s === 'CANCELED');
});
