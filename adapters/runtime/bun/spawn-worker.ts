import type { SpawnedWorker } from '../../../src/runtime/worker/spawned-worker.ts';
import { webWorkerHandle } from '../../../src/runtime/worker/worker-handles.ts';

/** Bun's default dataset worker, in a Web Worker. */
export function spawnPipelineWorker(): SpawnedWorker {
  return webWorkerHandle(new Worker(new URL('./pipeline-worker.js', import.meta.url), { type: 'module' }));
}
