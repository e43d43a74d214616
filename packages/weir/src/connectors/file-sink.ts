/**
 * @module FileSink (Flink's, row format): each record becomes a line (or bytes) of a part file under
 * `<basePath>/<bucket>/`. A part is written hidden (`.part-<uuid>-<subtask>-<counter>.inprogress.<id>`),
 * rolled at every checkpoint and by size and time, and made visible as `part-<uuid>-<subtask>-<counter>`
 * by a rename once its checkpoint completed (two-phase commit), so readers that skip hidden files only
 * ever see finished files, each holding its records exactly once.
 */
import { randomUUID } from 'node:crypto';
import { close as closeCallback, closeSync, fsync as fsyncCallback, mkdirSync, openSync, writevSync } from 'node:fs';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { describeCause, WeirError } from '../core/errors.ts';
import { checkChoice, checkInteger, checkNonEmptyString, invalidOption } from '../core/options.ts';
import type {
  CommittingSinkContext,
  CommittingSinkWriter,
  Committer,
  DeliveryGuarantee,
  TwoPhaseCommittingSink,
} from '../operators/sink.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { Types } from '../types/types.ts';

/** Turns a record into a line (a string, written with a "\n" after it) or into bytes (written as they are). */
export type FileSinkEncoder<T> = (value: T) => string | Uint8Array;

/** What a bucket assigner can see besides the record (Flink's BucketAssigner.Context). */
export interface BucketAssignerContext {
  /** Processing time, epoch ms. */
  currentProcessingTime(): number;
  /** The record's timestamp, or undefined when it has none. */
  timestamp(): number | undefined;
}

/**
 * Picks the bucket of a record: a sub-folder of the base path, e.g. `2024-05-01--13` or `country=de`
 * (`/` nests folders; '' is the base path itself). Segments must not start with '.'.
 */
export type BucketAssigner<T> = (value: T, context: BucketAssignerContext) => string;

/** When a part file is rolled (closed, and a new one started for the bucket's next record). */
export interface RollingPolicy {
  /** A part holds at most this many bytes (unless one record alone is larger); default 128 MiB. */
  readonly maxPartSize?: number | undefined;
  /** A part is rolled once it has been open this long, in ms; default 60 s. */
  readonly rolloverInterval?: number | undefined;
  /** A part is rolled once nothing was written to it for this long, in ms; default 60 s. */
  readonly inactivityInterval?: number | undefined;
}

/** How part files are named: `<partPrefix>-<uuid>-<subtask>-<counter><partSuffix>`. */
export interface OutputFileConfig {
  readonly partPrefix?: string | undefined;
  readonly partSuffix?: string | undefined;
}

/** A part file closed at a checkpoint, to be made visible when that checkpoint completes. */
export interface FileSinkCommittable {
  /** The bucket (sub-folder of the base path). */
  readonly bucket: string;
  /** The hidden in-progress file name. */
  readonly inProgress: string;
  /** The visible name it gets on commit. */
  readonly finished: string;
}

/** Flink's DefaultRollingPolicy defaults. */
export const DEFAULT_ROLLING_POLICY: Required<{ readonly [K in keyof RollingPolicy]: number }> = Object.freeze({
  maxPartSize: 128 * 1024 * 1024,
  rolloverInterval: 60_000,
  inactivityInterval: 60_000,
});

/** Buffered bytes of a part are written once there are this many. */
const WRITE_BUFFER_BYTES = 64 * 1024;
/** How often open parts of other buckets are checked against the time limits, at most (on writes and checkpoints). */
const TIME_CHECK_INTERVAL_MS = 1000;
const MAX_SIZE = Number.MAX_SAFE_INTEGER;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const FILE_SINK_COMMITTABLE_TYPE: TypeSerializer<FileSinkCommittable> = Types.object({ bucket: Types.string, inProgress: Types.string, finished: Types.string });

