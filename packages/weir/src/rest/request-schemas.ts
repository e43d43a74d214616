/**
 * @module The request bodies the REST endpoint accepts, as JSON schemas with Flink's field names
 * (`target-directory`, `cancel-job` for savepoints; `targetDirectory`, `drain` for stop), and the
 * TypeScript shape each validates to.
 */
import { UPPER_BOUND_MAX_PARALLELISM } from '../core/key-groups.ts';
import type { JsonSchema } from './json-schema.ts';

const PATH: JsonSchema = { type: 'string', minLength: 1, maxLength: 4096 };
const FORMAT_TYPE: JsonSchema = { type: 'string', pattern: /^CANONICAL$/, description: "'CANONICAL' (weir writes savepoints in that format only)" };

/** `POST /jobs`: run a job module from the cluster's jobs directory. */
export interface JobSubmitRequestBody {
  /** The job module, relative to the jobs directory (or absolute inside it). */
  readonly module: string;
  /** The export holding the job, when the module exports several. */
  readonly job?: string;
  readonly parallelism?: number;
  /** Job parameters, as `--key value` after the job file. */
  readonly args?: Readonly<Record<string, string>>;
  /** Start from this savepoint or retained checkpoint (inside `state.savepoints.dir` or `state.checkpoints.dir`). */
  readonly savepointPath?: string;
  readonly allowNonRestoredState?: boolean;
}

export const JOB_SUBMIT_REQUEST: JsonSchema = {
  type: 'object',
  required: ['module'],
  properties: {
    module: PATH,
    job: { type: 'string', minLength: 1, maxLength: 256 },
    parallelism: { type: 'integer', minimum: 1, maximum: UPPER_BOUND_MAX_PARALLELISM },
    args: { type: 'object', additionalProperties: { type: 'string', maxLength: 65536 }, maxProperties: 256 },
    savepointPath: PATH,
    allowNonRestoredState: { type: 'boolean' },
  },
};

/** `POST /jobs/:jobid/savepoints`. */
export interface SavepointTriggerRequestBody {
  readonly 'target-directory'?: string;
  /** Cancel the job once the savepoint completed (Flink's deprecated cancel-with-savepoint). */
  readonly 'cancel-job'?: boolean;
  readonly formatType?: 'CANONICAL';
}

export const SAVEPOINT_TRIGGER_REQUEST: JsonSchema = {
  type: 'object',
  properties: { 'target-directory': PATH, 'cancel-job': { type: 'boolean' }, formatType: FORMAT_TYPE },
};

/** `POST /jobs/:jobid/stop`. */
export interface StopWithSavepointRequestBody {
  readonly targetDirectory?: string;
  /** Emit MAX_WATERMARK before the savepoint so every event-time timer and window fires. */
  readonly drain?: boolean;
  readonly formatType?: 'CANONICAL';
}

export const STOP_WITH_SAVEPOINT_REQUEST: JsonSchema = {
  type: 'object',
  properties: { targetDirectory: PATH, drain: { type: 'boolean' }, formatType: FORMAT_TYPE },
};

/** A body-less request (PATCH /jobs/:jobid) accepts an empty object only. */
export const EMPTY_REQUEST: JsonSchema = { type: 'object', properties: {} };
