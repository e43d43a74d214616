/**
 * @module The REST endpoint of a local JobManager (node:http, no framework): Flink's resources under
 * `/jobs`, `/overview` and `/config`, JSON in and out, errors as `{ "errors": [...] }`. Every request
 * passes the security checks first (token or loopback Host, Origin), then the route table, then the
 * body limit and the body's schema.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/logger.ts';
import { describeCause } from '../core/errors.ts';
import { isGloballyTerminal } from '../cluster/job-status.ts';
import type { Dispatcher } from './dispatcher.ts';
import { checkpointConfigInfo, checkpointingStatistics, jobDetails, jobOverview, jobPlan } from './job-responses.ts';
import { validateJson, type JsonSchema } from './json-schema.ts';
import { RestHandlerException } from './rest-handler-exception.ts';
import { RestRouter, type RestRequest } from './rest-router.ts';
import { checkBearerToken, checkLoopbackHost, checkOrigin } from './rest-security.ts';
import {
  EMPTY_REQUEST,
  JOB_SUBMIT_REQUEST,
  SAVEPOINT_TRIGGER_REQUEST,
  STOP_WITH_SAVEPOINT_REQUEST,
  type JobSubmitRequestBody,
  type SavepointTriggerRequestBody,
  type StopWithSavepointRequestBody,
} from './request-schemas.ts';

export interface RestServerOptions {
  readonly dispatcher: Dispatcher;
  /** `rest.bind-address`. */
  readonly bindAddress: string;
  /** `rest.port`; 0 picks a free port. */
  readonly port: number;
  /** Required in `Authorization: Bearer <token>` on every request when set. */
  readonly token?: string | undefined;
  /** `rest.server.max-content-length`, bytes. */
  readonly maxContentLength: number;
  readonly version: string;
  readonly logger: Logger;
}

/** A body this many times over the limit is not read to its end: the connection is closed. */
const DRAIN_FACTOR = 16;

export class RestServer {
  readonly #options: RestServerOptions;
  readonly #router: RestRouter;
  readonly #server: Server;

  constructor(options: RestServerOptions) {
    this.#options = options;
    this.#router = createRoutes(options.dispatcher, options.version);
    this.#server = createServer((request, response) => void this.#handle(request, response));
    this.#server.requestTimeout = 30_000;
    this.#server.headersTimeout = 10_000;
  }

