/**
 * @module The one error hierarchy: every failure a user can meet is a WeirError with a code, a flag
 * saying whether retrying may help, and the underlying cause.
 */

/** Every error code weir raises. Codes are stable; messages may improve. */
export type WeirErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_GRAPH'
  | 'GRAPH_CYCLE'
  | 'JOB_NOT_FOUND'
  | 'JOB_MODULE_FAILED'
  | 'NONDETERMINISTIC_GRAPH'
  | 'INVALID_KEY'
  | 'USER_FUNCTION_FAILED'
  | 'INVALID_TIMESTAMP'
  | 'SERIALIZATION_FAILED'
  | 'STATE_ACCESS'
  | 'SOURCE_FAILED'
  | 'SINK_FAILED'
  | 'WORKER_CRASHED'
  | 'JOB_CANCELLED'
  | 'CHECKPOINT_FAILED'
  | 'CHECKPOINT_CORRUPT'
  | 'STORAGE_FAILED'
  | 'RESTORE_FAILED'
  | 'CONFIG_INVALID'
  | 'JOBMANAGER_UNREACHABLE'
  | 'REST_REQUEST_FAILED'
  | 'INTERNAL';

export interface WeirErrorOptions {
  readonly retriable?: boolean;
  readonly cause?: unknown;
  /** Hint printed after the message: what to do about it. */
  readonly hint?: string;
}

/**
 * A failure weir reports to the user. `message` says what happened and where; `hint`, when present,
 * what to do.
 */
export class WeirError extends Error {
  readonly code: WeirErrorCode;
  readonly retriable: boolean;
  readonly hint: string | undefined;

  constructor(code: WeirErrorCode, message: string, options: WeirErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WeirError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.hint = options.hint;
  }

  /** The message followed by the hint, as the CLI prints it. */
  describe(): string {
    return this.hint === undefined ? this.message : `${this.message}\n  ${this.hint}`;
  }
}

/** True for errors weir raised on purpose; anything else that escapes is a bug. */
export function isWeirError(error: unknown): error is WeirError {
  return error instanceof WeirError;
}

/** A one-line description of any thrown value. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

/** Plain data for an error, so it can cross a thread or process boundary and be rebuilt. */
export interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  readonly code?: WeirErrorCode | undefined;
  readonly retriable?: boolean | undefined;
  readonly hint?: string | undefined;
  readonly cause?: ErrorData | undefined;
}

export function errorToData(error: unknown): ErrorData {
  if (error instanceof WeirError) {
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      code: error.code,
      retriable: error.retriable,
      hint: error.hint,
      cause: error.cause === undefined ? undefined : errorToData(error.cause),
    };
  }
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      cause: error.cause === undefined ? undefined : errorToData(error.cause),
    };
  }
  return { name: 'Error', message: String(error) };
}

export function errorFromData(data: ErrorData): Error {
  const cause = data.cause === undefined ? undefined : errorFromData(data.cause);
  let error: Error;
  if (data.code !== undefined) {
    error = new WeirError(data.code, data.message, { retriable: data.retriable ?? false, cause, hint: data.hint });
  } else {
    error = new Error(data.message, cause === undefined ? undefined : { cause });
    error.name = data.name;
  }
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
