/**
 * @module For tests that drive an operator by hand (imported by tests only): the context of one
 * subtask, a processing-time service on a manual clock, and the bytes of a keyed backend's snapshot.
 */
import { ManualClock, type Clock } from '../core/clock.ts';
import { CheckpointId, JobId, OperatorUid } from '../core/ids.ts';
import type { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { OperatorStateBackend } from '../state/operator-state-backend.ts';
import type { KeyedContext, ProcessingTimeService, StreamOperatorContext } from './stream-operator.ts';

/** A processing-time service on a manual clock: timers fire when the test advances it. */
export class ManualTimeService implements ProcessingTimeService {
  readonly clock = new ManualClock(1_000_000);
  #timers: { time: number; callback: (time: number) => void; cancelled: boolean }[] = [];

  now(): number {
    return this.clock.now();
  }

  registerTimer(time: number, callback: (time: number) => void): () => void {
    const timer = { time, callback, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Moves the clock to `time` and runs every timer due by then, earliest first. */
  advanceTo(time: number): void {
    this.clock.set(time);
    for (;;) {
      const due = this.#timers.filter((t) => !t.cancelled && t.time <= time).sort((a, b) => a.time - b.time)[0];
      if (due === undefined) return;
      due.cancelled = true;
      due.callback(due.time);
    }
  }
}

export interface TestOperatorContextOptions {
  /** The operator's name; 'window' when absent. */
  readonly name?: string;
  /** Its uid; its name when absent. */
  readonly uid?: string;
  readonly keyed?: KeyedContext | undefined;
  /** A ManualTimeService (its clock is the context's), or by default a clock at 0 whose timers never fire. */
  readonly time?: ManualTimeService;
  readonly restored?: boolean;
}

/** The context of subtask 1/1 of an operator of a test job, at max parallelism 128. */
export function testOperatorContext(options: TestOperatorContextOptions = {}): StreamOperatorContext {
  const name = options.name ?? 'window';
  const uid = options.uid ?? name;
  const clock: Clock = options.time?.clock ?? new ManualClock(0);
  return {
    name,
    uid: OperatorUid(uid),
    subtaskIndex: 0,
    parallelism: 1,
    maxParallelism: 128,
    attemptNumber: 0,
    description: `operator '${name}' (uid ${uid}) subtask 1/1`,
    jobId: JobId('test'),
    jobName: 'test',
    jobParameters: {},
    clock,
    processingTimeService: options.time ?? { now: () => clock.now(), registerTimer: () => () => {} },
    keyed: options.keyed,
    operatorState: new OperatorStateBackend({ operatorDescription: 'operator test' }),
    restored: options.restored ?? false,
    sendEventToCoordinator: () => {},
  };
}

/** A full snapshot of `backend`, written in steps as a task does, as one array. */
export function snapshotBytes(backend: HeapKeyedStateBackend): Uint8Array {
  const snapshot = backend.snapshot(CheckpointId(1));
  const writer = snapshot.writer();
  while (!writer.step(Number.POSITIVE_INFINITY));
  const bytes = Buffer.concat(writer.chunks());
  snapshot.release();
  return bytes;
}
