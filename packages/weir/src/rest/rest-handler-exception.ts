/**
 * @module RestHandlerException (Flink's name): a request the REST endpoint refuses, with the HTTP status
 * and the messages it answers in Flink's error shape `{ "errors": ["..."] }`.
 */

/** The HTTP statuses the REST endpoint answers errors with. */
export type RestErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 500 | 503;

export class RestHandlerException extends Error {
  readonly status: RestErrorStatus;
  readonly errors: readonly string[];
  /** Extra response headers (`Allow` for 405, `WWW-Authenticate` for 401). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: RestErrorStatus, errors: string | readonly string[], headers: Readonly<Record<string, string>> = {}) {
    const list = typeof errors === 'string' ? [errors] : errors;
    super(list.join('; '));
    this.name = 'RestHandlerException';
    this.status = status;
    this.errors = list;
    this.headers = headers;
  }
}
