/**
 * @module ExecutionConfig (Flink's `env.getConfig()`): job-wide runtime settings the operators read
 * when they start, such as the auto-watermark interval.
 */
import { checkInteger } from '../core/options.ts';

/** Job-wide runtime settings; weir.yaml's values first, then what the job sets. */
export class ExecutionConfig {
  #autoWatermarkInterval: number;

  constructor(autoWatermarkInterval: number) {
    this.#autoWatermarkInterval = autoWatermarkInterval;
  }

  /**
   * How often sources and `assignTimestampsAndWatermarks` ask their watermark generators for a
   * watermark, in ms (`pipeline.auto-watermark-interval`, 200 by default); 0 turns periodic
   * watermarks off (punctuated generators still emit on events).
   */
  setAutoWatermarkInterval(ms: number): this {
    this.#autoWatermarkInterval = checkInteger('autoWatermarkInterval', ms, 0, 3_600_000, 'env.getConfig().setAutoWatermarkInterval()');
    return this;
  }

  getAutoWatermarkInterval(): number {
    return this.#autoWatermarkInterval;
  }
}

const configs = new WeakMap<object, ExecutionConfig>();

/** Ties an environment's config to its graph, so streams built on the graph can read it when the job runs. */
export function registerExecutionConfig(graph: object, config: ExecutionConfig): void {
  configs.set(graph, config);
}

/** The config of the environment that built `graph` (Flink's defaults when there is none). */
export function executionConfigOf(graph: object): ExecutionConfig {
  let config = configs.get(graph);
  if (config === undefined) {
    config = new ExecutionConfig(200);
    configs.set(graph, config);
  }
  return config;
}
