/**
 * @module What every two-input operator that runs one user function shares: the function's lifecycle,
 * and event time as the combined watermark of both inputs (advancing the operator's timers, if any).
 */
import { closeFunction, openFunction } from './functions.ts';
import type { InternalTimerService } from './internal-timer-service.ts';
import { createRuntimeContext } from './runtime-context.ts';
import type { Output, StreamOperatorContext } from './stream-operator.ts';
import { TwoInputWatermark, type InputIndex, type TwoInputStreamOperator } from './two-input-stream-operator.ts';

type OperatorTimers = Pick<InternalTimerService<never>, 'start' | 'dispose' | 'advanceWatermark'>;

/**
 * Subclasses handle the records of each input; watermarks, watermark statuses and ended inputs go to
 * the combined `watermark`. An operator with timers hands them to `useTimers` in its constructor so
 * they fire as event time advances, start on open and are released on finish and close.
 */
export abstract class TwoInputFunctionOperator<F, IN1, IN2, OUT> implements TwoInputStreamOperator<IN1, IN2, OUT> {
  protected readonly fn: F;
  protected readonly context: StreamOperatorContext;
  protected readonly watermark: TwoInputWatermark;
  #timers: OperatorTimers | undefined;

  protected constructor(fn: F, context: StreamOperatorContext, output: Output<OUT>) {
    this.fn = fn;
    this.context = context;
    this.watermark = new TwoInputWatermark(output, (watermark) => {
      this.#timers?.advanceWatermark(watermark);
    });
  }

  /** Registers the operator's timers (once, from the subclass constructor) and returns them. */
  protected useTimers<T extends OperatorTimers>(timers: T): T {
    this.#timers = timers;
    return timers;
  }

  get userFunction(): unknown {
    return this.fn;
  }

  async open(): Promise<void> {
    await openFunction(this.fn, createRuntimeContext(this.context));
    this.#timers?.start();
  }

  abstract processElement1(value: IN1, timestamp: number): void;
  abstract processElement2(value: IN2, timestamp: number): void;

  processWatermark1(timestamp: number): void {
    this.watermark.watermark(1, timestamp);
  }

  processWatermark2(timestamp: number): void {
    this.watermark.watermark(2, timestamp);
  }

  processWatermarkStatus1(idle: boolean): void {
    this.watermark.status(1, idle);
  }

  processWatermarkStatus2(idle: boolean): void {
    this.watermark.status(2, idle);
  }

  endInput(input: InputIndex): void {
    this.watermark.endInput(input);
  }

  finish(): void {
    this.#timers?.dispose();
  }

  async close(): Promise<void> {
    this.#timers?.dispose();
    await closeFunction(this.fn);
  }
}
