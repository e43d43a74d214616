/**
 * @module What every Nexmark query job shares: its arguments (events, rate, parallelism, sink kind,
 * ...), the source of events and the stream of bids, the sink the results go to, and the script part
 * that runs a query and prints its throughput.
 */
import {
  CollectSink,
  NexmarkSource,
  NexmarkTypes,
  PrintSink,
  JobParameters,
  WatermarkStrategy,
  WeirError,
  runIfMain,
  runJob,
  type Auction,
  type Bid,
  type Collector,
  type DataStream,
  type DataStreamSink,
  type NexmarkEvent,
  type Person,
  type StreamExecutionEnvironment,
} from 'weir';
import { DiscardingSink } from './discarding-sink.ts';

/** Where a query's results go: nowhere (the benchmark's `blackhole`), back to the caller, or stdout. */
export type NexmarkSinkKind = 'blackhole' | 'collect' | 'print';

const SINK_KINDS: readonly NexmarkSinkKind[] = ['blackhole', 'collect', 'print'];

/** The arguments of a query job, read by {@link nexmarkSettings}. */
export interface NexmarkSettings {
  /** `--events`: how many events the source generates (default 1,000,000). */
  readonly events: number;
  /** `--rate`: events per second of event time (default 10,000, the reference's `first-event.rate`). */
  readonly rate: number;
  /** `--throttle`: wall-clock records per second across the source's subtasks (default: none). */
  readonly throttle: number | undefined;
  /** `--seed`: the generator's seed (default 0). */
  readonly seed: number;
  /** `--base-time`: the event time of event 0, in ms since the epoch (default 2024-01-01T00:00:00Z). */
  readonly baseTime: number | undefined;
  /** `--parallelism`: the job's parallelism (default: `-p`, weir.yaml or the number of cores). */
  readonly parallelism: number | undefined;
  /** `--sink`: blackhole (default), collect or print. */
  readonly sink: NexmarkSinkKind;
  /** `--checkpoints`: a directory to checkpoint into every `--checkpoint-interval` ms (default 1000); none when absent. */
  readonly checkpoints: string | undefined;
  readonly checkpointInterval: number;
  /** `--incremental`: incremental checkpoints (`execution.checkpointing.incremental`); otherwise the configuration decides. */
  readonly incremental: boolean;
}

/** Reads the shared query arguments; a bad `--sink` fails with the accepted kinds. */
export function nexmarkSettings(params: JobParameters): NexmarkSettings {
  const sink = params.get('sink', 'blackhole');
  if (!(SINK_KINDS as readonly string[]).includes(sink)) {
    throw new WeirError('INVALID_OPTION', `invalid value for job parameter '--sink': '${sink}'; accepted: ${SINK_KINDS.join(', ')}`);
  }
  return {
    events: params.getInt('events', 1_000_000),
    rate: params.getNumber('rate', 10_000),
    throttle: params.has('throttle') ? params.getNumber('throttle') : undefined,
    seed: params.getInt('seed', 0),
    baseTime: params.has('base-time') ? params.getInt('base-time') : undefined,
    parallelism: params.has('parallelism') ? params.getInt('parallelism') : undefined,
    sink: sink as NexmarkSinkKind,
    checkpoints: params.get('checkpoints'),
    checkpointInterval: params.getInt('checkpoint-interval', 1000),
    incremental: params.getBoolean('incremental', false),
  };
}

/**
 * The event time of the query jobs: each record's timestamp is its event's `dateTime` (the source stamps
 * it), and each source split's watermark trails its latest timestamp by 1 ms. A split's times never
 * decrease, so no event is ever late, and a window fires once every event of it has been read.
 * (Flink nexmark declares `WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND` on its table; its
 * generator is ordered per split too, so the bound only delays the windows there.)
 */
export function nexmarkWatermarks(): WatermarkStrategy<NexmarkEvent> {
  return WatermarkStrategy.forMonotonousTimestamps<NexmarkEvent>();
}

/**
 * The Nexmark source of a query job (uid `nexmark`), with the job's parallelism and checkpointing
 * applied and event time from {@link nexmarkWatermarks} (or the strategy given).
 */
