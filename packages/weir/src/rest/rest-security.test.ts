import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { RestHandlerException } from './rest-handler-exception.ts';
import { checkBearerToken, checkLoopbackHost, checkOrigin, checkRestSecurity, isLoopbackAddress } from './rest-security.ts';

const TOKEN = '0123456789abcdef0123456789abcdef';
const status = (status: number) => (error: unknown) => error instanceof RestHandlerException && error.status === status;

test('loopback addresses are recognised, other addresses are not', () => {
  for (const address of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'app.localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
    assert.equal(isLoopbackAddress(address), true, address);
  }
  for (const address of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', 'localhost.example.com', '128.0.0.1', '::2', '']) {
    assert.equal(isLoopbackAddress(address), false, address);
  }
});

test('binding beyond loopback requires a token; a short token is refused anywhere', () => {
  checkRestSecurity('127.0.0.1', undefined);
  checkRestSecurity('0.0.0.0', TOKEN);
  assert.throws(() => checkRestSecurity('0.0.0.0', undefined), (e: unknown) => e instanceof WeirError && /beyond loopback, without a token/.test(e.message));
  assert.throws(() => checkRestSecurity('127.0.0.1', 'short'), (e: unknown) => e instanceof WeirError && /too short \(5 characters; at least 16\)/.test(e.message));
});

test('the bearer token must be sent and must match', () => {
  checkBearerToken(`Bearer ${TOKEN}`, TOKEN);
  checkBearerToken(`bearer ${TOKEN}`, TOKEN);
  assert.throws(() => checkBearerToken(undefined, TOKEN), status(401));
  assert.throws(() => checkBearerToken(TOKEN, TOKEN), status(401));
  assert.throws(() => checkBearerToken(`Bearer ${TOKEN}x`, TOKEN), status(401));
  assert.throws(() => checkBearerToken(`Bearer ${TOKEN.slice(1)}`, TOKEN), status(401));
  assert.throws(() => checkBearerToken(`Basic ${TOKEN}`, TOKEN), status(401));
});

test('without a token only loopback Host names are answered', () => {
  checkLoopbackHost('127.0.0.1:8081');
  checkLoopbackHost('localhost:8081');
  checkLoopbackHost('[::1]:8081');
  assert.throws(() => checkLoopbackHost('evil.example.com:8081'), status(403));
  assert.throws(() => checkLoopbackHost(undefined), status(403));
});

test('requests from a web page of another origin are refused', () => {
  checkOrigin(undefined, '127.0.0.1:8081');
  checkOrigin('http://127.0.0.1:8081', '127.0.0.1:8081');
  assert.throws(() => checkOrigin('http://evil.example.com', '127.0.0.1:8081'), status(403));
  assert.throws(() => checkOrigin('null', '127.0.0.1:8081'), status(403));
});
