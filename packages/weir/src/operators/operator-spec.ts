/**
 * @module What a StreamGraph node carries for the runtime: a source to read, or a factory for a
 * one-input operator (and, for sinks, an optional coordinator on the JobManager).
 */
import type { OperatorCoordinator } from './sink.ts';
import type { Source, SourceSplit } from './source.ts';
import type { OperatorFactory } from './stream-operator.ts';

export type OperatorSpec =
  | { readonly kind: 'source'; readonly source: Source<unknown, SourceSplit> }
  | {
      readonly kind: 'one-input';
      readonly factory: OperatorFactory<unknown, unknown>;
      readonly createCoordinator?: (() => OperatorCoordinator) | undefined;
      /** The name results of `createCoordinator` are published under, e.g. a collect sink's name. */
      readonly resultName?: string | undefined;
    };