/** The default encoder: a string as it is, anything else as JSON, one per line. */
export function defaultFileSinkEncoder(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

/**
 * Flink's DateTimeBucketAssigner with its default format: one bucket per hour of processing time,
 * `yyyy-MM-dd--HH`, in UTC.
 */
export function dateTimeBucketAssigner<T>(): BucketAssigner<T> {
  let hourStart = Number.NaN;
  let bucket = '';
  return (_value, context) => {
    const now = context.currentProcessingTime();
    if (!(now >= hourStart && now < hourStart + 3_600_000)) {
      hourStart = now - (now % 3_600_000);
      const iso = new Date(hourStart).toISOString();
      bucket = `${iso.slice(0, 10)}--${iso.slice(11, 13)}`;
    }
    return bucket;
  };
}

/**
 * Builds a FileSink; `FileSink.forRowFormat(basePath, encoder)` starts one.
 *
 * @example
 * stream.sinkTo(
 *   FileSink.forRowFormat<Click>('out/clicks', (c) => JSON.stringify(c))
 *     .withBucketAssigner((c) => c.country)
 *     .withRollingPolicy({ maxPartSize: 64 * 1024 * 1024 })
 *     .build(),
 * );
 */
export class FileSinkBuilder<T> {
  readonly #basePath: string;
  readonly #encoder: FileSinkEncoder<T>;
  #bucketAssigner: BucketAssigner<T> = dateTimeBucketAssigner<T>();
  #rollingPolicy: Required<{ readonly [K in keyof RollingPolicy]: number }> = DEFAULT_ROLLING_POLICY;
  #partPrefix = 'part';
  #partSuffix = '';
  #deliveryGuarantee: DeliveryGuarantee = 'EXACTLY_ONCE';

  constructor(basePath: string, encoder: FileSinkEncoder<T>) {
    this.#basePath = path.resolve(checkNonEmptyString('basePath', basePath, 'FileSink.forRowFormat()'));
    if (typeof encoder !== 'function') invalidOption('encoder', encoder, 'a function from a record to a string or bytes', 'FileSink.forRowFormat()');
    this.#encoder = encoder;
  }

  /** Picks each record's bucket (sub-folder); by default one per hour of processing time (`yyyy-MM-dd--HH`, UTC). */
  withBucketAssigner(assigner: BucketAssigner<T>): this {
    if (typeof assigner !== 'function') invalidOption('bucketAssigner', assigner, 'a function from a record to a bucket name', 'FileSink.withBucketAssigner()');
    this.#bucketAssigner = assigner;
    return this;
  }

  /** Size and time limits of a part file; unset fields keep Flink's defaults (128 MiB, 60 s, 60 s). */
  withRollingPolicy(policy: RollingPolicy): this {
    const where = 'FileSink.withRollingPolicy()';
    if (typeof policy !== 'object' || policy === null) invalidOption('policy', policy, 'an object { maxPartSize, rolloverInterval, inactivityInterval }', where);
    this.#rollingPolicy = Object.freeze({
      maxPartSize: checkInteger('maxPartSize', policy.maxPartSize ?? DEFAULT_ROLLING_POLICY.maxPartSize, 1, MAX_SIZE, where),
      rolloverInterval: checkInteger('rolloverInterval', policy.rolloverInterval ?? DEFAULT_ROLLING_POLICY.rolloverInterval, 1, MAX_SIZE, where),
      inactivityInterval: checkInteger('inactivityInterval', policy.inactivityInterval ?? DEFAULT_ROLLING_POLICY.inactivityInterval, 1, MAX_SIZE, where),
    });
    return this;
  }

  /** Part file names: `<partPrefix>-<uuid>-<subtask>-<counter><partSuffix>`; defaults 'part' and ''. */
  withOutputFileConfig(config: OutputFileConfig): this {
    const where = 'FileSink.withOutputFileConfig()';
    if (typeof config !== 'object' || config === null) invalidOption('config', config, 'an object { partPrefix, partSuffix }', where);
    const prefix = config.partPrefix ?? 'part';
    const suffix = config.partSuffix ?? '';
    if (typeof prefix !== 'string' || !/^[^./\\\0][^/\\\0]*$/.test(prefix)) invalidOption('partPrefix', prefix, "a non-empty file name part without '/' that does not start with '.'", where);
    if (typeof suffix !== 'string' || /[/\\\0]/.test(suffix)) invalidOption('partSuffix', suffix, "a file name part without '/', e.g. '.jsonl'", where);
    this.#partPrefix = prefix;
    this.#partSuffix = suffix;
    return this;
  }

  /**
   * EXACTLY_ONCE (default): parts roll at every checkpoint and become visible when it completes.
   * AT_LEAST_ONCE: parts roll at every checkpoint and become visible at once; a restore may repeat
   * records. NONE: parts roll only by the rolling policy and at end of input, and become visible at
   * once; a failure loses what was in the parts still being written.
   */
  withDeliveryGuarantee(guarantee: DeliveryGuarantee): this {
    this.#deliveryGuarantee = checkChoice('deliveryGuarantee', guarantee, ['NONE', 'AT_LEAST_ONCE', 'EXACTLY_ONCE'] as const, 'FileSink.withDeliveryGuarantee()');
    return this;
  }

  build(): FileSink<T> {
    return new FileSink<T>({
      basePath: this.#basePath,
      encoder: this.#encoder,
      bucketAssigner: this.#bucketAssigner,
      rollingPolicy: this.#rollingPolicy,
      partPrefix: this.#partPrefix,
      partSuffix: this.#partSuffix,
      deliveryGuarantee: this.#deliveryGuarantee,
    });
  }
}

