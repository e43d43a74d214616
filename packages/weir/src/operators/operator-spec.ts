/**
 * @module What a StreamGraph node carries for the runtime: a source to read, or a factory for a
 * one-input or two-input operator (and, for sinks, an optional coordinator on the JobManager).
 */
import type { OperatorCoordinator } from './sink.ts';
import type { Source, SourceSplit } from './source.ts';
import type { OperatorFactory } from './stream-operator.ts';
import type { TwoInputOperatorFactory } from './two-input-stream-operator.ts';
import type { WatermarkStrategy } from './watermark-strategy.ts';

export type OperatorSpec =
  | {
      readonly kind: 'source';
      readonly source: Source<unknown, SourceSplit>;
      /** Timestamps and watermarks of the source's records; without one, records keep the source's timestamps and only the final watermark is emitted. */
      readonly watermarkStrategy?: WatermarkStrategy<unknown> | undefined;
      /** `pipeline.auto-watermark-interval` in ms, read when the task starts (0: no periodic watermarks). */
      readonly autoWatermarkInterval?: (() => number) | undefined;
    }
  | {
      readonly kind: 'one-input';
      readonly factory: OperatorFactory<unknown, unknown>;
      readonly createCoordinator?: (() => OperatorCoordinator) | undefined;
      /** The name results of `createCoordinator` are published under, e.g. a collect sink's name. */
      readonly resultName?: string | undefined;
    }
  | {
      readonly kind: 'two-input';
      readonly factory: TwoInputOperatorFactory<unknown, unknown, unknown>;
    };
