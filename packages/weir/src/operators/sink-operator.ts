/**
 * @module The sink operator: hands each record to the subtask's SinkWriter and flushes it at the end.
 */
import { describeCause, WeirError } from '../core/errors.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { Sink, SinkWriter } from './sink.ts';
import type { OneInputStreamOperator, StreamOperatorContext } from './stream-operator.ts';
import { userFunctionFailed } from './user-function-error.ts';

export class SinkOperator<T> implements OneInputStreamOperator<T, never> {
  readonly #sink: Sink<T>;
  readonly #context: StreamOperatorContext;
  #writer: SinkWriter<T> | undefined;

  constructor(sink: Sink<T>, context: StreamOperatorContext) {
    this.#sink = sink;
    this.#context = context;
  }

  get userFunction(): unknown {
    return this.#writer;
  }

  async open(): Promise<void> {
    const context = this.#context;
    try {
      this.#writer = await this.#sink.createWriter({
        subtaskIndex: context.subtaskIndex,
        parallelism: context.parallelism,
        description: context.description,
        attemptNumber: context.attemptNumber,
        sendEventToCoordinator: (event) => {
          context.sendEventToCoordinator(event);
        },
      });
    } catch (error) {
      throw new WeirError('SINK_FAILED', `${context.description} could not create its writer: ${describeCause(error)}`, { cause: error, retriable: true });
    }
  }

  processElement(value: T, timestamp: number): void {
    try {
      (this.#writer as SinkWriter<T>).write(value, timestamp === NO_TIMESTAMP ? undefined : timestamp);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'write()', error);
    }
  }

  processWatermark(): void {}

  async finish(): Promise<void> {
    try {
      await this.#writer?.flush(true);
    } catch (error) {
      throw userFunctionFailed(this.#context.description, 'flush()', error);
    }
  }

  async close(): Promise<void> {
    const writer = this.#writer;
    this.#writer = undefined;
    await writer?.close();
  }
}
