import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateJson, type JsonSchema } from './json-schema.ts';

const SUBMIT: JsonSchema = {
  type: 'object',
  required: ['module'],
  properties: {
    module: { type: 'string', minLength: 1, maxLength: 20 },
    parallelism: { type: 'integer', minimum: 1, maximum: 8 },
    drain: { type: 'boolean' },
    id: { type: 'string', pattern: /^[0-9a-f]{4}$/, description: 'four hex digits' },
    args: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 2 },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
  },
};

test('a conforming value has no errors', () => {
  assert.deepEqual(validateJson(SUBMIT, { module: 'job.ts', parallelism: 8, drain: false, id: 'beef', args: { a: 'x' }, tags: ['t'] }), []);
  assert.deepEqual(validateJson(SUBMIT, { module: 'j' }), []);
});

test('a missing required field and an unknown field are named, with the accepted fields', () => {
  assert.deepEqual(validateJson(SUBMIT, { modul: 'job.ts' }), [
    "field 'module' is required",
    "unknown field 'modul' (accepted: module, parallelism, drain, id, args, tags)",
  ]);
});

test('each wrongly typed field is named with what is expected and what was given', () => {
  assert.deepEqual(validateJson(SUBMIT, { module: 3, parallelism: 1.5, drain: 'yes', id: 'BEEF' }), [
    "field 'module': expected a string, got 3",
    "field 'parallelism': expected an integer from 1 to 8, got 1.5",
    "field 'drain': expected true or false, got \"yes\"",
    "field 'id': expected four hex digits, got \"BEEF\"",
  ]);
});

test('bounds of strings, integers, arrays and objects are checked', () => {
  assert.deepEqual(validateJson(SUBMIT, { module: '', parallelism: 9 }), [
    "field 'module': expected a non-empty string, got \"\"",
    "field 'parallelism': expected an integer from 1 to 8, got 9",
  ]);
  assert.deepEqual(validateJson(SUBMIT, { module: 'x'.repeat(21) }).length, 1);
  assert.match(validateJson(SUBMIT, { module: 'm', tags: ['a', 'b', 'c'] })[0] ?? '', /field 'tags': expected an array of at most 2 items/);
  assert.match(validateJson(SUBMIT, { module: 'm', args: { a: 'x', b: 'y', c: 'z' } })[0] ?? '', /field 'args': expected an object of at most 2 fields/);
});

test('nested fields are named by their path', () => {
  assert.deepEqual(validateJson(SUBMIT, { module: 'm', args: { input: 3 }, tags: ['a', false] }), [
    "field 'args.input': expected a string, got 3",
    "field 'tags[1]': expected a string, got false",
  ]);
});

test('a body that is not an object is reported as the request body', () => {
  for (const body of [null, [], 'module', 7]) {
    assert.deepEqual(validateJson(SUBMIT, body), [`the request body: expected an object, got ${JSON.stringify(body)}`]);
  }
});

test('__proto__ is an unknown field like any other, not a way into the prototype', () => {
  const body = JSON.parse('{"module":"m","__proto__":{"parallelism":100}}') as unknown;
  assert.deepEqual(validateJson(SUBMIT, body), ["unknown field '__proto__' (accepted: module, parallelism, drain, id, args, tags)"]);
});
