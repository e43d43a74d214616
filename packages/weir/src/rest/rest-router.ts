/**
 * @module The REST endpoint's route table: `METHOD /jobs/:jobid/...` patterns matched segment by
 * segment. A path no route has is 404; a path some route has, with another method, is 405 listing the
 * allowed ones. Flink's `/v1` version prefix is accepted.
 */
import { RestHandlerException } from './rest-handler-exception.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What a handler gets: path parameters (decoded), the query, and the parsed JSON body (`{}` when empty). */
export interface RestRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export interface RestResponse {
  readonly status: 200 | 202;
  readonly body: unknown;
}

export type RestHandler = (request: RestRequest) => Promise<RestResponse> | RestResponse;

interface Route {
  readonly method: HttpMethod;
  readonly segments: readonly string[];
  readonly handler: RestHandler;
  readonly queryParameters: readonly string[];
}

export interface RouteMatch {
  readonly handler: RestHandler;
  readonly params: Readonly<Record<string, string>>;
}

export class RestRouter {
  readonly #routes: Route[] = [];

  /**
   * Adds a route; `pattern` segments starting with ':' are parameters. A request with a query parameter
   * not in `queryParameters` is refused (400).
   */
  add(method: HttpMethod, pattern: string, handler: RestHandler, queryParameters: readonly string[] = []): this {
    this.#routes.push({ method, segments: splitPath(pattern), handler, queryParameters });
    return this;
  }

  /**
   * The handler for `method` and `pathname` (raw, percent-encoded) with its decoded parameters; throws
   * 404 or 405, and 400 for a query parameter the route does not take.
   */
  match(method: string, pathname: string, query: URLSearchParams = new URLSearchParams()): RouteMatch {
    let segments = splitPath(pathname);
    if (segments[0] === 'v1') segments = segments.slice(1);
    const allowed: HttpMethod[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (params === undefined) continue;
      if (route.method === method) {
        for (const name of query.keys()) {
          if (!route.queryParameters.includes(name)) {
            const accepted = route.queryParameters.length === 0 ? 'none' : route.queryParameters.join(', ');
            throw new RestHandlerException(400, `unknown query parameter '${name}' (accepted: ${accepted})`);
          }
        }
        return { handler: route.handler, params };
      }
      allowed.push(route.method);
    }
    if (allowed.length > 0) {
      throw new RestHandlerException(405, `method ${method} is not allowed on ${pathname} (allowed: ${allowed.join(', ')})`, { Allow: allowed.join(', ') });
    }
    throw new RestHandlerException(404, `not found: ${pathname}`);
  }
}

/** `/jobs/abc/` -> ['jobs', 'abc']; an empty segment in between stays (and matches only a parameter). */
function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\//, '').replace(/\/$/, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] as string;
    if (part.startsWith(':')) {
      params[part.slice(1)] = decodeSegment(segment);
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RestHandlerException(400, `the path segment '${segment}' is not valid percent-encoding`);
  }
}
