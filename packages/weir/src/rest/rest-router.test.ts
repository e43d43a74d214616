import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestHandlerException } from './rest-handler-exception.ts';
import { RestRouter } from './rest-router.ts';

const ok = () => ({ status: 200 as const, body: {} });
const router = new RestRouter()
  .add('GET', '/jobs/overview', ok)
  .add('GET', '/jobs/:jobid', ok)
  .add('PATCH', '/jobs/:jobid', ok, ['mode'])
  .add('GET', '/jobs/:jobid/savepoints/:triggerid', ok);

const refused = (status: number, message: RegExp) => (error: unknown) =>
  error instanceof RestHandlerException && error.status === status && message.test(error.message);

test('literal segments win over parameters listed after them; parameters are percent-decoded', () => {
  assert.deepEqual(router.match('GET', '/jobs/overview').params, {});
  assert.deepEqual(router.match('GET', '/jobs/a%20b').params, { jobid: 'a b' });
  assert.deepEqual(router.match('GET', '/jobs/j1/savepoints/t1/').params, { jobid: 'j1', triggerid: 't1' });
  assert.deepEqual(router.match('GET', '/v1/jobs/j1').params, { jobid: 'j1' });
});

test('a path no route has is 404; an empty segment matches only a parameter', () => {
  assert.throws(() => router.match('GET', '/jobs/j1/nothing'), refused(404, /not found: \/jobs\/j1\/nothing/));
  assert.throws(() => router.match('GET', '/'), refused(404, /not found/));
  assert.deepEqual(router.match('GET', '/jobs//savepoints/t').params, { jobid: '', triggerid: 't' });
});

test('a known path with another method is 405 with an Allow header', () => {
  assert.throws(
    () => router.match('DELETE', '/jobs/j1'),
    (error: unknown) => error instanceof RestHandlerException && error.status === 405 && error.headers['Allow'] === 'GET, PATCH',
  );
});

test('query parameters a route does not take are 400; bad percent-encoding is 400', () => {
  assert.equal(router.match('PATCH', '/jobs/j1', new URLSearchParams('mode=cancel')).params['jobid'], 'j1');
  assert.throws(() => router.match('GET', '/jobs/j1', new URLSearchParams('mode=cancel')), refused(400, /unknown query parameter 'mode' \(accepted: none\)/));
  assert.throws(() => router.match('GET', '/jobs/%E0%A4%A'), refused(400, /not valid percent-encoding/));
});
