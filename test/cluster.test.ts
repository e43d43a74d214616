/**
 * @module The job-control commands against a running JobManager, as a user types them: `weir cluster
 * start`, `weir run --detached`, `weir list`, `weir checkpoints`, `weir savepoint`, `weir stop`,
 * `weir cancel`; the token a JobManager bound beyond loopback requires; the error when no JobManager
 * listens; Ctrl-C and SIGTERM.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, WEIR_BIN, runNode, type Outcome } from './support/run-command.ts';
import { startJobManager, type JobManagerProcess } from './support/jobmanager-process.ts';

const JOB = join(ROOT, 'test/jobs/rest-job.ts');
const TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'weir-cluster-')));
const savepoints = join(dir, 'savepoints');
const config = join(dir, 'weir.yaml');
let jm: JobManagerProcess;

before(async () => {
  mkdirSync(savepoints);
  writeFileSync(config, `state.savepoints.dir: ${savepoints}\nstate.checkpoints.dir: ${join(dir, 'checkpoints')}\n`);
  jm = await startJobManager({ args: ['--config', config] });
});

after(async () => {
  await jm.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `weir ...args` against `jm` (WEIR_JOBMANAGER) with the environment `env`. */
function weir(args: readonly string[], env: Record<string, string> = {}, target: JobManagerProcess = jm): Promise<Outcome> {
  return runNode([WEIR_BIN, ...args], { timeoutMs: 60_000, env: { WEIR_JOBMANAGER: `127.0.0.1:${target.port}`, WEIR_REST_TOKEN: '', ...env } });
}

async function jobStatus(jobId: string): Promise<string> {
  const list = await weir(['list', '--json']);
  assert.equal(list.code, 0, list.stderr);
  return (JSON.parse(list.stdout) as { jid: string; state: string }[]).find((j) => j.jid === jobId)?.state ?? 'missing';
}

