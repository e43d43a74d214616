/**
 * @module RestClusterClient (Flink's name): how the `weir` command talks to a running JobManager over
 * HTTP: submit, list, savepoint and stop (waiting for the operation), cancel, checkpoint statistics.
 * Every failure is a WeirError saying what the JobManager answered, or that none is listening.
 */
import { request as httpRequest } from 'node:http';
import { WeirError } from '../core/errors.ts';
import type { OperationResult } from './operation-cache.ts';
import type { JobSubmitRequestBody } from './request-schemas.ts';

export const DEFAULT_JOBMANAGER = '127.0.0.1:8081';
/** The environment variable naming the JobManager's REST address (`host:port`). */
export const JOBMANAGER_ENV = 'WEIR_JOBMANAGER';

export interface JobManagerAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port`, `[v6]:port` or `host` (port 8081). */
export function parseJobManagerAddress(text: string, option = '--jobmanager'): JobManagerAddress {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s/[\]]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const port = match?.[2] === undefined ? 8081 : Number(match[2]);
  if (match === null || port < 1 || port > 65535) {
    throw new WeirError('INVALID_OPTION', `invalid value for option '${option}': '${text}'; accepted: host:port, e.g. 127.0.0.1:8081`);
  }
  return { host: (match[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
}

export function formatAddress(address: JobManagerAddress): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** A row of `GET /jobs/overview`. */
export interface JobOverviewRow {
  readonly jid: string;
  readonly name: string;
  readonly state: string;
  readonly 'start-time': number;
  readonly 'end-time': number;
  readonly duration: number;
}

export interface RestClusterClientOptions {
  readonly address: JobManagerAddress;
  /** Sent as `Authorization: Bearer <token>` (WEIR_REST_TOKEN). */
  readonly token?: string | undefined;
  /** How long one request may take, ms. */
  readonly timeoutMs?: number | undefined;
}

export class RestClusterClient {
  readonly #options: RestClusterClientOptions;

  constructor(options: RestClusterClientOptions) {
    this.#options = options;
  }

  get address(): string {
    return formatAddress(this.#options.address);
  }

  /** Submits a job module (a path inside the cluster's jobs directory); resolves with its job id. */
  async submitJob(body: JobSubmitRequestBody): Promise<string> {
    const answer = await this.request<{ jobid: string }>('POST', '/jobs', body);
    return answer.jobid;
  }

  async listJobs(): Promise<readonly JobOverviewRow[]> {
    return (await this.request<{ jobs: JobOverviewRow[] }>('GET', '/jobs/overview')).jobs;
  }

  getJob(jobId: string): Promise<Record<string, unknown> & { readonly state: string }> {
    return this.request('GET', `/jobs/${encodeURIComponent(jobId)}`);
  }

  getCheckpoints(jobId: string): Promise<Record<string, unknown>> {
    return this.request('GET', `/jobs/${encodeURIComponent(jobId)}/checkpoints`);
  }

  /** Triggers a savepoint and waits for it; resolves with its directory. */
  async triggerSavepoint(jobId: string, targetDirectory?: string, timeoutMs?: number): Promise<string> {
    const body = targetDirectory === undefined ? {} : { 'target-directory': targetDirectory };
    const { 'request-id': triggerId } = await this.request<{ 'request-id': string }>('POST', `/jobs/${encodeURIComponent(jobId)}/savepoints`, body);
    return this.#waitForOperation(jobId, triggerId, 'the savepoint', timeoutMs);
  }

  /** Stops the job with a savepoint and waits until it ended; resolves with the savepoint's directory. */
  async stopWithSavepoint(jobId: string, options: { readonly targetDirectory?: string | undefined; readonly drain?: boolean } = {}, timeoutMs?: number): Promise<string> {
    const body = { ...(options.targetDirectory === undefined ? {} : { targetDirectory: options.targetDirectory }), ...(options.drain === true ? { drain: true } : {}) };
    const { 'request-id': triggerId } = await this.request<{ 'request-id': string }>('POST', `/jobs/${encodeURIComponent(jobId)}/stop`, body);
    return this.#waitForOperation(jobId, triggerId, 'the stop with savepoint', timeoutMs);
  }

  async cancel(jobId: string): Promise<void> {
    await this.request('PATCH', `/jobs/${encodeURIComponent(jobId)}?mode=cancel`);
  }

  async #waitForOperation(jobId: string, triggerId: string, what: string, timeoutMs = 15 * 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      const result = await this.request<OperationResult>('GET', `/jobs/${encodeURIComponent(jobId)}/savepoints/${triggerId}`);
      if (result.status.id === 'COMPLETED' && 'operation' in result) {
        if ('location' in result.operation) return result.operation.location;
        const cause = result.operation['failure-cause'];
        throw new WeirError('REST_REQUEST_FAILED', `${what} of job ${jobId} failed: ${cause.message}`, { hint: cause.hint });
      }
      if (Date.now() > deadline) {
        throw new WeirError('REST_REQUEST_FAILED', `${what} of job ${jobId} did not complete within ${Math.round(timeoutMs / 1000)} s`, {
          hint: `it may still complete: poll GET /jobs/${jobId}/savepoints/${triggerId}`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** One JSON request; a non-2xx answer becomes a WeirError with the JobManager's messages. */
  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { address, token } = this.#options;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const where = formatAddress(address);
    return new Promise<T>((resolve, reject) => {
      const req = httpRequest(
        {
          host: address.host,
          port: address.port,
          method,
          path,
          timeout: this.#options.timeoutMs ?? 120_000,
          headers: {
            Accept: 'application/json',
            ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
            ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text === '' ? {} : JSON.parse(text);
            } catch {
              reject(new WeirError('REST_REQUEST_FAILED', `the JobManager at ${where} answered ${method} ${path} with ${res.statusCode ?? '?'} and a body that is not JSON`));
              return;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolve(json as T);
              return;
            }
            const errors = (json as { errors?: unknown }).errors;
            const message = Array.isArray(errors) ? errors.map(String).join('; ') : text;
            reject(
              new WeirError('REST_REQUEST_FAILED', `the JobManager at ${where} refused ${method} ${path.replace(/\?.*$/, '')} (${status}): ${message}`, {
                hint: status === 401 ? 'set WEIR_REST_TOKEN to the token the cluster was started with' : undefined,
              }),
            );
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round((this.#options.timeoutMs ?? 120_000) / 1000)} s`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' || error.code === 'EHOSTUNREACH') {
          reject(
            new WeirError('JOBMANAGER_UNREACHABLE', `no JobManager at ${where}: start one with \`weir cluster start\``, {
              cause: error,
              hint: `or point to a running one with --jobmanager host:port (or ${JOBMANAGER_ENV})`,
            }),
          );
          return;
        }
        reject(new WeirError('REST_REQUEST_FAILED', `${method} ${path} to the JobManager at ${where} failed: ${error.message}`, { cause: error, retriable: true }));
      });
      req.end(payload);
    });
  }
}
