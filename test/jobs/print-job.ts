/**
 * @module Prints words with the print sink at the job's parallelism; a keyed sum without a uid for
 * the plan's warning.
 */
import { defineJob, Types } from 'weir';

export const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];

export const job = defineJob('print-words', (env) => {
  env.fromData(...WORDS).rebalance().map((w) => w.toUpperCase(), Types.string).name('upper').print();
});

export const withoutUid = defineJob('sum-without-uid', (env) => {
  env
    .fromData(...WORDS.map((w) => ({ word: w, n: w.length })))
    .keyBy((e) => e.word.length)
    .sum('n')
    .print();
});
