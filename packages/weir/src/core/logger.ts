/**
 * @module Structured logging behind a narrow interface; the default writes to stderr, filtered by level.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger writing `level message {fields}` lines to stderr for levels at or above `level`. */
export function createConsoleLogger(level: LogLevel = 'warn', prefix = 'weir'): Logger {
  const min = rank[level];
  const write = (at: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (rank[at] < min) return;
    const tail = fields === undefined ? '' : ` ${JSON.stringify(fields)}`;
    process.stderr.write(`${prefix} ${at.toUpperCase()} ${message}${tail}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** The log level from WEIR_LOG_LEVEL, or `fallback`. */
export function logLevelFromEnv(fallback: LogLevel = 'warn'): LogLevel {
  const value = process.env['WEIR_LOG_LEVEL'];
  return value !== undefined && value in rank ? (value as LogLevel) : fallback;
}
