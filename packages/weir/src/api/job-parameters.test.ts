/**
 * @module Tests of JobParameters: the argument forms fromArgs accepts, and the typed getters with the
 * errors they give for missing and malformed values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { JobParameters } from './job-parameters.ts';

/** Asserts an INVALID_OPTION WeirError whose message is exactly `message`. */
function assertInvalid(action: () => unknown, message: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof WeirError, `expected a WeirError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_OPTION');
    assert.equal(error.message, message);
    return true;
  });
}

test('fromArgs reads --name value, --name=value and a bare --flag as "true"', () => {
  const params = JobParameters.fromArgs(['--input', 'data/views', '--rate=1000', '--verbose', '--mode', 'fast']);
  assert.deepEqual({ ...params.toObject() }, { input: 'data/views', rate: '1000', verbose: 'true', mode: 'fast' });
});

test('fromArgs treats a flag followed by another option as "true"', () => {
  assert.deepEqual({ ...JobParameters.fromArgs(['--dry-run', '--limit', '5']).toObject() }, { 'dry-run': 'true', limit: '5' });
});

test('fromArgs accepts a single dash and values that start with one, such as negative numbers', () => {
  const params = JobParameters.fromArgs(['-n', '3', '--offset', '-5', '--delta=-0.5']);
  assert.deepEqual({ ...params.toObject() }, { n: '3', offset: '-5', delta: '-0.5' });
  assert.equal(params.getNumber('offset'), -5);
});

test('fromArgs keeps everything after the first = as the value, including empty and further = signs', () => {
  assert.deepEqual({ ...JobParameters.fromArgs(['--filter=a=b', '--empty=']).toObject() }, { filter: 'a=b', empty: '' });
});

test('fromArgs keeps the last of repeated options', () => {
  assert.equal(JobParameters.fromArgs(['--rate', '1', '--rate', '2']).get('rate'), '2');
});

test('fromArgs rejects a bare word, saying how to pass arguments', () => {
  assert.throws(
    () => JobParameters.fromArgs(['--input', 'a', 'stray']),
    (error: unknown) =>
      error instanceof WeirError && error.code === 'INVALID_OPTION' && error.message === "unexpected job argument 'stray'" && error.hint?.includes('--name value') === true,
  );
});

test('has and get see only the parameters that were given', () => {
  const params = new JobParameters({ input: 'x' });
  assert.equal(params.has('input'), true);
  assert.equal(params.has('output'), false);
  assert.equal(params.get('input'), 'x');
  assert.equal(params.get('output'), undefined);
  assert.equal(params.get('output', 'stdout'), 'stdout');
});

test('parameters named like Object.prototype members are missing unless given', () => {
  const params = new JobParameters({ input: 'x' });
  for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
    assert.equal(params.has(name), false, name);
    assert.equal(params.get(name), undefined, `get('${name}')`);
    assert.equal(params.get(name, 'fallback'), 'fallback', `get('${name}', fallback)`);
    assertInvalid(() => params.getRequired(name), `missing job parameter '--${name}'`);
    assert.equal(params.getNumber(name, 7), 7, `getNumber('${name}', 7)`);
    assert.equal(params.getBoolean(name), false, `getBoolean('${name}')`);
  }
  assert.equal(JobParameters.fromArgs(['--constructor', 'c']).get('constructor'), 'c', 'and present when given');
});

test('the parameters do not change when the object they were built from does', () => {
  const values: Record<string, string> = { a: '1' };
  const params = new JobParameters(values);
  values.a = '2';
  values.b = '3';
  assert.deepEqual({ ...params.toObject() }, { a: '1' });
});

test('getRequired returns a given value and names a missing one with how to pass it', () => {
  const params = new JobParameters({ input: 'data' });
  assert.equal(params.getRequired('input'), 'data');
  assert.throws(
    () => params.getRequired('output'),
    (error: unknown) =>
      error instanceof WeirError && error.message === "missing job parameter '--output'" && error.hint === 'pass --output <value> after the job file',
  );
});

test('getNumber parses numbers and falls back only when the parameter is missing', () => {
  const params = new JobParameters({ rate: '1000', ratio: '0.25', negative: '-3', exp: '1e3' });
  assert.equal(params.getNumber('rate'), 1000);
  assert.equal(params.getNumber('ratio'), 0.25);
  assert.equal(params.getNumber('negative'), -3);
  assert.equal(params.getNumber('exp'), 1000);
  assert.equal(params.getNumber('missing', 42), 42);
  assert.equal(params.getNumber('rate', 42), 1000);
  assertInvalid(() => params.getNumber('missing'), "missing job parameter '--missing'");
});

test('getNumber rejects a value that is not a number, naming the parameter and the value', () => {
  for (const raw of ['fast', '', '  ', '12abc']) {
    assertInvalid(() => new JobParameters({ rate: raw }).getNumber('rate', 1), `invalid value for job parameter '--rate': '${raw}'; accepted: a number`);
  }
});

test('getInt accepts integers and rejects fractions, naming the parameter', () => {
  const params = new JobParameters({ count: '12', half: '2.5', word: 'many' });
  assert.equal(params.getInt('count'), 12);
  assert.equal(params.getInt('missing', 3), 3);
  assertInvalid(() => params.getInt('half'), "invalid value for job parameter '--half': 2.5; accepted: an integer");
  assertInvalid(() => params.getInt('word'), "invalid value for job parameter '--word': 'many'; accepted: a number");
});

test('getBoolean accepts true and false, a bare flag is true, and anything else is an error', () => {
  const params = JobParameters.fromArgs(['--verbose', '--color=false', '--strict', 'yes']);
  assert.equal(params.getBoolean('verbose'), true);
  assert.equal(params.getBoolean('color', true), false);
  assert.equal(params.getBoolean('missing'), false);
  assert.equal(params.getBoolean('missing', true), true);
  assertInvalid(() => params.getBoolean('strict'), "invalid value for job parameter '--strict': 'yes'; accepted: true, false");
});
