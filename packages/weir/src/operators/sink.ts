/**
 * @module The sink contract (Flink's Sink V2 shape): a Sink creates one SinkWriter per subtask; a writer
 * may talk to a coordinator on the JobManager through operator events.
 */

export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** `sink 'name' (uid ...) subtask i/p`, for error messages. */
  readonly description: string;
  readonly attemptNumber: number;
  /** Sends plain data to this sink's coordinator on the JobManager (see `Sink.createCoordinator`). */
  sendEventToCoordinator(event: unknown): void;
}

/** Writes the records of one subtask. `write` is synchronous (buffer inside); I/O goes in `flush`. */
export interface SinkWriter<T> {
  write(value: T, timestamp: number | undefined): void;
  /** Makes buffered records durable or visible; `endOfInput` is true for the final flush. */
  flush(endOfInput: boolean): void | Promise<void>;
  close(): void | Promise<void>;
}

/** Receives a sink's operator events on the JobManager. */
export interface OperatorCoordinator {
  handleEventFromOperator(subtaskIndex: number, event: unknown): void;
  /** A value the job result exposes under the sink's name once the job has ended. */
  result?(): unknown;
}

export interface Sink<T> {
  /** The default operator name. */
  readonly name: string;
  createWriter(context: SinkWriterContext): SinkWriter<T> | Promise<SinkWriter<T>>;
  /** Optional JobManager-side counterpart, created once per job run. */
  createCoordinator?(): OperatorCoordinator;
}
