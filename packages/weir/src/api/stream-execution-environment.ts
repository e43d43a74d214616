/**
 * @module StreamExecutionEnvironment: where a job's graph is built (sources, defaults for parallelism
 * and key groups, chaining, buffer timeout). A job module builds on the one handed to its definition.
 */
import { UPPER_BOUND_MAX_PARALLELISM } from '../core/key-groups.ts';
import { checkInteger, checkNonEmptyString } from '../core/options.ts';
import { StreamGraph } from '../graph/stream-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import type { Source, SourceSplit } from '../operators/source.ts';
import { CollectionSource } from '../connectors/collection-source.ts';
import { SingleOutputStreamOperator } from './data-stream.ts';
import type { JobParameters } from './job-parameters.ts';

/** Flink's default buffer timeout: a partly filled batch waits at most this long while a slot is busy. */
export const DEFAULT_BUFFER_TIMEOUT_MS = 100;

export interface StreamExecutionEnvironmentOptions {
  readonly jobName: string;
  /** The default parallelism (from `-p` or the number of cores); the job may override it. */
  readonly parallelism: number;
  readonly parameters: JobParameters;
}

export class StreamExecutionEnvironment {
  readonly #graph: StreamGraph<OperatorSpec>;
  readonly #parameters: JobParameters;

  constructor(options: StreamExecutionEnvironmentOptions) {
    this.#graph = new StreamGraph<OperatorSpec>({
      jobName: options.jobName,
      parallelism: checkInteger('parallelism', options.parallelism, 1, UPPER_BOUND_MAX_PARALLELISM),
      maxParallelism: undefined,
      chainingEnabled: true,
      bufferTimeoutMs: DEFAULT_BUFFER_TIMEOUT_MS,
    });
    this.#parameters = options.parameters;
  }

  /** The job's arguments. */
  getJobParameters(): JobParameters {
    return this.#parameters;
  }

  /** The default parallelism of every operator that does not set its own. */
  setParallelism(parallelism: number): this {
    this.#graph.config.parallelism = checkInteger('parallelism', parallelism, 1, UPPER_BOUND_MAX_PARALLELISM, 'env.setParallelism()');
    return this;
  }

  getParallelism(): number {
    return this.#graph.config.parallelism;
  }

  /** The default number of key groups (the upper bound for rescaling keyed state). */
  setMaxParallelism(maxParallelism: number): this {
    this.#graph.config.maxParallelism = checkInteger('maxParallelism', maxParallelism, 1, UPPER_BOUND_MAX_PARALLELISM, 'env.setMaxParallelism()');
    return this;
  }

  getMaxParallelism(): number | undefined {
    return this.#graph.config.maxParallelism;
  }

  /** Longest time a partly filled batch waits before it is sent, in ms; 0 sends after every step. */
  setBufferTimeout(ms: number): this {
    this.#graph.config.bufferTimeoutMs = checkInteger('bufferTimeout', ms, 0, 3_600_000, 'env.setBufferTimeout()');
    return this;
  }

  /** Runs every operator in its own task (no chaining); for debugging. */
  disableOperatorChaining(): this {
    this.#graph.config.chainingEnabled = false;
    return this;
  }

  setJobName(name: string): this {
    this.#graph.config.jobName = checkNonEmptyString('jobName', name, 'env.setJobName()');
    return this;
  }

  /** Adds a source; `name` defaults to the source's own. */
  fromSource<T, S extends SourceSplit>(source: Source<T, S>, name?: string): SingleOutputStreamOperator<T> {
    const node = this.#graph.addNode({
      kind: 'source',
      operatorType: `Source: ${source.name}`,
      name: name ?? source.name,
      payload: { kind: 'source', source: source as unknown as Source<unknown, SourceSplit> },
      stateful: true,
      keyed: false,
      outputType: source.outputType,
      fixedParallelism: source.maxParallelism === 1 ? 1 : undefined,
    });
    return new SingleOutputStreamOperator<T>(this.#graph, node, source.outputType);
  }

  /** A bounded, non-parallel stream of the given values, in order. */
  fromData<T>(...values: T[]): SingleOutputStreamOperator<T> {
    return this.fromSource(new CollectionSource<T>(values), 'Collection Source');
  }

  /** The graph built so far. */
  getStreamGraph(): StreamGraph<OperatorSpec> {
    return this.#graph;
  }
}
