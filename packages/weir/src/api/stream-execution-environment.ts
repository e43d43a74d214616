/**
 * @module StreamExecutionEnvironment: where a job's graph is built (sources, defaults for parallelism
 * and key groups, chaining, buffer timeout). A job module builds on the one handed to its definition.
 */
import { Configuration } from '../core/configuration.ts';
import { WeirError } from '../core/errors.ts';
import { UPPER_BOUND_MAX_PARALLELISM } from '../core/key-groups.ts';
import { CheckpointConfig, type CheckpointingMode } from '../checkpoint/checkpoint-config.ts';
import { checkInteger, checkNonEmptyString } from '../core/options.ts';
import { StreamGraph } from '../graph/stream-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import type { Source, SourceSplit } from '../operators/source.ts';
import { WatermarkStrategy } from '../operators/watermark-strategy.ts';
import { CollectionSource } from '../connectors/collection-source.ts';
import { SingleOutputStreamOperator } from './data-stream.ts';
import { ExecutionConfig, registerExecutionConfig } from './execution-config.ts';
import { AUTO_WATERMARK_INTERVAL, BUFFER_TIMEOUT, MAX_PARALLELISM, OPERATOR_CHAINING, PARALLELISM_DEFAULT } from './execution-options.ts';
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
  readonly #executionConfig: ExecutionConfig;

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
    this.#executionConfig = new ExecutionConfig(configuration.get(AUTO_WATERMARK_INTERVAL));
    registerExecutionConfig(this.#graph, this.#executionConfig);
  }

  /** Job-wide runtime settings (Flink's ExecutionConfig), e.g. `getConfig().setAutoWatermarkInterval(ms)`. */
  getConfig(): ExecutionConfig {
    return this.#executionConfig;
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

  /**
   * Adds a source; `name` defaults to the source's own. With a WatermarkStrategy, the source task
   * assigns event timestamps and makes watermarks per split (see WatermarkStrategy); without one,
   * records keep the timestamps the source gives them and only the final watermark is emitted.
   *
   * @example
   * env.fromSource(logs, WatermarkStrategy.forBoundedOutOfOrderness<Line>(2_000).withTimestampAssigner((l) => l.time), 'logs');
   */
  fromSource<T, S extends SourceSplit>(source: Source<T, S>, name?: string): SingleOutputStreamOperator<T>;
  fromSource<T, S extends SourceSplit>(source: Source<T, S>, watermarkStrategy: WatermarkStrategy<T>, name?: string): SingleOutputStreamOperator<T>;
  fromSource<T, S extends SourceSplit>(source: Source<T, S>, strategyOrName?: WatermarkStrategy<T> | string, name?: string): SingleOutputStreamOperator<T> {
    let watermarkStrategy: WatermarkStrategy<T> | undefined;
    if (strategyOrName instanceof WatermarkStrategy) watermarkStrategy = strategyOrName;
    else if (strategyOrName !== undefined) {
      if (typeof strategyOrName !== 'string') {
        throw new WeirError('INVALID_OPTION', `fromSource() takes a WatermarkStrategy or a name as its second argument, got ${strategyOrName === null ? 'null' : typeof strategyOrName}`, {
          hint: "e.g. env.fromSource(source, WatermarkStrategy.forMonotonousTimestamps(), 'events') or env.fromSource(source, 'events')",
        });
      }
      name = strategyOrName;
    }
    const config = this.#executionConfig;
    const node = this.#graph.addNode({
      kind: 'source',
      operatorType: `Source: ${source.name}`,
      name: name ?? source.name,
      payload: {
        kind: 'source',
        source: source as unknown as Source<unknown, SourceSplit>,
        watermarkStrategy: watermarkStrategy as WatermarkStrategy<unknown> | undefined,
        autoWatermarkInterval: () => config.getAutoWatermarkInterval(),
      },
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
