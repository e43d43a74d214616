/**
 * @module The bytes of a `_metadata` file: the metadata as JSON inside an envelope whose SHA-256 covers
 * the exact body bytes, so that every truncation and every flipped bit is detected; and the checks that
 * decoded metadata is well formed and names only files inside its checkpoint directory.
 */
import { unsafeStatePathReason } from './checkpoint-layout.ts';
import { sha256Hex } from './state-handles.ts';
import type { CheckpointMetadata } from './checkpoint-metadata.ts';

/** The `format` field of the envelope. */
export const METADATA_FORMAT = 'weir-checkpoint-metadata';
/** The envelope version this code writes and reads. */
export const METADATA_FORMAT_VERSION = 1;

// The envelope is one JSON object written in a fixed byte layout:
//   {"format":"weir-checkpoint-metadata","version":1,"checksum":"<64 hex>","body":<body JSON>}\n
// The reader checks the fixed parts byte for byte and hashes the body bytes as stored (re-serialising
// a parsed body could hide a flip that still parses). The file stays valid JSON, so `jq` reads it.
const FORMAT_HEAD = `{"format":"${METADATA_FORMAT}","version":`;
const CHECKSUM_HEAD = `,"checksum":"`;
const BODY_HEAD = `","body":`;
const TAIL = '}\n';
const CHECKSUM_HEX_LENGTH = 64;

const encoder = new TextEncoder();
const ascii = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What decoding a `_metadata` file found. */
export type MetadataDecodeResult =
  | { readonly ok: true; readonly metadata: CheckpointMetadata }
  /** `reason` completes a sentence starting with the file's name, e.g. `checksum mismatch (file corrupted)`. */
  | { readonly ok: false; readonly reason: string };

/** The bytes of a `_metadata` file for `metadata` (check it first with {@link checkMetadata}). */
export function encodeCheckpointMetadata(metadata: CheckpointMetadata): Uint8Array {
  const body = encoder.encode(JSON.stringify(metadata));
  const head = encoder.encode(`${FORMAT_HEAD}${METADATA_FORMAT_VERSION}${CHECKSUM_HEAD}${sha256Hex(body)}${BODY_HEAD}`);
  const tail = encoder.encode(TAIL);
  const bytes = new Uint8Array(head.length + body.length + tail.length);
  bytes.set(head, 0);
  bytes.set(body, head.length);
  bytes.set(tail, head.length + body.length);
  return bytes;
}

