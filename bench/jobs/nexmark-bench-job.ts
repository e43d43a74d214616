/**
 * @module The job of the `nexmark` bench: one Nexmark query of examples/nexmark (`--query q5`) over the
 * generator, into a sink that counts the rows, with what the latency figures need. The source's
 * watermarks are the queries' own (monotonous per split), made by a generator that also logs when it
 * emitted each watermark; the sink logs when each new window's first row arrived, or, for the stateless
 * queries, how long a sampled record took from the source to the sink.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { WatermarkStrategy, defineJob, type DataStream, type NexmarkEvent, type OperatorCoordinator, type Sink, type SinkWriter, type SinkWriterContext, type WatermarkGenerator, type WatermarkOutput } from 'weir';
import { auctionsOf, bidsOf, nexmarkEvents, nexmarkSettings, personsOf } from '../../examples/nexmark/params.ts';
import { q0 } from '../../examples/nexmark/q0.ts';
import { q1 } from '../../examples/nexmark/q1.ts';
import { q11 } from '../../examples/nexmark/q11.ts';
import { q17 } from '../../examples/nexmark/q17.ts';
import { q18 } from '../../examples/nexmark/q18.ts';
import { q19 } from '../../examples/nexmark/q19.ts';
import { q2 } from '../../examples/nexmark/q2.ts';
import { q3 } from '../../examples/nexmark/q3.ts';
import { q4 } from '../../examples/nexmark/q4.ts';
import { q5 } from '../../examples/nexmark/q5.ts';
import { q7 } from '../../examples/nexmark/q7.ts';
import { q8 } from '../../examples/nexmark/q8.ts';

/**
 * What latency a query's rows have: `record` from the source emitting an event to the sink receiving
 * its row (the stateless queries, one chain per slot), `watermark` from the sources emitting the
 * watermark that closes a window (or an event-time timer's time) to the sink receiving its first row;
 * none for the joins and updating aggregates, whose rows follow records through a shuffle.
 */
export type LatencyKind = 'record' | 'watermark' | 'none';

interface QuerySpec {
  readonly latency: LatencyKind;
  /** Builds the query over the events and sends its rows to the bench's sink. */
  readonly attach: (events: DataStream<NexmarkEvent>) => void;
}

function spec<T>(latency: LatencyKind, build: (events: DataStream<NexmarkEvent>) => DataStream<T>): QuerySpec {
  return {
    latency,
    attach: (events) => {
      build(events).sinkTo(new BenchSink<T>(latency)).name('rows').uid('rows-sink');
    },
  };
}

export const NEXMARK_BENCH_QUERIES: Readonly<Record<string, QuerySpec>> = {
  q0: spec('record', (events) => q0(bidsOf(events))),
  q1: spec('record', (events) => q1(bidsOf(events))),
  q2: spec('record', (events) => q2(bidsOf(events))),
  q3: spec('none', (events) => q3(personsOf(events), auctionsOf(events))),
  q4: spec('watermark', (events) => q4(auctionsOf(events), bidsOf(events))),
  q5: spec('watermark', (events) => q5(bidsOf(events))),
  q7: spec('watermark', (events) => q7(bidsOf(events))),
  q8: spec('watermark', (events) => q8(personsOf(events), auctionsOf(events))),
  q11: spec('watermark', (events) => q11(bidsOf(events))),
  q17: spec('none', (events) => q17(bidsOf(events))),
  q18: spec('none', (events) => q18(bidsOf(events))),
  q19: spec('none', (events) => q19(bidsOf(events))),
};

/** `record` latency: after this many records, the next one that reaches the sink is timed. */
const RECORD_SAMPLE_EVERY = 1024;
/** `watermark` latency: at most one sample per sink subtask per this much event time. */
const WATERMARK_SAMPLE_EVERY_MS = 100;

