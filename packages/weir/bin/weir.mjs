#!/usr/bin/env node
/**
 * @module The `weir` executable: enables TypeScript job modules (tsx), then runs the CLI.
 */
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// Whatever still holds the event loop open after the command is done must not make weir hang.
setTimeout(() => process.exit(), 2000).unref();
