/**
 * @module `npm run test:soak [-- --runs N] [--seed S]`: the fault-injection suite again and again with
 * different seeds (worker crashes and process kills at other points), stopping at the first failure
 * with the seed that reproduces it (`WEIR_FAULT_SEED=<seed> node --import tsx --test test/fault-injection.test.ts`).
 */
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index >= 0 && args[index + 1] !== undefined ? Number(args[index + 1]) : fallback;
};
const runs = option('--runs', 10);
const firstSeed = option('--seed', Date.now() % 1_000_000);

for (let run = 0; run < runs; run++) {
  const seed = firstSeed + run;
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=dot', 'test/fault-injection.test.ts', 'test/failover.test.ts', 'test/region-failover.test.ts', 'test/checkpoint-phase-crashes.test.ts', 'test/recovery.test.ts'], {
    env: { ...process.env, WEIR_FAULT_SEED: String(seed) },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.stdout.write(`soak run ${run + 1}/${runs} FAILED with seed ${seed} after ${seconds} s\n`);
    process.exit(1);
  }
  process.stdout.write(`soak run ${run + 1}/${runs} passed (seed ${seed}, ${seconds} s)\n`);
}
process.stdout.write(`${runs} passed, 0 failed\n`);
