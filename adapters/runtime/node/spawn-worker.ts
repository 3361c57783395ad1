import { Worker } from 'node:worker_threads';
import type { SpawnedWorker } from '../../../src/runtime/worker/spawned-worker.ts';
import { nodeWorkerHandle } from '../../../src/runtime/worker/worker-handles.ts';

/*
 * The package's compiled `.js` loads its compiled worker directly. Run from the TypeScript sources
 * (this repository's own tests), Node needs a loader first: that bootstrap registers tsx, a
 * development dependency, and is never part of the package.
 */
const fromSources = import.meta.url.endsWith('.ts');

/** Node's default dataset worker, in a worker_threads Worker. */
export function spawnPipelineWorker(): SpawnedWorker {
  return nodeWorkerHandle(fromSources ? new Worker(new URL('./source-worker-bootstrap.mjs', import.meta.url)) : new Worker(new URL('./pipeline-worker.js', import.meta.url)));
}
