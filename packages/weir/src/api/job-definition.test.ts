/**
 * @module Tests of job definitions: defineJob's checks, findJob choosing the job a module exports, and
 * buildStreamGraph reporting a failing builder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { buildStreamGraph, defineJob, findJob, isJobDefinition } from './job-definition.ts';
import { JobParameters } from './job-parameters.ts';

const WHERE = 'jobs/pageviews.ts';
const noop = (): void => {};

/** Asserts a WeirError with `code` whose message is exactly `message`; returns it for further checks. */
function catchWeirError(action: () => unknown, code: string, message: string): WeirError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof WeirError, `expected a WeirError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.equal(caught.message, message);
  return caught;
}

test('defineJob returns a frozen definition that isJobDefinition recognises', () => {
  const job = defineJob('pageviews', noop);
  assert.equal(isJobDefinition(job), true);
  assert.equal(job.name, 'pageviews');
  assert.equal(Object.isFrozen(job), true);
  for (const other of [null, undefined, 'job', { name: 'x', build: noop }, noop]) assert.equal(isJobDefinition(other), false);
});

test('defineJob rejects an empty name and a build that is not a function', () => {
  assert.throws(() => defineJob('', noop), (error: unknown) => error instanceof WeirError && error.code === 'INVALID_OPTION' && error.message.includes("'name'"));
  const notAFunction = 'build' as unknown as () => void;
  catchWeirError(() => defineJob('pageviews', notAFunction), 'INVALID_OPTION', "defineJob('pageviews', build): build must be a function (env, params) => { ... }");
});

test('findJob returns the only job a module exports, whatever its export name', () => {
  const job = defineJob('pageviews', noop);
  assert.equal(findJob({ helper: 1, anything: job, parse: noop }, WHERE), job);
});

test('findJob of a module without jobs is JOB_NOT_FOUND with a hint on how to export one', () => {
  const error = catchWeirError(() => findJob({ helper: 1, parse: noop }, WHERE), 'JOB_NOT_FOUND', `${WHERE} exports no job`);
  assert.ok(error.hint?.includes('export const job = defineJob('), error.hint);
});

test('findJob of a module with several jobs lists their export names and suggests --job', () => {
  const module = { daily: defineJob('daily', noop), helper: 1, hourly: defineJob('hourly', noop) };
  const error = catchWeirError(() => findJob(module, WHERE), 'JOB_NOT_FOUND', `${WHERE} exports 2 jobs (daily, hourly)`);
  assert.ok(error.hint?.includes('--job <export name>'), error.hint);
});

test('findJob with an export name picks that export among several', () => {
  const hourly = defineJob('hourly', noop);
  assert.equal(findJob({ daily: defineJob('daily', noop), hourly }, WHERE, 'hourly'), hourly);
});

test('findJob with an export name that is missing or not a job is JOB_NOT_FOUND naming it', () => {
  const module = { daily: defineJob('daily', noop), helper: 1 };
  for (const name of ['weekly', 'helper']) {
    const error = catchWeirError(() => findJob(module, WHERE, name), 'JOB_NOT_FOUND', `${WHERE} has no job export named '${name}'`);
    assert.ok(error.hint?.includes(`export const ${name} = defineJob(`), error.hint);
  }
});

test('buildStreamGraph runs the builder with the parameters and returns the graph it built', async () => {
  const params = new JobParameters({ name: 'numbers' });
  let seen: JobParameters | undefined;
  const job = defineJob('build', (env, p) => {
    seen = p;
    env.fromData(1, 2, 3).name(p.getRequired('name'));
  });
  const { streamGraph: graph } = await buildStreamGraph(job, { parallelism: 3, parameters: params });
  assert.equal(seen, params);
  assert.equal(graph.config.jobName, 'build');
  assert.equal(graph.config.parallelism, 3);
  assert.deepEqual(graph.nodes.map((n) => n.name), ['numbers']);
});

test('a builder that throws fails with JOB_MODULE_FAILED naming the job; a WeirError passes through as it is', async () => {
  const bug = new TypeError('x is undefined');
  const failing = defineJob('broken', () => {
    throw bug;
  });
  await assert.rejects(buildStreamGraph(failing, { parallelism: 1, parameters: new JobParameters() }), (error: unknown) => {
    assert.ok(error instanceof WeirError);
    assert.equal(error.code, 'JOB_MODULE_FAILED');
    assert.equal(error.message, "building job 'broken' failed: TypeError: x is undefined");
    assert.equal(error.cause, bug);
    return true;
  });
  const missing = defineJob('strict', (_env, params) => {
    params.getRequired('input');
  });
  await assert.rejects(buildStreamGraph(missing, { parallelism: 1, parameters: new JobParameters() }), (error: unknown) => {
    assert.ok(error instanceof WeirError);
    assert.equal(error.code, 'INVALID_OPTION');
    assert.equal(error.message, "missing job parameter '--input'");
    return true;
  });
});
