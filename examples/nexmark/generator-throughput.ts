/**
 * @module How fast the Nexmark generator runs on one thread, alone and with each event encoded by its
 * type serializer (what a source pays before a record leaves its task):
 * `node --import tsx examples/nexmark/generator-throughput.ts [--events 10000000]`.
 */
import { DataOutput, JobParameters, NexmarkGenerator, NexmarkTypes, runIfMain } from 'weir';

function measure(label: string, events: number, body: (generator: NexmarkGenerator, n: number) => void): void {
  const generator = new NexmarkGenerator();
  // a first pass warms up the JIT; the second is measured
  for (let n = 0; n < Math.min(events, 1_000_000); n++) body(generator, n);
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let n = 0; n < events; n++) body(generator, n);
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (used.user + used.system) / 1e6;
  // per CPU second too: on a busy machine the wall time includes waiting for a core
  process.stdout.write(
    `${label.padEnd(22)} ${Math.round(events / seconds).toLocaleString('en-US').padStart(12)} events/s` +
      `  ${Math.round(events / cpuSeconds).toLocaleString('en-US').padStart(12)} events per CPU second\n`,
  );
}

runIfMain(import.meta.url, () => {
  const events = JobParameters.fromArgs(process.argv.slice(2)).getInt('events', 10_000_000);
  let sink = 0;
  measure('generate', events, (generator, n) => {
    sink += generator.generate(n).type;
  });
  const out = new DataOutput();
  measure('generate + serialize', events, (generator, n) => {
    if (out.position > 1 << 20) out.reset();
    NexmarkTypes.event.write(generator.generate(n), out);
  });
  process.stdout.write(`(checksum ${sink})\n`);
  return Promise.resolve();
});