async function waitForStatus(jobId: string, status: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await jobStatus(jobId)) !== status) {
    if (Date.now() > deadline) assert.fail(`job ${jobId} did not become ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function submit(args: readonly string[]): Promise<string> {
  const outcome = await weir(['run', '--detached', ...args]);
  assert.equal(outcome.code, 0, outcome.stderr);
  const match = /^Job has been submitted with JobID ([0-9a-f]{32})$/m.exec(outcome.stdout);
  assert.ok(match, outcome.stdout);
  return match[1] as string;
}

async function checkpointsCompleted(jobId: string, atLeast: number): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const outcome = await weir(['checkpoints', jobId]);
    assert.equal(outcome.code, 0, outcome.stderr);
    const completed = Number(/: (\d+) completed/.exec(outcome.stdout)?.[1] ?? -1);
    if (completed >= atLeast) return outcome.stdout;
    if (Date.now() > deadline) assert.fail(`fewer than ${atLeast} checkpoints:\n${outcome.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('run --detached, list, checkpoints, savepoint, stop and a restore from the stop savepoint, cancel', async () => {
  const jobId = await submit(['-p', '2', JOB, '--rate', '2000']);
  await waitForStatus(jobId, 'RUNNING');
  const list = await weir(['list']);
  assert.match(list.stdout, /^JOB ID +NAME +STATUS +START$/m);
  assert.match(list.stdout, new RegExp(`^${jobId}  rest-count  RUNNING +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`, 'm'));

  const stats = await checkpointsCompleted(jobId, 2);
  assert.match(stats, new RegExp(`Latest completed: +#\\d+ at .*, ${join(dir, 'checkpoints', jobId)}/chk-\\d+`));
  assert.match(stats, /^ID +STATUS +TYPE +TRIGGERED +DURATION +SIZE +PATH$/m);

  const savepoint = await weir(['savepoint', jobId]);
  assert.equal(savepoint.code, 0, savepoint.stderr);
  const location = savepoint.stdout.trim();
  assert.ok(location.startsWith(`${savepoints}/savepoint-`), location);
  assert.ok(existsSync(join(location, '_metadata')));
  assert.equal(await jobStatus(jobId), 'RUNNING');

  const stop = await weir(['stop', jobId, '--savepoint-path', 'before-upgrade']);
  assert.equal(stop.code, 0, stop.stderr);
  const stopLocation = stop.stdout.trim();
  assert.ok(stopLocation.startsWith(join(savepoints, 'before-upgrade', 'savepoint-')), stopLocation);
  assert.ok(existsSync(join(stopLocation, '_metadata')));
  assert.equal(await jobStatus(jobId), 'FINISHED');

  const restored = await submit(['-s', stopLocation, '-p', '1', JOB, '--rate', '2000']);
  await waitForStatus(restored, 'RUNNING');
  const restoredStats = await weir(['checkpoints', restored]);
  assert.match(restoredStats.stdout, new RegExp(`Restored from: +#\\d+, ${stopLocation}`));

  const cancel = await weir(['cancel', restored]);
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.equal(cancel.stdout, `Cancelled job ${restored}.\n`);
  assert.equal(await jobStatus(restored), 'CANCELED');
  const again = await weir(['cancel', restored]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /refused PATCH .* \(409\): job .* is CANCELED/);
});

test('job-control commands name what is wrong: a bad job id, an unknown job, a job file outside the jobs directory', async () => {
  const badId = await weir(['stop', 'abc']);
  assert.equal(badId.code, 1);
  assert.match(badId.stderr, /'abc' is not a job id: a job id is 32 hexadecimal digits/);
  const unknown = await weir(['savepoint', 'a'.repeat(32)]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /\(404\): job a{32} not found/);
  const outside = await runNode([WEIR_BIN, 'run', '--detached', '/etc/hostname'], { env: { WEIR_JOBMANAGER: `127.0.0.1:${jm.port}` } });
  assert.equal(outside.code, 1);
  assert.match(outside.stderr, /field 'module': '\/etc\/hostname' is outside --jobs-dir/);
});

test('without a JobManager listening, the commands say so and how to start one', async () => {
  const port = await closedPort();
  const at = ['--jobmanager', `127.0.0.1:${port}`];
  for (const args of [['list', ...at], ['cancel', 'b'.repeat(32), ...at], ['run', '--detached', ...at, JOB]]) {
    const outcome = await runNode([WEIR_BIN, ...args], { env: {} });
    assert.equal(outcome.code, 1, `${args.join(' ')}: ${outcome.stderr}`);
    assert.match(outcome.stderr, new RegExp(`^error: no JobManager at 127\\.0\\.0\\.1:${port}: start one with \`weir cluster start\`$`, 'm'));
  }
  // Without --jobmanager or WEIR_JOBMANAGER, weir.yaml's rest.address and rest.port say where.
  const here = mkdtempSync(join(tmpdir(), 'weir-client-'));
  try {
    writeFileSync(join(here, 'weir.yaml'), `rest.address: localhost\nrest.port: ${port}\n`);
    const outcome = await runNode([WEIR_BIN, 'list'], { cwd: here, env: { WEIR_JOBMANAGER: '' } });
    assert.equal(outcome.code, 1);
    assert.match(outcome.stderr, new RegExp(`no JobManager at localhost:${port}`));
  } finally {
    rmSync(here, { recursive: true, force: true });
  }
});

test('bound beyond loopback the JobManager requires a token: it refuses to start without one, and answers 401 to requests without it', async () => {
  const refused = await runNode([WEIR_BIN, 'cluster', 'start', '--rest-port', '0', '--rest-bind', '0.0.0.0'], { env: { WEIR_REST_TOKEN: '' } });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /would bind to 0\.0\.0\.0, beyond loopback, without a token/);
  assert.match(refused.stderr, /set WEIR_REST_TOKEN/);

  const secured = await startJobManager({ args: ['--rest-bind', '0.0.0.0', '--config', config], env: { WEIR_REST_TOKEN: TOKEN } });
  try {
    const anonymous = await fetch(`${secured.url}/jobs`);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="weir"');
    assert.deepEqual(await anonymous.json(), { errors: ['this endpoint requires a token: send Authorization: Bearer <token>'] });
    const unknownPath = await fetch(`${secured.url}/secret/path`);
    assert.equal(unknownPath.status, 401);
    const wrong = await fetch(`${secured.url}/jobs`, { headers: { Authorization: `Bearer ${TOKEN.replace('c', 'd')}` } });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${secured.url}/jobs`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(right.status, 200);

    const withoutToken = await weir(['list'], {}, secured);
    assert.equal(withoutToken.code, 1);
    assert.match(withoutToken.stderr, /\(401\): this endpoint requires a token/);
    assert.match(withoutToken.stderr, /set WEIR_REST_TOKEN to the token the cluster was started with/);
    const withToken = await weir(['list'], { WEIR_REST_TOKEN: TOKEN }, secured);
    assert.equal(withToken.code, 0, withToken.stderr);
    assert.equal(withToken.stdout, 'No jobs.\n');
  } finally {
    const outcome = await secured.stop('SIGTERM');
    assert.equal(outcome.code, 0, outcome.stderr);
  }
});

test('on loopback without a token, requests addressed by another host name or sent by a web page of another origin are refused', async () => {
  assert.equal(await statusOf({ Host: `evil.example.com:${jm.port}` }), 403);
  assert.equal(await statusOf({ Host: `localhost:${jm.port}` }), 200);
  assert.equal(await statusOf({ Host: `127.0.0.1:${jm.port}`, Origin: 'http://evil.example.com' }), 403);
  assert.equal(await statusOf({ Host: `127.0.0.1:${jm.port}`, Origin: `http://127.0.0.1:${jm.port}` }), 200);
});

test('Ctrl-C stops the JobManager with 130 and SIGTERM with 0, cancelling the running jobs', async () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 0]] as const) {
    const own = await startJobManager({ args: ['--config', config] });
    const jobId = await (async () => {
      const outcome = await weir(['run', '--detached', '-p', '1', JOB, '--checkpointing', 'false'], {}, own);
      assert.equal(outcome.code, 0, outcome.stderr);
      return /JobID ([0-9a-f]{32})/.exec(outcome.stdout)?.[1] ?? '';
    })();
    const outcome = await own.stop(signal);
    assert.equal(outcome.code, code, outcome.stderr);
    assert.match(outcome.stderr, new RegExp(`${signal}: stopping the JobManager, cancelling 1 running job`));
    assert.match(outcome.stderr, new RegExp(`job ${jobId}|"jobId":"${jobId}"`));
  }
});

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The status of GET /overview sent with `headers` (node:http, which lets a test set Host). */
function statusOf(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: jm.port, path: '/overview', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
