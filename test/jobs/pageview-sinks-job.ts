/**
 * @module The page-view job writing its per-app counts to PostgreSQL, MariaDB and files at once:
 * DataGen page views -> keyBy app -> count (examples/pageviews.ts) -> PostgresSink, MariaDbSink and a
 * FileSink, each fed `(app, pv)`, one row (or line `app,pv`) per count update, with `--guarantee`.
 * `--kill-at-commit <target>:<k>` makes subtask 0's committer of target `postgres`, `mariadb` or `file`
 * kill the whole process with SIGKILL at its k-th commit of this run (restore commits not counted):
 * after checkpoint n completed and before that target committed n's pre-committed transactions.
 */
import {
  DataGeneratorSource,
  FileSink,
  MariaDbSink,
  PostgresSink,
  Types,
  defineJob,
  randomInt,
  type Committer,
  type CommittingSinkContext,
  type CommittingSinkWriter,
  type DeliveryGuarantee,
  type SqlConnectionOptions,
  type SqlSinkOptions,
  type TwoPhaseCommittingSink,
} from 'weir';
import { CountPageViews, type PageView } from '../../examples/pageviews.ts';

export const APPS = 12;
export const SINK_TARGETS = ['postgres', 'mariadb', 'file'] as const;
export type SinkTarget = (typeof SINK_TARGETS)[number];

/** Page view i: a skewed mix of apps (low numbers busier), as examples/pageviews.ts generates them. */
export function pageView(i: number): PageView {
  return { appId: `app${Math.min(randomInt(7, i, APPS), randomInt(8, i, APPS))}` };
}

/** The line the FileSink writes for a count update. */
export function countLine([app, pv]: readonly [string, number]): string {
  return `${app},${pv}`;
}

/**
 * Hands everything to `inner`, except that subtask 0's committer kills the process at its `killAt`-th
 * commit after the writer exists (the commits of restored transactions come before it).
 */
class KillingCommitSink<T, C> implements TwoPhaseCommittingSink<T, C> {
  readonly #inner: TwoPhaseCommittingSink<T, C>;
  readonly #killAt: number | undefined;
  readonly #live = new Set<number>();

  constructor(inner: TwoPhaseCommittingSink<T, C>, killAt: number | undefined) {
    this.#inner = inner;
    this.#killAt = killAt;
  }

  get name(): string {
    return this.#inner.name;
  }

  get deliveryGuarantee(): DeliveryGuarantee {
    return this.#inner.deliveryGuarantee;
  }

  get committableType(): TwoPhaseCommittingSink<T, C>['committableType'] {
    return this.#inner.committableType;
  }

  async createWriter(context: CommittingSinkContext): Promise<CommittingSinkWriter<T, C>> {
    const writer = await this.#inner.createWriter(context);
    this.#live.add(context.subtaskIndex);
    return writer;
  }

  async createCommitter(context: CommittingSinkContext): Promise<Committer<C>> {
    const inner = await this.#inner.createCommitter(context);
    const killAt = context.subtaskIndex === 0 ? this.#killAt : undefined;
    let commits = 0;
    return {
      commit: (committables) => {
        if (killAt !== undefined && this.#live.has(context.subtaskIndex) && ++commits === killAt) process.kill(process.pid, 'SIGKILL');
        return inner.commit(committables);
      },
      close: () => inner.close(),
    };
  }

  async abortLingering(context: CommittingSinkContext): Promise<void> {
    await this.#inner.abortLingering?.(context);
  }
}

export const job = defineJob('pageview-sinks', (env, params) => {
  env.enableCheckpointing(params.getInt('interval', 150));
  const config = env.getCheckpointConfig();
  config.setCheckpointStorage(params.getRequired('checkpoints'));
  config.setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
  config.setNumRetainedCheckpoints(params.getInt('retained', 3));
  const guarantee = params.getRequired('guarantee') as DeliveryGuarantee;
  const [killTarget, killAt] = (params.get('kill-at-commit') ?? ':').split(':');
  const killAtFor = (target: SinkTarget): number | undefined => (killTarget === target ? Number(killAt) : undefined);
  const prefix = params.getRequired('prefix');
  const sqlOptions = (target: 'postgres' | 'mariadb'): SqlSinkOptions<[string, number]> => ({
    connection: JSON.parse(params.getRequired(target)) as SqlConnectionOptions,
    table: params.getRequired('table'),
    columns: ['app', 'pv'],
    toRow: ([app, pv]) => [app, pv],
    deliveryGuarantee: guarantee,
    // AT_LEAST_ONCE: rows also go out between checkpoints, so a kill can catch some after the last one
    batchIntervalMs: guarantee === 'EXACTLY_ONCE' ? 0 : 50,
    transactionalIdPrefix: `${prefix}-${target}`,
    retryBackoffMs: 100,
  });

  const counts = env
    .fromSource(
      new DataGeneratorSource(pageView, { count: params.getInt('count'), recordsPerSecond: params.getNumber('rate'), outputType: Types.object({ appId: Types.string }) }),
      'page-views',
    )
    .uid('page-views')
    .keyBy((view) => view.appId)
    .process(new CountPageViews(), Types.tuple(Types.string, Types.number))
    .name('count')
    .uid('count');
  counts.sinkTo(new KillingCommitSink(new PostgresSink(sqlOptions('postgres')), killAtFor('postgres'))).uid('pv-postgres');
  counts.sinkTo(new KillingCommitSink(new MariaDbSink(sqlOptions('mariadb')), killAtFor('mariadb'))).uid('pv-mariadb');
  const files = FileSink.forRowFormat<[string, number]>(params.getRequired('out'), countLine)
    .withBucketAssigner(() => '')
    .withDeliveryGuarantee(guarantee)
    .build();
  counts.sinkTo(new KillingCommitSink(files, killAtFor('file'))).uid('pv-files');
});
