/**
 * @module The worked example of weir's seeds on barrier alignment. Two log partitions are read by
 * TaskA0 and TaskA1 (source + map, parallelism 2); keyBy(app) feeds TaskB0 and TaskB1 (count,
 * parallelism 2). TaskA1 is slow, so its barriers reach the counters late. After a checkpoint has
 * completed, a failure is injected and the job restarts from that checkpoint.
 *
 * - EXACTLY_ONCE (aligned): a counter stops reading TaskA0's channel once barrier n arrived there,
 *   until TaskA1's barrier n arrives too, so the snapshot holds exactly the records before the
 *   barrier: after the restore every count is exact.
 * - EXACTLY_ONCE, unaligned: nothing waits; the counter snapshots at the first barrier and keeps
 *   TaskA1's records that arrive before TaskA1's barrier as channel state, replayed once on restore.
 * - AT_LEAST_ONCE: the counter keeps counting TaskA0's records after barrier n while it waits for
 *   TaskA1's; the snapshot already holds them, the restored source replays them, and they are
 *   counted twice.
 *
 * Run it: `node --import tsx examples/alignment.ts` (it writes its input under .weir/alignment).
 */
import { resolve } from 'node:path';
import { rmSync } from 'node:fs';
import {
  CollectSink,
  JobParameters,
  KeyedProcessFunction,
  LogSource,
  LogWriter,
  RichMapFunction,
  Types,
  ValueStateDescriptor,
  defineJob,
  randomInt,
  runIfMain,
  runJob,
  type CheckpointListener,
  type Collector,
  type KeyedProcessContext,
  type ValueState,
} from 'weir';

export interface View {
  readonly app: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * Parses `app,partition,offset`, spending a little time on every record: TaskA1 five times as much
 * as TaskA0 (the slowed channel). On the first attempt TaskA0 throws at its first record from offset
 * `failAfter` on that follows a completed checkpoint, so the job always restarts from a checkpoint.
 */
class ParseSlowly extends RichMapFunction<string, View> implements CheckpointListener {
  readonly #slowMs: number;
  readonly #failAfter: number;
  #checkpointed = false;
  constructor(slowMicros: number, failAfter: number) {
    super();
    this.#slowMs = slowMicros / 1000;
    this.#failAfter = failAfter;
  }

  notifyCheckpointComplete(): void {
    this.#checkpointed = true;
  }

