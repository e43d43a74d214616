/**
 * @module Starts `weir cluster start` as a child process on a free port (as a user would) and stops it:
 * tests of the REST API and the job-control commands run against it. Nothing it starts may outlive
 * the test: the process is killed if it does not exit after a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, WEIR_BIN, type Outcome } from './run-command.ts';

export interface JobManagerProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** What it printed so far. */
  output(): { readonly stdout: string; readonly stderr: string };
  /** Sends `signal` and resolves with the exit code and output once it exited. */
  stop(signal?: NodeJS.Signals): Promise<Outcome>;
}

export interface StartOptions {
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts a JobManager (`--rest-port 0` unless args give one) and resolves once it listens. */
export function startJobManager(options: StartOptions = {}): Promise<JobManagerProcess> {
  const args = options.args ?? [];
  const portArgs = args.includes('--rest-port') ? [] : ['--rest-port', '0'];
  const child = spawn(process.execPath, [WEIR_BIN, 'cluster', 'start', ...portArgs, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, WEIR_REST_TOKEN: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weir cluster start did not listen within 20 s\nstderr: ${stderr}`));
    }, 20_000);
    const onData = (): void => {
      const match = /listening on http:\/\/([^\s]+):(\d+)/.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      const port = Number(match[2]);
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        child,
        output: () => ({ stdout, stderr }),
        stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
          const code = await exited;
          clearTimeout(kill);
          return { code, stdout, stderr };
        },
      });
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`weir cluster start exited with ${String(code)} before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}
