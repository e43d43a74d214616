/**
 * @module Runs test/jobs/fault-injection-job.ts on a MiniCluster whose checkpoint storage kills the whole
 * process with SIGKILL the moment checkpoint `--kill-after` has its `_metadata` in place: after the
 * checkpoint is complete on disk, before any task is told it completed.
 *
 * Usage: node --import tsx test/support/kill-after-metadata.ts <kill-after id> <job args...>
 */
import { FileCheckpointStorage, MiniCluster, NodeCheckpointFileSystem } from 'weir';

const [killAfterArg, ...jobArgs] = process.argv.slice(2);
const killAfter = Number(killAfterArg);
const args: Record<string, string> = {};
for (let i = 0; i + 1 < jobArgs.length; i += 2) args[String(jobArgs[i]).replace(/^--/, '')] = String(jobArgs[i + 1]);

class KillAfterMetadata extends NodeCheckpointFileSystem {
  override async rename(from: string, to: string): Promise<void> {
    await super.rename(from, to);
    const match = /chk-(\d+)[/\\]_metadata$/.exec(to);
    if (match !== null && Number(match[1]) >= killAfter) process.kill(process.pid, 'SIGKILL');
  }
}
const fileSystem = new KillAfterMetadata();

const client = await new MiniCluster({
  checkpointStorage: () => new FileCheckpointStorage({ directory: String(args['checkpoints']), fileSystem }),
}).submit({ module: new URL('../jobs/fault-injection-job.ts', import.meta.url).href, parallelism: 2, args });
await client.getJobExecutionResult();
