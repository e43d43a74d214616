/**
 * @module Entry of a slot's worker thread: enables TypeScript job modules (tsx), then starts the
 * worker main. Plain .mjs because a worker cannot start from a .ts file.
 */
import { register } from 'tsx/esm/api';

register();
await import('./slot-worker-main.ts');
