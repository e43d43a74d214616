/**
 * @module Runs a command the way a user would (a child process with its own stdout and stderr) and
 * fails the calling test if it does not exit in time: nothing a test starts may hang.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WEIR_BIN = fileURLToPath(new URL('../../packages/weir/bin/weir.mjs', import.meta.url));

/** Runs `node ...args` in `cwd` (with `env` over this process's environment); rejects when it has not exited after `timeoutMs`. */
export function runNode(args: readonly string[], options: { cwd?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> } = {}): Promise<Outcome> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const env = options.env === undefined ? undefined : { ...process.env, ...options.env };
    const child = spawn(process.execPath, args, { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not exit within ${timeoutMs / 1000} s\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the `weir` command with `args`. */
export function weir(...args: string[]): Promise<Outcome> {
  return runNode([WEIR_BIN, ...args], { timeoutMs: 30_000 });
}
