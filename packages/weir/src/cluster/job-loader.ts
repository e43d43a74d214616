/**
 * @module Loading a job: import its module, find the exported JobDefinition, build the StreamGraph and
 * chain it into a JobGraph. The JobManager and every worker run exactly this, so they agree on the graph.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { isAbsolute, resolve, relative } from 'node:path';
import { existsSync } from 'node:fs';
import { Configuration } from '../core/configuration.ts';
import { WeirError, describeCause } from '../core/errors.ts';
import type { CheckpointConfigData } from '../checkpoint/checkpoint-config.ts';
import { UPPER_BOUND_MAX_PARALLELISM } from '../core/key-groups.ts';
import { checkInteger } from '../core/options.ts';
import { createJobGraph, type JobGraph } from '../graph/job-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import { buildStreamGraph, findJob, type JobDefinition } from '../api/job-definition.ts';
import { JobParameters } from '../api/job-parameters.ts';

/** What identifies a job run: its module, which export, its arguments and the default parallelism. */
export interface JobSubmission {
  /** A `file:` URL of the job module. */
  readonly module: string;
  /** The export holding the JobDefinition; by default the module's only one. */
  readonly exportName?: string | undefined;
  /** Job parameters (`--key value` after the job file). */
  readonly args?: Readonly<Record<string, string>> | undefined;
  /** Default parallelism (`-p`); weir.yaml's `parallelism.default`, else the number of cores, when absent. */
  readonly parallelism?: number | undefined;
  /** Settings with Flink's keys (from weir.yaml); the job's code overrides them. Plain data. */
  readonly configuration?: Readonly<Record<string, unknown>> | undefined;
  /** Start from a retained checkpoint: a path to it (or its `_metadata`), or `latest`. */
  readonly fromCheckpoint?: string | undefined;
  /**
   * Start from a savepoint (`weir run -s`): a path to its directory or its `_metadata`. A retained
   * checkpoint's path works too. State is matched to operators by uid, as with `fromCheckpoint`.
   */
  readonly fromSavepoint?: string | undefined;
  /** With `fromCheckpoint` or `fromSavepoint`: drop state of operators that are no longer in the job. */
  readonly allowNonRestoredState?: boolean | undefined;
}

export interface LoadedJob {
  readonly definition: JobDefinition;
  readonly jobGraph: JobGraph<OperatorSpec>;
  readonly parameters: JobParameters;
  readonly checkpointConfig: CheckpointConfigData;
}

/** A `file:` URL for a path (relative to the working directory) or URL. */
export function jobModuleUrl(pathOrUrl: string | URL): string {
  if (pathOrUrl instanceof URL) return pathOrUrl.href;
  if (pathOrUrl.startsWith('file:')) return pathOrUrl;
  const path = isAbsolute(pathOrUrl) ? pathOrUrl : resolve(process.cwd(), pathOrUrl);
  if (!existsSync(path)) {
    throw new WeirError('JOB_MODULE_FAILED', `job file not found: ${pathOrUrl}`, { hint: 'give the path of a .ts or .js module that exports a job' });
  }
  return pathToFileURL(path).href;
}

/** The job module's path relative to the working directory, for messages. */
export function displayModule(moduleUrl: string): string {
  try {
    return relative(process.cwd(), fileURLToPath(moduleUrl)) || moduleUrl;
  } catch {
    return moduleUrl;
  }
}

export function defaultParallelism(): number {
  return availableParallelism();
}

export async function loadJob(submission: JobSubmission): Promise<LoadedJob> {
  const where = `job file ${displayModule(submission.module)}`;
  let module: Record<string, unknown>;
  try {
    module = (await import(submission.module)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof WeirError) throw error;
    throw new WeirError('JOB_MODULE_FAILED', `could not load ${where}: ${describeCause(error)}`, { cause: error });
  }
  const definition = findJob(module, where, submission.exportName);
  const parallelism =
    submission.parallelism === undefined
      ? defaultParallelism()
      : checkInteger('parallelism', submission.parallelism, 1, UPPER_BOUND_MAX_PARALLELISM, '-p / --parallelism');
  const parameters = new JobParameters(submission.args ?? {});
  const configuration = Configuration.fromEntries(submission.configuration ?? {});
  const { streamGraph, checkpointConfig } = await buildStreamGraph(definition, {
    parallelism,
    parallelismFromCommandLine: submission.parallelism !== undefined,
    parameters,
    configuration,
  });
  return { definition, jobGraph: createJobGraph(streamGraph), parameters, checkpointConfig };
}
