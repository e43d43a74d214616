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
export {
  CoProcessFunction,
  KeyedCoProcessFunction,
  RichCoFlatMapFunction,
  RichCoMapFunction,
  type CoFlatMapFunction,
  type CoMapFunction,
} from './operators/co-functions.ts';
export {
  BroadcastProcessFunction,
  KeyedBroadcastProcessFunction,
  type BaseBroadcastProcessContext,
  type BroadcastProcessContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastProcessContext,
  type KeyedReadOnlyBroadcastProcessContext,
  type ReadOnlyBroadcastProcessContext,
} from './operators/broadcast-process-functions.ts';
export {
  ProcessJoinFunction,
  RichCoGroupFunction,
  RichFlatJoinFunction,
  RichJoinFunction,
  type CoGroupFunction,
  type FlatJoinFunction,
  type JoinFunction,
  type ProcessJoinContext,
} from './operators/join-functions.ts';
export type { BroadcastState, ReadOnlyBroadcastState } from './state/broadcast-state.ts';
export { OutputTag } from './operators/output-tag.ts';
export { WatermarkStrategy } from './operators/watermark-strategy.ts';
export type {
  TimestampAssigner,
  WatermarkGenerator,
  WatermarkGeneratorSupplier,
  WatermarkGeneratorSupplierContext,
  WatermarkOutput,
} from './operators/watermark-generator.ts';
export { AscendingTimestampsWatermarks, BoundedOutOfOrdernessWatermarks } from './operators/bounded-out-of-orderness-watermarks.ts';
export { Window, TimeWindow, GlobalWindow, type WindowSerializer } from './operators/windowing/window.ts';
export { WindowAssigner, MergingWindowAssigner, type MergeCallback, type WindowAssignerContext } from './operators/windowing/window-assigner.ts';
export { TumblingEventTimeWindows } from './operators/windowing/tumbling-event-time-windows.ts';
export { SlidingEventTimeWindows } from './operators/windowing/sliding-event-time-windows.ts';
export { EventTimeSessionWindows } from './operators/windowing/event-time-session-windows.ts';
export { TumblingProcessingTimeWindows } from './operators/windowing/tumbling-processing-time-windows.ts';
export { SlidingProcessingTimeWindows } from './operators/windowing/sliding-processing-time-windows.ts';
export { ProcessingTimeSessionWindows } from './operators/windowing/processing-time-session-windows.ts';
export { GlobalWindows, NeverTrigger } from './operators/windowing/global-windows.ts';
export { Trigger, TriggerResult, type TriggerContext, type OnMergeContext } from './operators/windowing/trigger.ts';
export { EventTimeTrigger } from './operators/windowing/event-time-trigger.ts';
export { ProcessingTimeTrigger } from './operators/windowing/processing-time-trigger.ts';
export { CountTrigger } from './operators/windowing/count-trigger.ts';
export { PurgingTrigger } from './operators/windowing/purging-trigger.ts';
export { CountEvictor } from './operators/windowing/count-evictor.ts';
export type { Evictor, EvictorContext, TimestampedValue } from './operators/windowing/evictor.ts';
export {
  ProcessWindowFunction,
  type KeyedStateStore,
  type ProcessWindowFunctionContext,
  type ProcessWindowFunctionLike,
} from './operators/windowing/process-window-function.ts';
export {
  ProcessAllWindowFunction,
  type ProcessAllWindowFunctionContext,
  type ProcessAllWindowFunctionLike,
} from './operators/windowing/process-all-window-function.ts';
export {
  END_OF_INPUT_CHECKPOINT_ID,
  isTwoPhaseCommittingSink,
  type CommittingSinkContext,
  type CommittingSinkWriter,
  type Committer,
  type DeliveryGuarantee,
  type TwoPhaseCommittingSink,
} from './operators/sink.ts';

export { defineJob, isJobDefinition, type JobBuilder, type JobDefinition } from './api/job-definition.ts';
export { JobParameters } from './api/job-parameters.ts';
export { StreamExecutionEnvironment } from './api/stream-execution-environment.ts';
export { ExecutionConfig } from './api/execution-config.ts';
export { DataStream, DataStreamSink, KeyedStream, SingleOutputStreamOperator, type NumericField } from './api/data-stream.ts';
export { AllWindowedStream, WindowedStream } from './api/data-stream.ts';
export {
  BroadcastConnectedStream,
  BroadcastStream,
  ConnectedStreams,
  IntervalJoin,
  IntervalJoined,
  KeyedConnectedStreams,
  JoinedStreams,
  CoGroupedStreams,
  WindowJoinWhere,
  WindowJoinEqualTo,
  WindowJoinWithWindow,
} from './api/data-stream.ts';

export { CollectionSource, type CollectionSplit } from './connectors/collection-source.ts';
export { DataGeneratorSource, seededRandom, randomInt, type DataGeneratorSourceOptions, type DataGeneratorSplit } from './connectors/datagen-source.ts';
export { LogSource, logPartitionFileName, type LogSourceOptions, type LogSplit } from './connectors/log-source.ts';
export { LogWriter, writeLogPartitions } from './connectors/log-writer.ts';
export { PrintSink, type PrintSinkOptions } from './connectors/print-sink.ts';
export { CollectSink, type CollectSinkOptions } from './connectors/collect-sink.ts';
export {
  FileSink,
  FileSinkBuilder,
  DEFAULT_ROLLING_POLICY,
  dateTimeBucketAssigner,
  defaultFileSinkEncoder,
  type BucketAssigner,
  type BucketAssignerContext,
  type FileSinkCommittable,
  type FileSinkEncoder,
  type OutputFileConfig,
  type RollingPolicy,
} from './connectors/file-sink.ts';
export { PostgresSink, type PostgresSinkOptions } from './connectors/postgres-sink.ts';
export { MariaDbSink, type MariaDbSinkOptions } from './connectors/mariadb-sink.ts';
export type { SqlConnectionOptions, SqlSinkOptions } from './connectors/sql-sink-options.ts';
export type { SqlTransactionCommittable } from './connectors/sql-sink-database.ts';
export { NexmarkTypes, eventTimestamp, type Person, type Auction, type Bid, type NexmarkEvent, type NexmarkEventType } from './connectors/nexmark/nexmark-model.ts';
export {
  NexmarkGenerator,
  FIRST_PERSON_ID,
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  type NexmarkGeneratorOptions,
  type NexmarkGeneratorConfig,
} from './connectors/nexmark/nexmark-generator.ts';
export { NexmarkSource, type NexmarkSourceOptions, type NexmarkSplit } from './connectors/nexmark/nexmark-source.ts';

export { MiniCluster, executeJob, type JobClient, type MiniClusterOptions } from './cluster/mini-cluster.ts';
export type { SavepointFormatType, StopWithSavepointOptions, TriggerSavepointOptions } from './cluster/job-savepoints.ts';
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
export type { CheckpointFileSystem, FileBytes, WriteFileOptions } from './checkpoint/checkpoint-file-system.ts';
export type { JobStatus } from './cluster/job-status.ts';
export type { SubtaskMetrics, SubtaskStatus } from './cluster/task-metrics.ts';
export type { JobGraphDescription } from './graph/job-graph.ts';
export { runJob, runIfMain, isMainModule, type RunJobOptions } from './cluster/run-job.ts';
