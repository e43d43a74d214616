/**
 * @module StreamExecutionEnvironment: where a job's graph is built (sources, defaults for parallelism
 * and key groups, chaining, buffer timeout). A job module builds on the one handed to its definition.
 */
import { Configuration } from '../core/configuration.ts';
import { UPPER_BOUND_MAX_PARALLELISM } from '../core/key-groups.ts';
import { CheckpointConfig, type CheckpointingMode } from '../checkpoint/checkpoint-config.ts';
import { checkInteger, checkNonEmptyString } from '../core/options.ts';
import { StreamGraph } from '../graph/stream-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import type { Source, SourceSplit } from '../operators/source.ts';
import { CollectionSource } from '../connectors/collection-source.ts';
import { SingleOutputStreamOperator } from './data-stream.ts';
import { BUFFER_TIMEOUT, MAX_PARALLELISM, OPERATOR_CHAINING, PARALLELISM_DEFAULT } from './execution-options.ts';
import type { JobParameters } from './job-parameters.ts';

export interface StreamExecutionEnvironmentOptions {
  readonly jobName: string;
  /**
   * The default parallelism: from `-p`, else `parallelism.default` of the configuration, else this
   * value (the number of cores); the job's own `setParallelism` overrides it.
   */
  readonly parallelism: number;
  /** True when `parallelism` came from the command line and wins over the configuration. */
  readonly parallelismFromCommandLine?: boolean | undefined;
  readonly parameters: JobParameters;
  /** weir.yaml's settings (Flink's keys); the job's code overrides them. */
  readonly configuration?: Configuration | undefined;
}

export class StreamExecutionEnvironment {
  readonly #graph: StreamGraph<OperatorSpec>;
  readonly #parameters: JobParameters;
  readonly #checkpointConfig: CheckpointConfig;

  constructor(options: StreamExecutionEnvironmentOptions) {
    const configuration = options.configuration ?? new Configuration();
    const configured = configuration.get(PARALLELISM_DEFAULT);
    const parallelism = options.parallelismFromCommandLine === true || configured === undefined ? options.parallelism : configured;
    this.#graph = new StreamGraph<OperatorSpec>({
      jobName: options.jobName,
      parallelism: checkInteger('parallelism', parallelism, 1, UPPER_BOUND_MAX_PARALLELISM),
      maxParallelism: configuration.get(MAX_PARALLELISM),
      chainingEnabled: configuration.get(OPERATOR_CHAINING),
      bufferTimeoutMs: configuration.get(BUFFER_TIMEOUT),
    });
    this.#parameters = options.parameters;
    this.#checkpointConfig = CheckpointConfig.fromConfiguration(configuration);
  }

  /**
   * Takes a checkpoint every `intervalMs` (Flink's `enableCheckpointing`); `mode` defaults to
   * EXACTLY_ONCE. Fine-tune it through `getCheckpointConfig()`.
   */
  enableCheckpointing(intervalMs: number, mode?: CheckpointingMode): this {
    this.#checkpointConfig.setCheckpointInterval(intervalMs);
    if (mode !== undefined) this.#checkpointConfig.setCheckpointingConsistencyMode(mode);
    return this;
  }

  /** The job's checkpointing settings (weir.yaml's, then what the job sets). */
  getCheckpointConfig(): CheckpointConfig {
    return this.#checkpointConfig;
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
