// Browser stand-in for src/runtime/worker/spawn-node-worker.ts (node:worker_threads): the e2e page
// build maps that module here, so the browser bundle holds no Node-only code. A browser always
// takes the Web Worker branch of spawnPipelineWorker; reaching this is a bug.
import type { SpawnedWorker } from '../../src/runtime/worker/spawn-worker.ts';

export function spawnNodeWorker(): SpawnedWorker {
  throw new Error('spawnNodeWorker is Node-only and is not part of the browser build');
}
