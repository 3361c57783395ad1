// Browser stand-in for src/runtime/worker/spawn-node-worker.ts (swapped in by vite.config.ts):
// browsers spawn Web Workers, so this path is never taken there.
import type { SpawnedWorker } from '../../src/runtime/worker/spawn-worker.ts';

export function spawnNodeWorker(): SpawnedWorker {
  throw new Error('Node worker threads are not available in the browser build');
}