  map(line: string): View {
    const [app = '', partition = '0', offset = '0'] = line.split(',');
    const view = { app, partition: Number(partition), offset: Number(offset) };
    const task = this.getRuntimeContext().getTaskInfo();
    const until = performance.now() + (task.indexOfThisSubtask === 1 ? this.#slowMs : this.#slowMs / 5);
    while (performance.now() < until);
    if (view.partition === 0 && this.#checkpointed && view.offset >= this.#failAfter && task.attemptNumber === 0) {
      throw new Error(`injected failure at partition 0, offset ${view.offset}`);
    }
    return view;
  }
}

/** The seeds' `app_id -> pv` count, in keyed state. */
class CountViews extends KeyedProcessFunction<string, View, [string, number]> {
  #pv!: ValueState<number>;
  override open(): void {
    this.#pv = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('pv', Types.number));
  }
  processElement(_view: View, ctx: KeyedProcessContext<string>, out: Collector<[string, number]>): void {
    const pv = (this.#pv.value() ?? 0) + 1;
    this.#pv.update(pv);
    out.collect([ctx.getCurrentKey(), pv]);
  }
}

export const job = defineJob('alignment', (env, params) => {
  env.setParallelism(2);
  const mode = params.get('mode', 'EXACTLY_ONCE');
  env.enableCheckpointing(params.getInt('interval', 50), mode === 'AT_LEAST_ONCE' ? 'AT_LEAST_ONCE' : 'EXACTLY_ONCE');
  if (mode === 'UNALIGNED' || mode === 'ALIGNED_TIMEOUT') env.getCheckpointConfig().enableUnalignedCheckpoints(true);
  // Align first; a checkpoint whose alignment takes longer than 5 ms continues unaligned.
  if (mode === 'ALIGNED_TIMEOUT') env.getCheckpointConfig().setAlignedCheckpointTimeout(5);
  env
    .fromSource(new LogSource({ path: params.getRequired('input') }), 'logs')
    .uid('logs')
    .map(new ParseSlowly(params.getNumber('slow-micros', 100), params.getInt('fail-after')), Types.object({ app: Types.string, partition: Types.number, offset: Types.number }))
    .name('TaskA')
    .uid('parse')
    .keyBy((view) => view.app)
    .process(new CountViews(), Types.tuple(Types.string, Types.number))
    .name('TaskB')
    .uid('count')
    .sinkTo(new CollectSink<[string, number]>('pv', { upsertKey: ([app]) => app }))
    .uid('pv');
});

/** Writes `perPartition` views into two partitions and returns the true count per app. */
export function writeViews(directory: string, perPartition: number, apps = 4): Map<string, number> {
  rmSync(directory, { recursive: true, force: true });
  const writer = new LogWriter(directory, 2);
  const counts = new Map<string, number>();
  for (let partition = 0; partition < 2; partition++) {
    for (let offset = 0; offset < perPartition; offset++) {
      const app = `app${randomInt(5 + partition, offset, apps)}`;
      writer.append(partition, `${app},${partition},${offset}`);
      counts.set(app, (counts.get(app) ?? 0) + 1);
    }
  }
  writer.close();
  return counts;
}

/** Runs the job in one mode (one failure, one restart) and returns the final count per app. */
export type AlignmentMode = 'EXACTLY_ONCE' | 'UNALIGNED' | 'ALIGNED_TIMEOUT' | 'AT_LEAST_ONCE';

export async function runMode(
  mode: AlignmentMode,
  input: string,
  perPartition: number,
  configuration: Readonly<Record<string, unknown>> = {},
): Promise<Map<string, number>> {
  const result = await runJob(import.meta.url, {
    args: { input, mode, 'fail-after': Math.floor(perPartition / 2), 'slow-micros': 100 },
    configuration: {
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': 1,
      'restart-strategy.fixed-delay.delay': '10 ms',
      ...configuration,
    },
  });
  return new Map(result.getCollected<[string, number]>('pv'));
}

runIfMain(import.meta.url, async () => {
  const params = JobParameters.fromArgs(process.argv.slice(2));
  const perPartition = params.getInt('records', 20_000);
  const input = resolve(params.get('input', '.weir/alignment'));
  const truth = writeViews(input, perPartition);
  process.stdout.write(`${perPartition * 2} page views in 2 partitions; TaskA1 is slowed; a failure is injected after a checkpoint.\n\n`);
  const titles: Record<AlignmentMode, string> = {
    EXACTLY_ONCE: 'EXACTLY_ONCE, aligned',
    UNALIGNED: 'EXACTLY_ONCE, unaligned (in-flight records kept as channel state)',
    ALIGNED_TIMEOUT: 'EXACTLY_ONCE, aligned, switching to unaligned after 5 ms of alignment',
    AT_LEAST_ONCE: 'AT_LEAST_ONCE (not aligned)',
  };
  for (const mode of ['EXACTLY_ONCE', 'UNALIGNED', 'ALIGNED_TIMEOUT', 'AT_LEAST_ONCE'] as const) {
    const counts = await runMode(mode, input, perPartition);
    process.stdout.write(`${titles[mode]}\n  app     true   after restore   difference\n`);
    let extra = 0;
    for (const [app, count] of [...truth].sort()) {
      const got = counts.get(app) ?? 0;
      extra += got - count;
      process.stdout.write(`  ${app.padEnd(6)} ${String(count).padStart(5)} ${String(got).padStart(15)} ${String(got - count).padStart(12)}\n`);
    }
    process.stdout.write(
      extra === 0
        ? `  exact: ${mode === 'EXACTLY_ONCE' ? 'the aligned snapshot held only records before the barrier' : 'records in flight at the barrier were restored and replayed once'}\n\n`
        : `  ${extra} records counted twice: the snapshot held records after the barrier, which the source replayed\n\n`,
    );
  }
});
