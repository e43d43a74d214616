/**
 * @module A checkpointed job writing readings `(id, app, n)` into a SQL table: DataGen -> map -> PostgresSink
 * or MariaDbSink (`--product postgres|mariadb`, `--connection` as JSON, `--table`, `--guarantee`,
 * `--upsert true` for an upsert on id). On the first attempt, once a checkpoint completed, every map
 * subtask throws at its first record from `--fail-at` on, or ends its worker thread there (`--crash-at`,
 * no close: open transactions die with their connections), so the restart restores a checkpoint and
 * replays what came after it; `--marker` names a file written when the failure is injected. `--rate`
 * (records per second; unthrottled without it), `--batch-size`, `--max-buffered-batches`, `--interval`.
 */
import { writeFileSync } from 'node:fs';
import { DataGeneratorSource, MariaDbSink, PostgresSink, RichMapFunction, Types, defineJob, randomInt } from 'weir';
import type { CheckpointListener, SqlConnectionOptions, SqlSinkOptions } from 'weir';

export interface Reading {
  readonly id: number;
  readonly app: string;
  readonly n: number;
}

export function reading(i: number): Reading {
  return { id: i, app: `app-${randomInt(17, i, 5)}`, n: randomInt(29, i, 1000) };
}

const READING = Types.object({ id: Types.number, app: Types.string, n: Types.number });

class FailOnce extends RichMapFunction<Reading, Reading> implements CheckpointListener {
  readonly #failAt: number | undefined;
  readonly #crashAt: number | undefined;
  readonly #marker: string | undefined;
  #checkpointCompleted = false;

  constructor(failAt: number | undefined, crashAt: number | undefined, marker: string | undefined) {
    super();
    this.#failAt = failAt;
    this.#crashAt = crashAt;
    this.#marker = marker;
  }

  map(value: Reading): Reading {
    if (this.getRuntimeContext().getTaskInfo().attemptNumber === 0 && this.#checkpointCompleted) {
      const failing = this.#failAt !== undefined && value.id >= this.#failAt;
      const crashing = this.#crashAt !== undefined && value.id >= this.#crashAt;
      // tells the test that the failure happened (a run that ends before it proves nothing)
      if ((failing || crashing) && this.#marker !== undefined) writeFileSync(this.#marker, String(value.id));
      if (failing) throw new Error(`injected failure at record ${value.id}`);
      if (crashing) process.exit(1);
    }
    return value;
  }

  notifyCheckpointComplete(): void {
    this.#checkpointCompleted = true;
  }
}

export const job = defineJob('sql-sink', (env, params) => {
  env.enableCheckpointing(params.getInt('interval', 100));
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  const failAt = params.get('fail-at');
  const crashAt = params.get('crash-at');
  const options: SqlSinkOptions<Reading> = {
    connection: JSON.parse(params.getRequired('connection')) as SqlConnectionOptions,
    table: params.getRequired('table'),
    columns: ['id', 'app', 'n'],
    toRow: (r) => [r.id, r.app, r.n],
    deliveryGuarantee: params.getRequired('guarantee') as 'EXACTLY_ONCE' | 'AT_LEAST_ONCE',
    upsertKey: params.get('upsert') === 'true' ? ['id'] : undefined,
    batchSize: params.getInt('batch-size', 500),
    maxBufferedBatches: params.get('max-buffered-batches') === undefined ? undefined : params.getInt('max-buffered-batches'),
    transactionalIdPrefix: params.get('prefix'),
    retryBackoffMs: 50,
  };
  const sink = params.getRequired('product') === 'postgres' ? new PostgresSink(options) : new MariaDbSink(options);
  env
    .fromSource(new DataGeneratorSource(reading, { count: params.getInt('count'), recordsPerSecond: params.get('rate') === undefined ? undefined : params.getNumber('rate'), outputType: READING }), 'readings')
    .uid('readings')
    .map(new FailOnce(failAt === undefined ? undefined : Number(failAt), crashAt === undefined ? undefined : Number(crashAt), params.get('marker')), READING)
    .uid('fail-once')
    .sinkTo(sink)
    .uid('table');
});
