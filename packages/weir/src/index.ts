/**
 * @module weir's public API: define jobs with the DataStream API, run them, and the contracts for
 * functions, state, sources, sinks and serializers.
 */
export { WeirError, isWeirError, type WeirErrorCode } from './core/errors.ts';
export type { JobId, OperatorUid, CheckpointId, SubtaskIndex } from './core/ids.ts';
export { KeyGroupRange, DEFAULT_MAX_PARALLELISM, keyGroupOf, keyGroupRangeForSubtask, subtaskForKeyGroup, type Key } from './core/key-groups.ts';
export { ManualClock, systemClock, type Clock } from './core/clock.ts';
export type { Logger, LogLevel } from './core/logger.ts';

export { Types, type ObjectOf, type TupleOf } from './types/types.ts';
export type { TypeSerializer, TypeDescription, TypeOf } from './types/type-serializer.ts';
export { DataInput } from './types/data-input.ts';
export { DataOutput } from './types/data-output.ts';

export {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
  type StateDescriptor,
} from './state/state-descriptors.ts';
export type { State, ValueState, ListState, MapState, ReducingState, AggregatingState } from './state/state.ts';
export type { AggregateFunction, ReduceFunction } from './state/aggregate-function.ts';

export {
  RichFunction,
  RichMapFunction,
  RichFilterFunction,
  RichFlatMapFunction,
  ProcessFunction,
  KeyedProcessFunction,
  isCheckpointListener,
  isCheckpointedFunction,
  type CheckpointListener,
  type CheckpointedFunction,
  type FunctionInitializationContext,
  type FunctionSnapshotContext,
  type OperatorStateStore,
  type Collector,
  type FilterFunction,
  type FlatMapFunction,
  type JobInfo,
  type KeySelector,
  type KeyedProcessContext,
  type MapFunction,
  type OnTimerContext,
  type OpenContext,
  type ProcessContext,
  type RuntimeContext,
  type TaskInfo,
  type TimeDomain,
  type TimerService,
} from './operators/functions.ts';
export type {
  Boundedness,
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from './operators/source.ts';
export type { OperatorCoordinator, Sink, SinkWriter, SinkWriterContext } from './operators/sink.ts';

export { defineJob, isJobDefinition, type JobBuilder, type JobDefinition } from './api/job-definition.ts';
export { JobParameters } from './api/job-parameters.ts';
export { StreamExecutionEnvironment } from './api/stream-execution-environment.ts';
export { DataStream, DataStreamSink, KeyedStream, SingleOutputStreamOperator, type NumericField } from './api/data-stream.ts';

export { CollectionSource, type CollectionSplit } from './connectors/collection-source.ts';
export { DataGeneratorSource, seededRandom, randomInt, type DataGeneratorSourceOptions, type DataGeneratorSplit } from './connectors/datagen-source.ts';
export { LogSource, logPartitionFileName, type LogSourceOptions, type LogSplit } from './connectors/log-source.ts';
export { LogWriter, writeLogPartitions } from './connectors/log-writer.ts';
export { PrintSink, type PrintSinkOptions } from './connectors/print-sink.ts';
export { CollectSink, type CollectSinkOptions } from './connectors/collect-sink.ts';

export { MiniCluster, executeJob, type JobClient, type MiniClusterOptions } from './cluster/mini-cluster.ts';
export { JobExecutionResult } from './cluster/job-execution-result.ts';
export { jobModuleUrl, type JobSubmission } from './cluster/job-loader.ts';
export { loadConfigFile, CONFIG_FILE_NAME, type LoadedConfigFile } from './cluster/config-file.ts';
export { Configuration, type ConfigOption } from './core/configuration.ts';
export {
  CheckpointConfig,
  type CheckpointConfigData,
  type CheckpointingMode,
  type ExternalizedCheckpointRetention,
} from './checkpoint/checkpoint-config.ts';
export type { CheckpointStatsSnapshot, CheckpointStats, SubtaskCheckpointStats } from './checkpoint/checkpoint-stats-tracker.ts';
export type { CheckpointStorage, CheckpointLocation, CompletedCheckpointRef } from './checkpoint/checkpoint-storage.ts';
export type { CheckpointMetadata, StateHandle, KeyedStateHandle, SubtaskState, OperatorSnapshot } from './checkpoint/checkpoint-metadata.ts';
export { FileCheckpointStorage } from './checkpoint/file-checkpoint-storage.ts';
export { MemoryCheckpointStorage } from './checkpoint/memory-checkpoint-storage.ts';
export { NodeCheckpointFileSystem } from './checkpoint/node-checkpoint-file-system.ts';
export type { CheckpointFileSystem } from './checkpoint/checkpoint-file-system.ts';
export type { JobStatus } from './cluster/job-status.ts';
export { runJob, runIfMain, isMainModule, type RunJobOptions } from './cluster/run-job.ts';
