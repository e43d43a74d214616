/**
 * @module The broadcast operator for a non-keyed stream (Flink's CoBroadcastWithNonKeyedOperator):
 * input 1 is the non-broadcast stream, which reads the broadcast state; input 2 the broadcast stream,
 * which every subtask receives whole and which may change it.
 */
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { MapStateDescriptor } from '../state/state-descriptors.ts';
import type { BroadcastProcessContext, BroadcastProcessFunction, ReadOnlyBroadcastProcessContext } from './broadcast-process-functions.ts';
import { BroadcastStates } from './broadcast-states.ts';
import type { OutputTag } from './output-tag.ts';
import type { Output, StreamOperatorContext } from './stream-operator.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { TwoInputFunctionOperator } from './two-input-function-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class CoBroadcastWithNonKeyedOperator<IN1, IN2, OUT> extends TwoInputFunctionOperator<BroadcastProcessFunction<IN1, IN2, OUT>, IN1, IN2, OUT> {
  readonly #collector: TimestampedCollector<OUT>;
  readonly #states: BroadcastStates;
  readonly #readOnlyContext: ReadOnlyBroadcastProcessContext;
  readonly #broadcastContext: BroadcastProcessContext;

  constructor(fn: BroadcastProcessFunction<IN1, IN2, OUT>, descriptors: readonly MapStateDescriptor<unknown, unknown>[], context: StreamOperatorContext, output: Output<OUT>) {
    super(fn, context, output);
    this.#collector = new TimestampedCollector(output);
    this.#states = new BroadcastStates(descriptors, context.operatorState, context.description);
    const base = {
      timestamp: (): number | undefined => (this.#collector.timestamp === NO_TIMESTAMP ? undefined : this.#collector.timestamp),
      currentProcessingTime: (): number => context.processingTimeService.now(),
      currentWatermark: (): number => this.watermark.current,
      output: <X>(tag: OutputTag<X>, value: X): void => {
        output.collectSide(tag, value, this.#collector.timestamp);
      },
    };
    this.#readOnlyContext = { ...base, getBroadcastState: (descriptor) => this.#states.readOnly(descriptor) };
    this.#broadcastContext = { ...base, getBroadcastState: (descriptor) => this.#states.get(descriptor) };
  }

  processElement1(value: IN1, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.fn.processElement(value, this.#readOnlyContext, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'processElement()', error);
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    this.#collector.timestamp = timestamp;
    try {
      this.fn.processBroadcastElement(value, this.#broadcastContext, this.#collector);
    } catch (error) {
      throw userFunctionFailed(this.context.description, 'processBroadcastElement()', error);
    }
  }
}
