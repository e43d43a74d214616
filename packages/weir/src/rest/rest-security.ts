/**
 * @module Who may talk to the REST endpoint. Bound to loopback it answers local clients; bound beyond
 * loopback it needs a bearer token (`WEIR_REST_TOKEN`), checked on every request in constant time.
 * Without a token it also refuses requests whose Host is not a loopback name, so a web page cannot
 * reach it through a DNS name that resolves to 127.0.0.1.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { WeirError } from '../core/errors.ts';
import { RestHandlerException } from './rest-handler-exception.ts';

/** The environment variable holding the REST token, for the cluster and for clients. */
export const REST_TOKEN_ENV = 'WEIR_REST_TOKEN';
/** The shortest token accepted: a guessable token is no protection. */
export const MIN_TOKEN_LENGTH = 16;

/** True for `localhost`, 127.0.0.0/8 and ::1 (also IPv4-mapped). */
export function isLoopbackAddress(address: string): boolean {
  const host = address.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const v4 = host.startsWith('::ffff:') ? host.slice(7) : host;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return isIP(host) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(host);
}

/**
 * Checks the settings the endpoint starts with: beyond loopback a token is required; a token, when
 * given, must be long enough.
 */
export function checkRestSecurity(bindAddress: string, token: string | undefined): void {
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new WeirError('CONFIG_INVALID', `${REST_TOKEN_ENV} is too short (${token.length} characters; at least ${MIN_TOKEN_LENGTH})`, {
      hint: `use a random token, e.g. ${REST_TOKEN_ENV}=$(openssl rand -hex 24)`,
    });
  }
  if (token === undefined && !isLoopbackAddress(bindAddress)) {
    throw new WeirError('CONFIG_INVALID', `the REST endpoint would bind to ${bindAddress}, beyond loopback, without a token: anyone who reaches it could run code`, {
      hint: `set ${REST_TOKEN_ENV} to a random token (clients send it as Authorization: Bearer <token>), or bind to 127.0.0.1`,
    });
  }
}

/** Throws 401 unless `authorization` is `Bearer <token>` with the expected token (compared in constant time). */
export function checkBearerToken(authorization: string | undefined, token: string): void {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const given = match?.[1];
  // Digests have the same length whatever was sent, so the comparison takes the same time.
  if (given === undefined || !timingSafeEqual(digest(given), digest(token))) {
    throw new RestHandlerException(401, given === undefined ? 'this endpoint requires a token: send Authorization: Bearer <token>' : 'the token is not valid', {
      'WWW-Authenticate': 'Bearer realm="weir"',
    });
  }
}

/** Without a token: refuses a request whose Host header is not a loopback name or address (DNS rebinding). */
export function checkLoopbackHost(host: string | undefined): void {
  const name = (host ?? '').replace(/:\d+$/, '');
  if (!isLoopbackAddress(name)) {
    throw new RestHandlerException(403, `requests to this endpoint must address it by a loopback name (localhost, 127.0.0.1, [::1]), not '${host ?? ''}'`);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Refuses a request a web page of another origin sent (its browser adds Origin): the endpoint serves
 * command-line clients and its own origin only.
 */
export function checkOrigin(origin: string | undefined, host: string | undefined): void {
  if (origin === undefined) return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = '';
  }
  if (originHost === '' || originHost.toLowerCase() !== (host ?? '').toLowerCase()) {
    throw new RestHandlerException(403, `requests from web pages of other origins are refused (Origin: ${origin})`);
  }
}
