/**
 * @module The contract of an operator with two inputs (Flink's TwoInputStreamOperator): records,
 * watermarks and watermark statuses of each input arrive through their own methods; the operator's
 * event time is the minimum of its inputs' watermarks, and it finishes once both inputs ended.
 */
import { MAX_WATERMARK } from '../core/stream-element.ts';
import type { OneInputStreamOperator, Output, StreamOperatorContext } from './stream-operator.ts';

/** Which input of a two-input operator: 1 (the first, `a` in `a.connect(b)`) or 2. */
export type InputIndex = 1 | 2;

/**
 * The lifecycle (`open`, `finish`, `close`), `userFunction` and checkpoint hooks are those of every
 * operator; records, watermarks and statuses come per input.
 */
// OUT is what the operator emits through its Output; it types the factories, not the methods.
export interface TwoInputStreamOperator<IN1, IN2, OUT>
  extends Omit<OneInputStreamOperator<unknown, OUT>, 'processElement' | 'processWatermark' | 'processWatermarkStatus'> {
  processElement1(value: IN1, timestamp: number): void;
  processElement2(value: IN2, timestamp: number): void;
  /** The watermark of input 1 (combined over its channels) advanced. */
  processWatermark1(timestamp: number): void;
  processWatermark2(timestamp: number): void;
  /** Input 1 became idle (its watermark stops holding event time back) or active again. */
  processWatermarkStatus1(idle: boolean): void;
  processWatermarkStatus2(idle: boolean): void;
  /** Input `input` ended (Flink's BoundedMultiInput): none of its records follows and it holds time back no more. */
  endInput(input: InputIndex): void;
}

/** Creates the two-input operator instance of one subtask; the API builds these, the runtime calls them. */
export type TwoInputOperatorFactory<IN1, IN2, OUT> = (context: StreamOperatorContext, output: Output<OUT>) => TwoInputStreamOperator<IN1, IN2, OUT>;

interface InputTime {
  watermark: number;
  idle: boolean;
}

/**
 * The event time of a two-input operator (Flink's CombinedWatermarkStatus): the minimum of the
 * watermarks of its active inputs, an ended input counting as past every time. The operator is idle
 * while both inputs are; while it is, the watermark does not move.
 */
export class TwoInputWatermark {
  readonly #inputs: [InputTime, InputTime] = [
    { watermark: Number.NEGATIVE_INFINITY, idle: false },
    { watermark: Number.NEGATIVE_INFINITY, idle: false },
  ];
  readonly #output: Pick<Output<unknown>, 'emitWatermark' | 'emitWatermarkStatus'>;
  readonly #onAdvance: ((watermark: number) => void) | undefined;
  #combined = Number.NEGATIVE_INFINITY;
  #idle = false;

  /** `onAdvance` runs before the new watermark is emitted (to fire event-time timers). */
  constructor(output: Pick<Output<unknown>, 'emitWatermark' | 'emitWatermarkStatus'>, onAdvance?: (watermark: number) => void) {
    this.#output = output;
    this.#onAdvance = onAdvance;
  }

  /** The combined watermark so far. */
  get current(): number {
    return this.#combined;
  }

  /** A new watermark of `input`. */
  watermark(input: InputIndex, timestamp: number): void {
    const time = this.#inputs[input - 1] as InputTime;
    if (timestamp <= time.watermark) return;
    time.watermark = timestamp;
    this.#update();
  }

  /** `input` became idle or active again. */
  status(input: InputIndex, idle: boolean): void {
    const time = this.#inputs[input - 1] as InputTime;
    if (time.idle === idle) return;
    time.idle = idle;
    this.#update();
  }

  /** `input` ended. */
  endInput(input: InputIndex): void {
    const time = this.#inputs[input - 1] as InputTime;
    time.idle = false;
    time.watermark = MAX_WATERMARK;
    this.#update();
  }

  #update(): void {
    const [first, second] = this.#inputs;
    const idle = first.idle && second.idle;
    const wasIdle = this.#idle;
    this.#idle = idle;
    // An output becoming active says so before its next watermark; one going idle, after its last.
    if (wasIdle && !idle) this.#output.emitWatermarkStatus(false);
    if (!idle) {
      const min = first.idle ? second.watermark : second.idle ? first.watermark : Math.min(first.watermark, second.watermark);
      if (min > this.#combined) {
        this.#combined = min;
        this.#onAdvance?.(min);
        this.#output.emitWatermark(min);
      }
    }
    if (!wasIdle && idle) this.#output.emitWatermarkStatus(true);
  }
}