interface FileSinkSettings<T> {
  readonly basePath: string;
  readonly encoder: FileSinkEncoder<T>;
  readonly bucketAssigner: BucketAssigner<T>;
  readonly rollingPolicy: Required<{ readonly [K in keyof RollingPolicy]: number }>;
  readonly partPrefix: string;
  readonly partSuffix: string;
  readonly deliveryGuarantee: DeliveryGuarantee;
}

/**
 * Writes records as rows into part files under a base path (Flink's FileSink, row format). The base
 * path belongs to this sink: on start it deletes hidden in-progress part files (with its prefix and
 * suffix) that earlier attempts left behind. Exactly-once needs checkpointing: without it, parts
 * become visible only by the rolling policy and at end of input.
 */
export class FileSink<T> implements TwoPhaseCommittingSink<T, FileSinkCommittable> {
  readonly name = 'FileSink';
  readonly deliveryGuarantee: DeliveryGuarantee;
  readonly committableType = FILE_SINK_COMMITTABLE_TYPE;
  readonly basePath: string;
  readonly #settings: FileSinkSettings<T>;

  /** Starts a row-format FileSink writing under `basePath`; each record through `encoder` (by default a string as is, else JSON), one per line. */
  static forRowFormat<T>(basePath: string, encoder: FileSinkEncoder<T> = defaultFileSinkEncoder): FileSinkBuilder<T> {
    return new FileSinkBuilder<T>(basePath, encoder);
  }

  /** Use `FileSink.forRowFormat(...).build()`. */
  constructor(settings: FileSinkSettings<T>) {
    this.#settings = settings;
    this.basePath = settings.basePath;
    this.deliveryGuarantee = settings.deliveryGuarantee;
  }