/** Epoch milliseconds with sub-millisecond precision, comparable across the worker threads of a process. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

// Per thread (each slot's worker imports this module): the sampled record on its way down the chain.
// Once a sample is wanted, the source's timestamp assigner arms each record just before it is emitted,
// the chained sink takes the time if the record reaches it within that call (a query may filter it
// out: the next one is tried), and the watermark generator disarms it once the call returned.
let armedAt = -1;
let sampleWanted = false;
let countdown = RECORD_SAMPLE_EVERY;

/**
 * The queries' watermarks (the latest timestamp - 1, per split), from a generator that appends each
 * watermark it emits, with the wall time, to a file in `logDir` (one file per split).
 */
export function loggedWatermarks(logDir: string): WatermarkStrategy<NexmarkEvent> {
  let generators = 0;
  return WatermarkStrategy.forGenerator<NexmarkEvent>((): WatermarkGenerator<NexmarkEvent> => {
    const file = join(logDir, `watermarks-${process.pid}-${threadId}-${generators++}.log`);
    let max = Number.NEGATIVE_INFINITY;
    let emitted = Number.NEGATIVE_INFINITY;
    return {
      onEvent(_event: NexmarkEvent, timestamp: number): void {
        armedAt = -1;
        if (timestamp > max) max = timestamp;
      },
      onPeriodicEmit(output: WatermarkOutput): void {
        if (max === Number.NEGATIVE_INFINITY || max - 1 <= emitted) return;
        emitted = max - 1;
        output.emitWatermark(emitted);
        appendFileSync(file, `${emitted} ${wallClock()}\n`);
      },
    };
  }).withTimestampAssigner((_event, recordTimestamp) => {
    if (--countdown === 0) {
      countdown = RECORD_SAMPLE_EVERY;
      sampleWanted = true;
    }
    if (sampleWanted) armedAt = performance.now();
    return recordTimestamp;
  });
}

/** What each sink subtask reports at the end of its input. */
export interface BenchSinkReport {
  readonly subtask: number;
  readonly rows: number;
  /** Wall time (epoch ms) of the end of this subtask's input, before any final checkpoint. */
  readonly endedAt: number;
  /** `record`: latencies in ms. */
  readonly recordLatencies: number[];
  /** `watermark`: [row timestamp, wall time of arrival] of the first row of each sampled timestamp. */
  readonly arrivals: [number, number][];
}

/** Counts rows and samples latencies; sends one report per subtask to its coordinator at the end. */
export class BenchSink<T> implements Sink<T> {
  readonly name = 'nexmark-bench';
  readonly #latency: LatencyKind;

  constructor(latency: LatencyKind) {
    this.#latency = latency;
  }

  createWriter(context: SinkWriterContext): SinkWriter<T> {
    const latency = this.#latency;
    const recordLatencies: number[] = [];
    const arrivals: [number, number][] = [];
    let rows = 0;
    let nextTimestamp = Number.NEGATIVE_INFINITY;
    return {
      write(_row, timestamp) {
        rows++;
        if (latency === 'record') {
          if (armedAt >= 0) {
            recordLatencies.push(performance.now() - armedAt);
            armedAt = -1;
            sampleWanted = false;
          }
        } else if (latency === 'watermark' && timestamp !== undefined && timestamp >= nextTimestamp) {
          arrivals.push([timestamp, wallClock()]);
          nextTimestamp = timestamp + WATERMARK_SAMPLE_EVERY_MS;
        }
      },
      flush(endOfInput) {
        if (endOfInput) context.sendEventToCoordinator({ subtask: context.subtaskIndex, rows, endedAt: wallClock(), recordLatencies, arrivals } satisfies BenchSinkReport);
      },
      close() {},
    };
  }

  createCoordinator(): OperatorCoordinator {
    const reports: BenchSinkReport[] = [];
    return {
      handleEventFromOperator: (_subtask, event) => {
        reports.push(event as BenchSinkReport);
      },
      result: () => reports,
    };
  }
}

export const job = defineJob('nexmark-bench', (env, params) => {
  const settings = nexmarkSettings(params);
  const name = params.getRequired('query');
  const query = NEXMARK_BENCH_QUERIES[name];
  if (query === undefined) throw new Error(`nexmark bench job: unknown --query '${name}'; known: ${Object.keys(NEXMARK_BENCH_QUERIES).join(', ')}`);
  query.attach(nexmarkEvents(env, settings, loggedWatermarks(params.getRequired('latency-log'))));
});
