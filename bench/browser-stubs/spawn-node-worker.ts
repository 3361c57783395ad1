import { SluiceError } from '../../src/core/errors.ts';
import type { SpawnedWorker } from '../../src/runtime/worker/spawn-worker.ts';

/*
 * Browser stand-in for src/runtime/worker/spawn-node-worker.ts. spawn-worker.ts picks the Node
 * worker only on Node, so in a browser this never runs; it keeps node:worker_threads out of the graph.
 */
export function spawnNodeWorker(): SpawnedWorker {
  throw new SluiceError('invalid_options', 'worker_threads workers exist on Node only: this is the browser build.');
}
