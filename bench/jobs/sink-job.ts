/**
 * @module The sink benchmark job: DataGen rows `(id, app, v)` -> one sink, at parallelism 2 with
 * checkpoints every second: PostgresSink or MariaDbSink into `--table` (`--connection` as JSON), or a
 * FileSink under `--out` (`--target postgres|mariadb|file`), with `--guarantee`.
 * Args: `--events N`, `--checkpoints <dir>`, `--interval` (ms, default 1000).
 */
import { DataGeneratorSource, FileSink, MariaDbSink, PostgresSink, Types, defineJob, randomInt } from 'weir';
import type { DeliveryGuarantee, SqlConnectionOptions, SqlSinkOptions } from 'weir';

export interface SinkBenchRow {
  readonly id: number;
  readonly app: string;
  readonly v: number;
}

/** Row i: a pure function of i, so the reference and every subtask agree. */
export function sinkBenchRow(i: number): SinkBenchRow {
  return { id: i, app: `app${i % 20}`, v: randomInt(31, i, 1000) };
}

/** The FileSink's line for a row. */
export function sinkBenchLine(row: SinkBenchRow): string {
  return `${row.id},${row.app},${row.v}`;
}

export const job = defineJob('sink-bench', (env, params) => {
  env.setParallelism(2);
  env.enableCheckpointing(params.getInt('interval', 1000));
  env.getCheckpointConfig().setCheckpointStorage(params.getRequired('checkpoints'));
  const guarantee = params.getRequired('guarantee') as DeliveryGuarantee;
  const target = params.getRequired('target');
  const rows = env
    .fromSource(
      new DataGeneratorSource(sinkBenchRow, { count: params.getInt('events'), outputType: Types.object({ id: Types.number, app: Types.string, v: Types.number }) }),
      'rows',
    )
    .uid('rows');
  if (target === 'file') {
    rows
      .sinkTo(
        FileSink.forRowFormat<SinkBenchRow>(params.getRequired('out'), sinkBenchLine)
          .withBucketAssigner(() => '')
          .withDeliveryGuarantee(guarantee)
          .build(),
      )
      .uid('sink');
    return;
  }
  const options: SqlSinkOptions<SinkBenchRow> = {
    connection: JSON.parse(params.getRequired('connection')) as SqlConnectionOptions,
    table: params.getRequired('table'),
    columns: ['id', 'app', 'v'],
    toRow: (row) => [row.id, row.app, row.v],
    deliveryGuarantee: guarantee,
  };
  rows.sinkTo(target === 'postgres' ? new PostgresSink(options) : new MariaDbSink(options)).uid('sink');
});
