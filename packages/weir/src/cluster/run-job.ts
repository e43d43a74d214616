/**
 * @module runJob: the programmatic way to run a job module in local mode and wait for its result.
 */
import { isMainThread } from 'node:worker_threads';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JobExecutionResult } from './job-execution-result.ts';
import { loadConfigFile } from './config-file.ts';
import { jobModuleUrl } from './job-loader.ts';
import { executeJob } from './mini-cluster.ts';
import { printError } from './print-error.ts';

export interface RunJobOptions {
  /** The export holding the JobDefinition; by default the module's only one. */
  readonly exportName?: string | undefined;
  /** Job parameters, as `weir run job.ts --key value` would pass them. */
  readonly args?: Readonly<Record<string, string | number | boolean>> | undefined;
  /** Default parallelism; weir.yaml's `parallelism.default`, else the number of cores, when absent. */
  readonly parallelism?: number | undefined;
  /** Settings with Flink's keys; by default those of weir.yaml (see `loadConfigFile`), if there is one. */
  readonly configuration?: Readonly<Record<string, unknown>> | undefined;
  /** Start from a retained checkpoint: its path, or `latest` (under `state.checkpoints.dir`). */
  readonly fromCheckpoint?: string | undefined;
  /** Start from a savepoint: the path of its directory (or of its `_metadata`). */
  readonly fromSavepoint?: string | undefined;
  /** Drop restored state of operators no longer in the job instead of failing. */
  readonly allowNonRestoredState?: boolean | undefined;
}

/**
 * Runs the job exported by `module` (a path or `file:` URL) to its end and returns the result.
 *
 * @example
 * const result = await runJob(new URL('./count-job.ts', import.meta.url), { parallelism: 2 });
 * console.log(result.getCollected('counts'));
 */
export async function runJob(module: string | URL, options: RunJobOptions = {}): Promise<JobExecutionResult> {
  const args: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.args ?? {})) args[name] = String(value);
  return executeJob({
    module: jobModuleUrl(module),
    exportName: options.exportName,
    args,
    parallelism: options.parallelism,
    configuration: options.configuration ?? loadConfigFile().entries,
    fromCheckpoint: options.fromCheckpoint,
    fromSavepoint: options.fromSavepoint,
    allowNonRestoredState: options.allowNonRestoredState,
  });
}

/**
 * True when the module at `moduleUrl` is the program's entry point on the main thread: a job module
 * that is also a script runs its script part only there, never in the workers that import it.
 */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!isMainThread || entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * Runs `main` when the module at `moduleUrl` is the program's entry point (see isMainModule), after the
 * module has finished loading: a job module must not await at its top level, because the JobManager
 * imports the same module to build the job. A failure is printed as one clear message and sets a
 * non-zero exit code.
 *
 * @example
 * export const job = defineJob('pageviews', (env) => { ... });
 * runIfMain(import.meta.url, async () => {
 *   const result = await runJob(import.meta.url);
 * });
 */
export function runIfMain(moduleUrl: string, main: () => Promise<number | void>): void {
  if (!isMainModule(moduleUrl)) return;
  setImmediate(() => {
    main().then(
      (code) => {
        process.exitCode = code ?? 0;
      },
      (error: unknown) => {
        printError(error);
        process.exitCode = 1;
      },
    );
  });
}
