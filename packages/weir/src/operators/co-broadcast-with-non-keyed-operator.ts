/**
 * @module The broadcast operator for a non-keyed stream (Flink's CoBroadcastWithNonKeyedOperator):
 * input 1 is the non-broadcast stream, which reads the broadcast state; input 2 the broadcast stream,
 * which every subtask receives whole and which may change it.
 */
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { MapStateDescriptor } from '../state/state-descriptors.ts';
import type { BroadcastProcessContext, BroadcastProcessFunction, ReadOnlyBroadcastProcessContext } from './broadcast-process-functions.ts';
import { BroadcastStates } from './broadcast-states.ts';
import { closeFunction, openFunction } from './functions.ts';
import type { OutputTag } from './output-tag.ts';
import { createRuntimeContext } from './runtime-context.ts';
import type { Output, StreamOperatorContext } from './stream-operator.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { TwoInputWatermark, type InputIndex, type TwoInputStreamOperator } from './two-input-stream-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class CoBroadcastWithNonKeyedOperator<IN1, IN2, OUT> implements TwoInputStreamOperator<IN1, IN2, OUT> {
  readonly #fn: BroadcastProcessFunction<IN1, IN2, OUT>;
  readonly #context: StreamOperatorContext;
  readonly #collector: TimestampedCollector<OUT>;
  readonly #watermark: TwoInputWatermark;
  readonly #states: BroadcastStates;
  readonly #readOnlyContext: ReadOnlyBroadcastProcessContext;
  readonly #broadcastContext: BroadcastProcessContext;

  constructor(fn: BroadcastProcessFunction<IN1, IN2, OUT>, descriptors: readonly MapStateDescriptor<unknown, unknown>[], context: StreamOperatorContext, output: Output<OUT>) {
    this.#fn = fn;
    this.#context = context;
    this.#watermark = new TwoInputWatermark(output);
    this.#collector = new TimestampedCollector(output);
    this.#states = new BroadcastStates(descriptors, context.operatorState, context.description);
    const base = {
      timestamp: (): number | undefined => (this.#collector.timestamp === NO_TIMESTAMP ? undefined : this.#collector.timestamp),
      currentProcessingTime: (): number => context.processingTimeService.now(),
      currentWatermark: (): number => this.#watermark.current,
      output: <X>(tag: OutputTag<X>, value: X): void => {
        output.collectSide(tag, value, this.#collector.timestamp);
      },
    };
    this.#readOnlyContext = { ...base, getBroadcastState: (descriptor) => this.#states.readOnly(descriptor) };
    this.#broadcastContext = { ...base, getBroadcastState: (descriptor) => this.#states.get(descriptor) };
  }

  get userFunction(): unknown {
    return this.#fn;
  }

  async open(): Promise<void> {
    await openFunction(this.#fn, createRuntimeContext(this.#context));
  }

  processElement1(value: IN1, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.#fn.processElement(value, this.#readOnlyContext, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'processElement()', error);
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.#fn.processBroadcastElement(value, this.#broadcastContext, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'processBroadcastElement()', error);
    }
  }

  processWatermark1(timestamp: number): void {
    this.#watermark.watermark(1, timestamp);
  }

  processWatermark2(timestamp: number): void {
    this.#watermark.watermark(2, timestamp);
  }

  processWatermarkStatus1(idle: boolean): void {
    this.#watermark.status(1, idle);
  }

  processWatermarkStatus2(idle: boolean): void {
    this.#watermark.status(2, idle);
  }

  endInput(input: InputIndex): void {
    this.#watermark.endInput(input);
  }

  finish(): void {}

  async close(): Promise<void> {
    await closeFunction(this.#fn);
  }
}