  createWriter(context: CommittingSinkContext): CommittingSinkWriter<T, FileSinkCommittable> {
    return new FileSinkWriter(this.#settings, context);
  }

  createCommitter(context: CommittingSinkContext): Committer<FileSinkCommittable> {
    return new FileCommitter(this.#settings.basePath, context.description);
  }

  /** Deletes the in-progress part files that subtasks s with `s % parallelism === subtaskIndex` left behind. */
  async abortLingering(context: CommittingSinkContext): Promise<void> {
    const pattern = inProgressPattern(this.#settings.partPrefix, this.#settings.partSuffix);
    for await (const file of listFiles(this.#settings.basePath)) {
      const match = pattern.exec(path.basename(file));
      if (match === null || Number(match[1]) % context.parallelism !== context.subtaskIndex) continue;
      try {
        await unlink(file);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        throw new WeirError('SINK_FAILED', `${context.description} cannot delete the in-progress part file ${file} an earlier attempt left: ${describeCause(error)}`, {
          cause: error,
          retriable: true,
          hint: 'check the permissions of the FileSink base path',
        });
      }
    }
  }
}

/** The hidden in-progress name of a part: `.part-<uuid>-<subtask>-<counter>.inprogress.<id>`; group 1 is the subtask. */
function inProgressPattern(prefix: string, suffix: string): RegExp {
  return new RegExp(`^\\.${escapeRegExp(prefix)}-${UUID}-(\\d+)-(\\d+)${escapeRegExp(suffix)}\\.inprogress\\.${UUID}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every file under `directory`, recursively; nothing when it does not exist. */
async function* listFiles(directory: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* listFiles(full);
    else if (entry.isFile()) yield full;
  }
}

/** A part file being written: buffered chunks go to its descriptor in batches. */
interface OpenPart {
  readonly bucket: string;
  readonly directory: string;
  readonly inProgress: string;
  readonly finished: string;
  readonly fd: number;
  readonly createdAt: number;
  lastWriteAt: number;
  /** Bytes written and buffered. */
  size: number;
  text: string;
  chunks: Uint8Array[];
  buffered: number;
}

/** A rolled part: closed (fsync) in the background, and for NONE / AT_LEAST_ONCE made visible right after. */
interface RolledPart {
  readonly committable: FileSinkCommittable;
  readonly done: Promise<void>;
}

class FileSinkWriter<T> implements CommittingSinkWriter<T, FileSinkCommittable> {
  readonly #settings: FileSinkSettings<T>;
  readonly #context: CommittingSinkContext;
  /** One per writer instance, so names never collide across subtasks, attempts and runs. */
  readonly #uuid = randomUUID();
  #counter = 0;
  readonly #open = new Map<string, OpenPart>();
  #rolled: RolledPart[] = [];
  readonly #checkedBuckets = new Set<string>();
  readonly #createdDirectories = new Set<string>();
  #lastTimeCheck = 0;
  #now = 0;
  #timestamp: number | undefined;
  readonly #assignerContext: BucketAssignerContext = {
    currentProcessingTime: () => this.#now,
    timestamp: () => this.#timestamp,
  };

  constructor(settings: FileSinkSettings<T>, context: CommittingSinkContext) {
    this.#settings = settings;
    this.#context = context;
  }

  write(value: T, timestamp: number | undefined): void {
    const now = Date.now();
    this.#now = now;
    this.#timestamp = timestamp;
    const bucket = this.#checkBucket(this.#settings.bucketAssigner(value, this.#assignerContext));
    const encoded = this.#settings.encoder(value);
    let size: number;
    if (typeof encoded === 'string') size = Buffer.byteLength(encoded) + 1;
    else if (encoded instanceof Uint8Array) size = encoded.byteLength;
    else {
      throw new WeirError('SINK_FAILED', `the encoder of ${this.#context.description} returned ${typeof encoded}, not a string or Uint8Array`, {
        hint: 'return the line (a string) or the bytes of the record from the encoder',
      });
    }
    let part = this.#open.get(bucket);
    if (part !== undefined && this.#shouldRoll(part, size, now)) {
      this.#roll(part);
      part = undefined;
    }
    part ??= this.#openPart(bucket, now);
    if (typeof encoded === 'string') part.text += `${encoded}\n`;
    else {
      this.#moveText(part);
      part.chunks.push(encoded);
    }
    part.size += size;
    part.buffered += size;
    part.lastWriteAt = now;
    if (part.buffered >= WRITE_BUFFER_BYTES) this.#writeBuffered(part);
    if (now - this.#lastTimeCheck >= TIME_CHECK_INTERVAL_MS) this.#rollByTime(now);
  }

  /** At end of input every part rolls; at a checkpoint `prepareCommit` does the work. */
  flush(endOfInput: boolean): void {
    if (endOfInput) for (const part of [...this.#open.values()]) this.#roll(part);
  }

  /**
   * Checkpoint n: every part rolls (EXACTLY_ONCE, AT_LEAST_ONCE) or only those past their time limits
   * (NONE); once the rolled parts are closed and synced, EXACTLY_ONCE returns them as committables,
   * the other guarantees have made them visible already.
   */
  prepareCommit(): Promise<FileSinkCommittable[]> {
    const now = Date.now();
    if (this.#settings.deliveryGuarantee === 'NONE') this.#rollByTime(now);
    else for (const part of [...this.#open.values()]) this.#roll(part);
    const rolled = this.#rolled;
    this.#rolled = [];
    return Promise.all(rolled.map((part) => part.done)).then(() => (this.#settings.deliveryGuarantee === 'EXACTLY_ONCE' ? rolled.map((part) => part.committable) : []));
  }

  /** Closes the open parts' files without finishing them: after a failure, the next attempt deletes them. */
  close(): void {
    for (const part of this.#open.values()) {
      try {
        closeSync(part.fd);
      } catch {
        // Already closed or gone: nothing to release.
      }
    }
    this.#open.clear();
  }

  #shouldRoll(part: OpenPart, size: number, now: number): boolean {
    const policy = this.#settings.rollingPolicy;
    return (
      part.size + size > policy.maxPartSize || now - part.createdAt >= policy.rolloverInterval || now - part.lastWriteAt >= policy.inactivityInterval
    );
  }

  #rollByTime(now: number): void {
    this.#lastTimeCheck = now;
    const policy = this.#settings.rollingPolicy;
    for (const part of [...this.#open.values()]) {
      if (now - part.createdAt >= policy.rolloverInterval || now - part.lastWriteAt >= policy.inactivityInterval) this.#roll(part);
    }
  }

  #openPart(bucket: string, now: number): OpenPart {
    const { basePath, partPrefix, partSuffix } = this.#settings;
    const directory = bucket === '' ? basePath : path.join(basePath, bucket);
    const finished = `${partPrefix}-${this.#uuid}-${this.#context.subtaskIndex}-${this.#counter++}${partSuffix}`;
    const inProgress = `.${finished}.inprogress.${randomUUID()}`;
    let fd: number;
    try {
      if (!this.#createdDirectories.has(directory)) {
        mkdirSync(directory, { recursive: true });
        this.#createdDirectories.add(directory);
      }
      fd = openSync(path.join(directory, inProgress), 'wx');
    } catch (error) {
      throw this.#ioFailed(`create the part file ${path.join(directory, inProgress)}`, error);
    }
    const part: OpenPart = { bucket, directory, inProgress, finished, fd, createdAt: now, lastWriteAt: now, size: 0, text: '', chunks: [], buffered: 0 };
    this.#open.set(bucket, part);
    return part;
  }

  #moveText(part: OpenPart): void {
    if (part.text === '') return;
    part.chunks.push(Buffer.from(part.text));
    part.text = '';
  }

  #writeBuffered(part: OpenPart): void {
    this.#moveText(part);
    if (part.chunks.length === 0) return;
    const chunks = part.chunks;
    part.chunks = [];
    part.buffered = 0;
    try {
      let buffers = chunks;
      // writev may write less than asked: go on from where it stopped.
      while (buffers.length > 0) {
        let written = writevSync(part.fd, buffers);
        const rest: Uint8Array[] = [];
        for (const buffer of buffers) {
          if (written >= buffer.byteLength) written -= buffer.byteLength;
          else {
            rest.push(buffer.subarray(written));
            written = 0;
          }
        }
        buffers = rest;
      }
    } catch (error) {
      throw this.#ioFailed(`write to the part file ${path.join(part.directory, part.inProgress)}`, error);
    }
  }

  /** Closes a part: what is buffered is written now; fsync and close run in the background (awaited by the next prepareCommit). */
  #roll(part: OpenPart): void {
    this.#open.delete(part.bucket);
    this.#writeBuffered(part);
    const file = path.join(part.directory, part.inProgress);
    const closed = syncAndClose(part.fd).catch((error: unknown) => {
      throw this.#ioFailed(`sync and close the part file ${file}`, error);
    });
    const committable: FileSinkCommittable = { bucket: part.bucket, inProgress: part.inProgress, finished: part.finished };
    const done = this.#settings.deliveryGuarantee === 'EXACTLY_ONCE' ? closed : closed.then(() => finishParts(this.#settings.basePath, [committable], this.#context.description));
    // Awaited by the next prepareCommit; handled now so a failure in between is not reported as unhandled.
    done.catch(() => {});
    this.#rolled.push({ committable, done });
  }

  #checkBucket(bucket: unknown): string {
    if (typeof bucket === 'string' && this.#checkedBuckets.has(bucket)) return bucket;
    if (typeof bucket !== 'string' || (bucket !== '' && bucket.split('/').some((segment) => segment === '' || segment.startsWith('.') || /[\\\0]/.test(segment)))) {
      throw new WeirError('SINK_FAILED', `the bucket assigner of ${this.#context.description} returned ${JSON.stringify(bucket) ?? String(bucket)}, which is not a bucket name`, {
        hint: "return a relative folder name such as '2024-05-01--13' or 'country=de' ('/' nests folders; no empty segments, no segment starting with '.')",
      });
    }
    if (this.#checkedBuckets.size >= 10_000) this.#checkedBuckets.clear();
    this.#checkedBuckets.add(bucket);
    return bucket;
  }

  #ioFailed(what: string, error: unknown): WeirError {
    return new WeirError('SINK_FAILED', `${this.#context.description} could not ${what}: ${describeCause(error)}`, {
      cause: error,
      retriable: true,
      hint: 'check that the FileSink base path is writable and has space',
    });
  }
}

/** Makes pre-committed parts visible: rename to the finished name, then sync the directories. */
class FileCommitter implements Committer<FileSinkCommittable> {
  readonly #basePath: string;
  readonly #description: string;

  constructor(basePath: string, description: string) {
    this.#basePath = basePath;
    this.#description = description;
  }

  commit(committables: readonly FileSinkCommittable[]): Promise<void> {
    return finishParts(this.#basePath, committables, this.#description);
  }

  close(): void {}
}

/**
 * Renames each part to its finished name and syncs the directories. A part whose in-progress file is
 * gone and whose finished file exists was finished before (a commit repeated after a restore): success.
 */
async function finishParts(basePath: string, committables: readonly FileSinkCommittable[], description: string): Promise<void> {
  const directories = new Set<string>();
  await Promise.all(
    committables.map(async ({ bucket, inProgress, finished }) => {
      const directory = bucket === '' ? basePath : path.join(basePath, bucket);
      const from = path.join(directory, inProgress);
      const to = path.join(directory, finished);
      directories.add(directory);
      try {
        await rename(from, to);
      } catch (error) {
        if (errorCode(error) === 'ENOENT' && (await exists(to))) return;
        const missing = errorCode(error) === 'ENOENT';
        throw new WeirError('SINK_FAILED', `${description} cannot finish the part file ${from} as ${finished}: ${describeCause(error)}`, {
          cause: error,
          retriable: !missing,
          hint: missing
            ? 'the pending part file is gone and was never finished: something else deleted it, or another FileSink writes to the same base path (give each sink its own)'
            : 'check the permissions of the FileSink base path',
        });
      }
    }),
  );
  for (const directory of directories) {
    try {
      await syncDirectory(directory);
    } catch (error) {
      throw new WeirError('SINK_FAILED', `${description} cannot sync the directory ${directory} after finishing part files in it: ${describeCause(error)}`, {
        cause: error,
        retriable: true,
        hint: 'check the FileSink base path; the restart finishes the parts again',
      });
    }
  }
}

function syncAndClose(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fsyncCallback(fd, (syncError) => {
      closeCallback(fd, (closeError) => {
        const error = syncError ?? closeError;
        if (error === null || error === undefined) resolve();
        else reject(error);
      });
    });
  });
}

/** Makes renames in `directory` durable; file systems that cannot sync a directory are skipped. */
async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