/** Verifies the envelope and checksum of a `_metadata` file's bytes and checks the metadata within. */
export function decodeCheckpointMetadata(bytes: Uint8Array): MetadataDecodeResult {
  if (bytes.length === 0) return { ok: false, reason: 'is empty (file truncated)' };
  const text = ascii.decode(bytes);
  if (!text.startsWith(FORMAT_HEAD)) {
    if (FORMAT_HEAD.startsWith(text)) return { ok: false, reason: 'is truncated' };
    return { ok: false, reason: `is not a weir checkpoint metadata file (it does not start with ${FORMAT_HEAD})` };
  }
  const version = /^[0-9]+/.exec(text.slice(FORMAT_HEAD.length))?.[0];
  if (version === undefined) return { ok: false, reason: 'has a damaged envelope: no format version (file corrupted or truncated)' };
  if (Number(version) !== METADATA_FORMAT_VERSION) {
    return { ok: false, reason: `has format version ${version}; this weir reads version ${METADATA_FORMAT_VERSION}` };
  }
  const checksumStart = FORMAT_HEAD.length + version.length + CHECKSUM_HEAD.length;
  const bodyStart = checksumStart + CHECKSUM_HEX_LENGTH + BODY_HEAD.length;
  const bodyEnd = bytes.length - TAIL.length;
  if (bodyEnd <= bodyStart) return { ok: false, reason: 'is truncated' };
  const checksum = text.slice(checksumStart, checksumStart + CHECKSUM_HEX_LENGTH);
  const framed =
    text.slice(checksumStart - CHECKSUM_HEAD.length, checksumStart) === CHECKSUM_HEAD &&
    /^[0-9a-f]{64}$/.test(checksum) &&
    text.slice(checksumStart + CHECKSUM_HEX_LENGTH, bodyStart) === BODY_HEAD;
  if (!framed) return { ok: false, reason: 'has a damaged envelope (file corrupted)' };
  if (text.slice(bodyEnd) !== TAIL) return { ok: false, reason: 'does not end like a complete file (truncated or corrupted)' };
  const body = bytes.subarray(bodyStart, bodyEnd);
  if (sha256Hex(body) !== checksum) return { ok: false, reason: 'checksum mismatch (file corrupted)' };
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch (error) {
    // The checksum matched, so whoever wrote this file wrote it so: a bug, not a disk error.
    return { ok: false, reason: `has a body that is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const problem = checkMetadata(value);
  if (problem !== undefined) return { ok: false, reason: `is malformed: ${problem}` };
  return { ok: true, metadata: value as CheckpointMetadata };
}

/**
 * What is wrong with `value` as CheckpointMetadata (field by field, and every state path must stay
 * inside the checkpoint directory), or undefined when it is well formed.
 */
export function checkMetadata(value: unknown): string | undefined {
  if (!isRecord(value)) return 'the metadata is not an object';
  if (value.version !== 1) return `metadata version ${describe(value.version)} is not supported (this weir reads version 1)`;
  if (!isNonEmptyString(value.jobId)) return `jobId ${describe(value.jobId)} is not a non-empty string`;
  if (typeof value.jobName !== 'string') return `jobName ${describe(value.jobName)} is not a string`;
  if (!isInteger(value.checkpointId, 1)) return `checkpointId ${describe(value.checkpointId)} is not an integer from 1`;
  if (value.type !== 'checkpoint' && value.type !== 'savepoint') return `type ${describe(value.type)} is neither 'checkpoint' nor 'savepoint'`;
  if (typeof value.timestamp !== 'number' || !Number.isFinite(value.timestamp)) return `timestamp ${describe(value.timestamp)} is not a number`;
  if (!Array.isArray(value.operators)) return 'operators is not an array';
  const uids = new Set<string>();
  for (const [index, operator] of (value.operators as unknown[]).entries()) {
    const problem = checkOperator(operator, index, uids);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkOperator(operator: unknown, index: number, uids: Set<string>): string | undefined {
  if (!isRecord(operator)) return `operators[${index}] is not an object`;
  if (!isNonEmptyString(operator.uid)) return `operators[${index}].uid ${describe(operator.uid)} is not a non-empty string`;
  const where = `operator '${operator.uid}'`;
  if (uids.has(operator.uid)) return `${where} appears twice`;
  uids.add(operator.uid);
  if (typeof operator.name !== 'string') return `${where}: name is not a string`;
  if (!isInteger(operator.maxParallelism, 1)) return `${where}: maxParallelism ${describe(operator.maxParallelism)} is not an integer from 1`;
  if (!isInteger(operator.parallelism, 1) || operator.parallelism > operator.maxParallelism) {
    return `${where}: parallelism ${describe(operator.parallelism)} is not an integer from 1 to maxParallelism`;
  }
  if (!Array.isArray(operator.subtasks)) return `${where}: subtasks is not an array`;
  const seen = new Set<number>();
  for (const subtask of operator.subtasks as unknown[]) {
    if (!isRecord(subtask)) return `${where}: a subtask is not an object`;
    if (!isInteger(subtask.subtask, 0) || subtask.subtask >= operator.parallelism) {
      return `${where}: subtask index ${describe(subtask.subtask)} is not an integer from 0 to parallelism - 1`;
    }
    if (seen.has(subtask.subtask)) return `${where} subtask ${subtask.subtask} appears twice`;
    seen.add(subtask.subtask);
    const owner = `${where} subtask ${subtask.subtask}`;
    for (const kind of ['keyedState', 'operatorState', 'channelState'] as const) {
      const handle = subtask[kind];
      if (handle === undefined) continue;
      const problem = checkHandle(handle, `${owner} ${kind}`);
      if (problem !== undefined) return problem;
    }
    const keyed = subtask.keyedState;
    if (isRecord(keyed)) {
      const { keyGroupStart, keyGroupEnd } = keyed;
      if (!isInteger(keyGroupStart, 0) || !isInteger(keyGroupEnd, keyGroupStart) || keyGroupEnd >= operator.maxParallelism) {
        return `${owner} keyedState: key groups ${describe(keyGroupStart)}..${describe(keyGroupEnd)} are not a range within 0..maxParallelism - 1`;
      }
      if (keyed.base !== undefined) {
        if (!Array.isArray(keyed.base)) return `${owner} keyedState: base is not an array`;
        const paths = new Set([keyed.path]);
        for (const [i, handle] of (keyed.base as unknown[]).entries()) {
          const problem = checkHandle(handle, `${owner} keyedState base ${i}`);
          if (problem !== undefined) return problem;
          const path = (handle as { path: string }).path;
          if (paths.has(path)) return `${owner} keyedState base ${i}: path ${describe(path)} appears twice`;
          paths.add(path);
        }
      }
    }
  }
  return undefined;
}

function checkHandle(handle: unknown, owner: string): string | undefined {
  if (!isRecord(handle)) return `${owner} is not an object`;
  const unsafe = unsafeStatePathReason(handle.path);
  if (unsafe !== undefined) return `${owner} path ${describe(handle.path)} is rejected: ${unsafe}`;
  if (!isInteger(handle.size, 0)) return `${owner} size ${describe(handle.size)} is not an integer from 0`;
  if (typeof handle.checksum !== 'string' || !/^[0-9a-f]{64}$/.test(handle.checksum)) {
    return `${owner} checksum ${describe(handle.checksum)} is not a hex SHA-256`;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isInteger(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}
