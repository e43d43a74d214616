/**
 * @module Counts words read from a partitioned log directory (`--input`), keyed by word.
 */
import { CollectSink, LogSource, Types, defineJob } from 'weir';

export const job = defineJob('log-word-count', (env, params) => {
  env
    .fromSource(new LogSource({ path: params.getRequired('input'), format: (line) => line.trim() }), 'words')
    .uid('words')
    .filter((word) => word.length > 0)
    .map((word) => ({ word, count: 1 }), Types.object({ word: Types.string, count: Types.number }))
    .keyBy((entry) => entry.word)
    .sum('count')
    .uid('count')
    .sinkTo(new CollectSink('counts', { upsertKey: (entry) => entry.word }));
});