export function nexmarkEvents(
  env: StreamExecutionEnvironment,
  settings: NexmarkSettings,
  watermarks: WatermarkStrategy<NexmarkEvent> = nexmarkWatermarks(),
): DataStream<NexmarkEvent> {
  if (settings.parallelism !== undefined) env.setParallelism(settings.parallelism);
  if (settings.checkpoints !== undefined) {
    env.enableCheckpointing(settings.checkpointInterval);
    env.getCheckpointConfig().setCheckpointStorage(settings.checkpoints);
    if (settings.incremental) env.getCheckpointConfig().enableIncrementalCheckpoints();
  }
  const source = new NexmarkSource({
    count: settings.events,
    eventsPerSecond: settings.rate,
    recordsPerSecond: settings.throttle,
    seed: settings.seed,
    baseTime: settings.baseTime,
  });
  return env.fromSource(source, watermarks, 'nexmark').uid('nexmark');
}

/** Flink nexmark's `bid` view: the bids among the events (`WHERE event_type = 2`). */
export function bidsOf(events: DataStream<NexmarkEvent>): DataStream<Bid> {
  return events
    .flatMap((event: NexmarkEvent, out: Collector<Bid>) => {
      if (event.bid !== undefined) out.collect(event.bid);
    }, NexmarkTypes.bid)
    .name('bids')
    .uid('bids');
}

/** Flink nexmark's `person` view: the people among the events (`WHERE event_type = 0`). */
export function personsOf(events: DataStream<NexmarkEvent>): DataStream<Person> {
  return events
    .flatMap((event: NexmarkEvent, out: Collector<Person>) => {
      if (event.person !== undefined) out.collect(event.person);
    }, NexmarkTypes.person)
    .name('persons')
    .uid('persons');
}

/** Flink nexmark's `auction` view: the auctions among the events (`WHERE event_type = 1`). */
export function auctionsOf(events: DataStream<NexmarkEvent>): DataStream<Auction> {
  return events
    .flatMap((event: NexmarkEvent, out: Collector<Auction>) => {
      if (event.auction !== undefined) out.collect(event.auction);
    }, NexmarkTypes.auction)
    .name('auctions')
    .uid('auctions');
}

/**
 * Sends a query's results to the sink `--sink` names, under `name` (the collect sink's result name).
 * `upsertKey` identifies a row of an updating result (a string or number), so `collect` keeps each
 * row's final version: the result table.
 */
export function sinkResults<T>(results: DataStream<T>, settings: NexmarkSettings, name: string, upsertKey?: (row: T) => string | number): DataStreamSink<T> {
  const sink =
    settings.sink === 'collect' ? new CollectSink<T>(name, { upsertKey }) : settings.sink === 'print' ? new PrintSink<T>({ prefix: name }) : new DiscardingSink<T>();
  return results.sinkTo(sink).name(name).uid(`${name}-sink`);
}

/**
 * The script part of a query module: when the module is run directly
 * (`node --import tsx examples/nexmark/q1.ts --events 10000000 --parallelism 2`), runs its job with the
 * command line's arguments and prints the throughput.
 */
export function runQueryScript(moduleUrl: string, query: string): void {
  runIfMain(moduleUrl, async () => {
    const args = process.argv.slice(2);
    const settings = nexmarkSettings(JobParameters.fromArgs(args));
    process.stdout.write(`Nexmark ${query}: ${settings.events.toLocaleString('en-US')} events, sink ${settings.sink}...\n`);
    const result = await runJob(moduleUrl, { args: JobParameters.fromArgs(args).toObject() });
    const seconds = result.netRuntimeMs / 1000;
    const running = (result.netRuntimeMs - result.startupMs) / 1000;
    process.stdout.write(
      `${settings.events.toLocaleString('en-US')} events in ${seconds.toFixed(2)} s: ${Math.round(settings.events / seconds).toLocaleString('en-US')} events/s ` +
        `(${Math.round(settings.events / running).toLocaleString('en-US')} events/s once running)\n`,
    );
    if (settings.sink === 'collect') process.stdout.write(`${result.getCollected(query).length.toLocaleString('en-US')} result rows\n`);
  });
}