  /** Starts listening; resolves with the address and port bound (the port chosen when 0 was asked). */
  listen(): Promise<{ readonly address: string; readonly port: number }> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.bindAddress, () => {
        this.#server.off('error', reject);
        const info = this.#server.address() as AddressInfo;
        resolve({ address: info.address, port: info.port });
      });
    });
  }

  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const rawUrl = request.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const pathname = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1));
    try {
      if (this.#options.token !== undefined) checkBearerToken(request.headers.authorization, this.#options.token);
      else checkLoopbackHost(request.headers.host);
      checkOrigin(request.headers.origin, request.headers.host);
      const { handler, params } = this.#router.match(method, pathname, query);
      const body = await this.#readBody(request, response);
      const result = await handler({ params, query, body });
      send(response, result.status, result.body);
    } catch (error) {
      if (error instanceof RestHandlerException) {
        for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
        send(response, error.status, { errors: error.errors });
        return;
      }
      this.#options.logger.error('REST handler failed', { method, path: pathname, cause: describeCause(error) });
      send(response, 500, { errors: [`internal error: ${describeCause(error)}`] });
    }
  }

  /** Reads a JSON body up to `rest.server.max-content-length` (413 past it); an empty body is `{}`. */
  async #readBody(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
    const limit = this.#options.maxContentLength;
    const tooLarge = (): RestHandlerException => {
      // Read (and drop) a moderately larger body so the client gets the answer; close on a huge one.
      response.setHeader('Connection', 'close');
      let dropped = 0;
      request.on('data', (chunk: Buffer) => {
        dropped += chunk.length;
        if (dropped > limit * DRAIN_FACTOR) request.socket.destroy();
      });
      request.resume();
      return new RestHandlerException(413, `the request body is larger than ${limit} bytes (rest.server.max-content-length)`);
    };
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) {
      if (declared > limit * DRAIN_FACTOR) response.once('finish', () => request.socket.destroy());
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge();
      chunks.push(chunk);
    }
    if (size === 0) return {};
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new RestHandlerException(415, `the request body must be JSON, sent with Content-Type: application/json (got '${type}')`);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch (error) {
      throw new RestHandlerException(400, `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(text);
}

/** Validates the body against `schema` (400 naming each bad field) and returns it typed. */
function bodyOf<T>(request: RestRequest, schema: JsonSchema): T {
  const errors = validateJson(schema, request.body);
  if (errors.length > 0) throw new RestHandlerException(400, errors);
  return request.body as T;
}

function createRoutes(dispatcher: Dispatcher, version: string): RestRouter {
  const jobId = (request: RestRequest): string => request.params['jobid'] ?? '';
  return new RestRouter()
    .add('GET', '/overview', () => {
      const count = (...statuses: string[]): number => dispatcher.jobs().filter((job) => statuses.includes(job.getJobStatus())).length;
      return {
        status: 200,
        body: {
          taskmanagers: 1,
          'jobs-running': dispatcher.jobs().filter((job) => !isGloballyTerminal(job.getJobStatus())).length,
          'jobs-finished': count('FINISHED'),
          'jobs-cancelled': count('CANCELED'),
          'jobs-failed': count('FAILED'),
          'weir-version': version,
        },
      };
    })
    .add('GET', '/config', () => {
      const offset = -new Date().getTimezoneOffset() * 60_000;
      return {
        status: 200,
        body: {
          'refresh-interval': 3000,
          'timezone-name': Intl.DateTimeFormat().resolvedOptions().timeZone,
          'timezone-offset': offset,
          'weir-version': version,
          features: { 'web-submit': false, 'web-cancel': true },
        },
      };
    })
    .add('GET', '/jobs', () => ({ status: 200, body: { jobs: dispatcher.jobs().map((job) => ({ id: job.jobId, status: job.getJobStatus() })) } }))
    .add('POST', '/jobs', async (request) => {
      const client = await dispatcher.submit(bodyOf<JobSubmitRequestBody>(request, JOB_SUBMIT_REQUEST));
      return { status: 202, body: { jobid: client.jobId, jobUrl: `/jobs/${client.jobId}` } };
    })
    .add('GET', '/jobs/overview', async () => {
      const now = Date.now();
      const jobs = await Promise.all(dispatcher.jobs().map((job) => dispatcher.snapshot(job.jobId)));
      return { status: 200, body: { jobs: jobs.map((job) => jobOverview(job, now)) } };
    })
    .add('GET', '/jobs/:jobid', async (request) => ({ status: 200, body: jobDetails(await dispatcher.snapshot(jobId(request), true), Date.now()) }))
    .add(
      'PATCH',
      '/jobs/:jobid',
      async (request) => {
        bodyOf(request, EMPTY_REQUEST);
        const mode = request.query.get('mode') ?? 'cancel';
        if (mode !== 'cancel') {
          throw new RestHandlerException(400, `query parameter 'mode': '${mode}' is not supported (accepted: cancel); to stop a job with a savepoint, POST /jobs/:jobid/stop`);
        }
        await dispatcher.cancel(jobId(request));
        return { status: 202, body: {} };
      },
      ['mode'],
    )
    .add('GET', '/jobs/:jobid/plan', (request) => {
      const job = dispatcher.job(jobId(request));
      return { status: 200, body: jobPlan(job.jobId, job.getJobPlan()) };
    })
    .add('GET', '/jobs/:jobid/checkpoints', (request) => ({ status: 200, body: checkpointingStatistics(dispatcher.job(jobId(request)).getCheckpointStats()) }))
    .add('GET', '/jobs/:jobid/checkpoints/config', (request) => {
      const job = dispatcher.job(jobId(request));
      const config = job.getCheckpointConfig();
      if (config.checkpointInterval === null) throw new RestHandlerException(404, `checkpointing is not enabled for job ${job.jobId}`);
      return { status: 200, body: checkpointConfigInfo(config) };
    })
    .add('POST', '/jobs/:jobid/savepoints', (request) => {
      const body = bodyOf<SavepointTriggerRequestBody>(request, SAVEPOINT_TRIGGER_REQUEST);
      return { status: 202, body: { 'request-id': dispatcher.triggerSavepoint(jobId(request), body) } };
    })
    .add('GET', '/jobs/:jobid/savepoints/:triggerid', (request) => ({
      status: 200,
      body: dispatcher.operation(jobId(request), request.params['triggerid'] ?? ''),
    }))
    .add('POST', '/jobs/:jobid/stop', (request) => {
      const body = bodyOf<StopWithSavepointRequestBody>(request, STOP_WITH_SAVEPOINT_REQUEST);
      return { status: 202, body: { 'request-id': dispatcher.stopWithSavepoint(jobId(request), body) } };
    });
}
