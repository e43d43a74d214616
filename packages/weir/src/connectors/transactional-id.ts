/**
 * @module Transactional ids of the two-phase-commit SQL sinks: `<prefix>:<subtask>:<checkpoint>:<attempt>`.
 * The prefix names the sink across restarts, the subtask tells which subtask may abort it later, and the
 * attempt token (random per writer) keeps ids apart when checkpoint ids repeat after a restore.
 */
import { createHash, randomBytes } from 'node:crypto';
import { invalidOption } from '../core/options.ts';
import type { SinkWriterContext } from '../operators/sink.ts';

export interface TransactionalId {
  readonly prefix: string;
  /** The subtask that opened the transaction. */
  readonly subtaskIndex: number;
  /** The checkpoint expected to pre-commit the transaction (the one after the last the writer saw). */
  readonly checkpointId: number;
  /** Random per writer instance, so two attempts never share an id. */
  readonly attempt: string;
}

const PREFIX_CHARACTERS = /^[A-Za-z0-9_.-]+$/;

/** The id as one string, as PostgreSQL's gid and the committables carry it. */
export function formatTransactionalId(id: TransactionalId): string {
  return `${id.prefix}:${transactionalIdSuffix(id)}`;
}

/** The part after the prefix (MariaDB's XA branch qualifier). */
export function transactionalIdSuffix(id: TransactionalId): string {
  return `${id.subtaskIndex}:${id.checkpointId}:${id.attempt}`;
}

/** Reads an id this sink wrote; undefined for any other text (another prefix, another program). */
export function parseTransactionalId(text: string, prefix: string): TransactionalId | undefined {
  if (!text.startsWith(`${prefix}:`)) return undefined;
  return parseTransactionalIdSuffix(prefix, text.slice(prefix.length + 1));
}

export function parseTransactionalIdSuffix(prefix: string, suffix: string): TransactionalId | undefined {
  const match = /^(\d+):(\d+):([0-9a-f]+)$/.exec(suffix);
  if (match === null) return undefined;
  return { prefix, subtaskIndex: Number(match[1]), checkpointId: Number(match[2]), attempt: match[3] as string };
}

/** A new attempt token: 12 random hex digits. */
export function newAttemptToken(): string {
  return randomBytes(6).toString('hex');
}

/** Whether subtask `context.subtaskIndex` of the current run is in charge of a transaction `id` left behind. */
export function isOwnedBySubtask(id: TransactionalId, context: Pick<SinkWriterContext, 'subtaskIndex' | 'parallelism'>): boolean {
  return id.subtaskIndex % context.parallelism === context.subtaskIndex;
}

/** What a sink's default prefix is derived from. */
export interface SinkIdentity {
  readonly jobName: string;
  readonly operatorUid: string;
}

/**
 * The default prefix: readable pieces of the job name and uid plus a hash of both (and of `table`), at
 * most 52 characters of `[A-Za-z0-9_.-]`. Stable across restarts and the same in every subtask.
 */
export function defaultTransactionalIdPrefix(identity: SinkIdentity, table: string): string {
  const hash = createHash('sha256').update(`${identity.jobName}\0${identity.operatorUid}\0${table}`).digest('hex').slice(0, 10);
  const readable = [identity.jobName, identity.operatorUid]
    .map((part) => part.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 20))
    .filter((part) => part !== '');
  return [...readable, hash].join('-');
}

/** Checks a user-given prefix: characters safe in SQL literals and XA ids, and a length limit. */
export function checkTransactionalIdPrefix(value: unknown, maxLength: number, where: string): string {
  if (typeof value !== 'string' || !PREFIX_CHARACTERS.test(value) || value.length > maxLength) {
    invalidOption('transactionalIdPrefix', value, `1 to ${maxLength} characters of A-Z, a-z, 0-9, '_', '.', '-'`, where);
  }
  return value;
}
