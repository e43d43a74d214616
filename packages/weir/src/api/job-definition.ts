/**
 * @module A job is a module that exports a JobDefinition. The JobManager and every worker import the
 * module and build the same graph from it (functions cannot cross threads or hosts), then each side
 * does its part: the JobManager plans and deploys, a worker runs the subtasks it was given.
 */
import { WeirError, describeCause } from '../core/errors.ts';
import { checkNonEmptyString } from '../core/options.ts';
import type { Configuration } from '../core/configuration.ts';
import type { CheckpointConfigData } from '../checkpoint/checkpoint-config.ts';
import type { StreamGraph } from '../graph/stream-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import type { JobParameters } from './job-parameters.ts';
import { StreamExecutionEnvironment } from './stream-execution-environment.ts';

const JOB_DEFINITION = Symbol.for('weir.JobDefinition');

/** Builds a job's graph on the environment it is given; must build the same graph every time it runs. */
export type JobBuilder = (env: StreamExecutionEnvironment, params: JobParameters) => void | Promise<void>;

export interface JobDefinition {
  readonly [JOB_DEFINITION]: true;
  readonly name: string;
  readonly build: JobBuilder;
}

/**
 * Defines a job. Export the result from the job's module; run it with `weir run <module>`.
 *
 * @example
 * export const job = defineJob('pageviews', (env) => {
 *   env.fromSource(new LogSource({ path: 'data/pageviews' }), 'logs').uid('logs')
 *     .map(parse).uid('parse')
 *     .keyBy((view) => view.appId)
 *     .process(new CountPerApp()).uid('count')
 *     .print();
 * });
 */
export function defineJob(name: string, build: JobBuilder): JobDefinition {
  checkNonEmptyString('name', name, 'defineJob()');
  if (typeof build !== 'function') {
    throw new WeirError('INVALID_OPTION', `defineJob('${name}', build): build must be a function (env, params) => { ... }`);
  }
  return Object.freeze({ [JOB_DEFINITION]: true as const, name, build });
}

export function isJobDefinition(value: unknown): value is JobDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[JOB_DEFINITION] === true;
}

export interface BuildOptions {
  /** Default parallelism before the job's own `env.setParallelism`. */
  readonly parallelism: number;
  /** True when `parallelism` came from the command line (`-p`), which wins over weir.yaml. */
  readonly parallelismFromCommandLine?: boolean | undefined;
  readonly parameters: JobParameters;
  readonly configuration?: Configuration | undefined;
}

/** What building a job produces: its graph and its checkpointing settings. */
export interface BuiltJob {
  readonly streamGraph: StreamGraph<OperatorSpec>;
  readonly checkpointConfig: CheckpointConfigData;
}

/** Runs a job's builder on a fresh environment and returns what it built. */
export async function buildStreamGraph(job: JobDefinition, options: BuildOptions): Promise<BuiltJob> {
  const env = new StreamExecutionEnvironment({
    jobName: job.name,
    parallelism: options.parallelism,
    parallelismFromCommandLine: options.parallelismFromCommandLine,
    parameters: options.parameters,
    configuration: options.configuration,
  });
  try {
    await job.build(env, options.parameters);
  } catch (error) {
    if (error instanceof WeirError) throw error;
    throw new WeirError('JOB_MODULE_FAILED', `building job '${job.name}' failed: ${describeCause(error)}`, { cause: error });
  }
  return { streamGraph: env.getStreamGraph(), checkpointConfig: env.getCheckpointConfig().toJSON() };
}

/** Finds the job a module exports: `exportName` if given, else the only JobDefinition export. */
export function findJob(module: Record<string, unknown>, where: string, exportName?: string): JobDefinition {
  if (exportName !== undefined) {
    const value = module[exportName];
    if (!isJobDefinition(value)) {
      throw new WeirError('JOB_NOT_FOUND', `${where} has no job export named '${exportName}'`, {
        hint: `export it: export const ${exportName} = defineJob('name', (env) => { ... })`,
      });
    }
    return value;
  }
  // one job exported under two names is still one job
  const jobs = [...new Map(Object.entries(module).filter(([, value]) => isJobDefinition(value)).map(([name, value]) => [value, name])).entries()].map(([value, name]) => [name, value] as const);
  if (jobs.length === 1) return (jobs[0] as [string, JobDefinition])[1];
  if (jobs.length === 0) {
    throw new WeirError('JOB_NOT_FOUND', `${where} exports no job`, {
      hint: "export one: export const job = defineJob('my-job', (env) => { env.fromSource(...)...sinkTo(...); })",
    });
  }
  throw new WeirError('JOB_NOT_FOUND', `${where} exports ${jobs.length} jobs (${jobs.map(([n]) => n).join(', ')})`, {
    hint: 'choose one with --job <export name>',
  });
}
