/**
 * @module Jobs that fail in each way a user can make one fail; run with `--job <name>`.
 */
import type { DataStream} from 'weir';
import { CollectSink, defineJob, Types } from 'weir';

/** A user function that throws on one record. */
export const throwingMap = defineJob('throwing-map', (env) => {
  env
    .fromData(...Array.from({ length: 1000 }, (_, i) => i))
    .rebalance()
    .map((x) => {
      if (x === 777) throw new RangeError(`cannot handle ${x}`);
      return x;
    }, Types.number)
    .name('explode')
    .uid('explode-uid')
    .sinkTo(new CollectSink('out'));
});

/** A key selector that returns undefined for some records. */
export const undefinedKey = defineJob('undefined-key', (env) => {
  env
    .fromData<{ id: number; app?: string }>(...Array.from({ length: 100 }, (_, i) => (i === 50 ? { id: i } : { id: i, app: `a${i % 3}` })))
    .keyBy((e) => e.app as string)
    .reduce((a, b) => b)
    .name('latest')
    .uid('latest-uid')
    .sinkTo(new CollectSink('out'));
});

/** An invalid option in the job's code. */
export const badParallelism = defineJob('bad-parallelism', (env) => {
  env.setParallelism(0);
});

/** A worker thread that dies under the job (as if it ran out of memory or was killed). */
export const workerExit = defineJob('worker-exit', (env) => {
  env
    .fromData(...Array.from({ length: 100 }, (_, i) => i))
    .map((x) => {
      if (x === 42) process.exit(7);
      return x;
    }, Types.number)
    .sinkTo(new CollectSink('out'));
});

/** An exception thrown outside any operator call (in a timer callback the user scheduled). */
export const stray = defineJob('stray-exception', (env) => {
  env
    .fromData(1, 2, 3)
    .map((x) => {
      setTimeout(() => {
        throw new Error('stray failure');
      }, 0);
      return x;
    }, Types.number)
    .sinkTo(new CollectSink('out'));
});

/** A graph with a cycle, built through the StreamGraph API. */
export const cycle = defineJob('cycle', (env) => {
  const a = env.fromData(1, 2, 3).map((x) => x).name('a');
  const b = a.map((x) => x).name('b');
  b.sinkTo(new CollectSink('out'));
  const graph = env.getStreamGraph();
  const nodeA = graph.nodes.find((n) => n.name === 'a');
  const nodeB = graph.nodes.find((n) => n.name === 'b');
  if (nodeA === undefined || nodeB === undefined) throw new Error('test setup');
  graph.addEdge(nodeB.id, nodeA.id, { kind: 'forward' }, false);
  void (a satisfies DataStream<number>);
});
