/**
 * @module `weir savepoint inspect | check | dispose`: the savepoint tools that work on files, without
 * a JobManager (`weir savepoint <jobId>` talks to one). Each is loaded only when used, so other
 * commands start without them.
 */

const TOOLS = {
  inspect: async (args: readonly string[]) => (await import('./savepoint-inspect.ts')).savepointInspectCommand(args),
  check: async (args: readonly string[]) => (await import('./savepoint-check.ts')).savepointCheckCommand(args),
  dispose: async (args: readonly string[]) => (await import('./savepoint-dispose.ts')).savepointDisposeCommand(args),
} as const;

/** True when `weir savepoint <word> ...` names one of these tools. */
export function isSavepointTool(word: string | undefined): word is keyof typeof TOOLS {
  return word !== undefined && Object.hasOwn(TOOLS, word);
}

/** Runs `weir savepoint <tool> ...args`; returns the exit status. */
export function savepointToolCommand(tool: keyof typeof TOOLS, args: readonly string[]): Promise<number> {
  return TOOLS[tool](args);
}
