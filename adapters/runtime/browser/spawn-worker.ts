import type { SpawnedWorker } from '../../../src/runtime/worker/spawned-worker.ts';
import { webWorkerHandle } from '../../../src/runtime/worker/worker-handles.ts';

/**
 * The browser's default dataset worker. Nothing in its import graph is imported dynamically, so a
 * bundler with default settings (Vite builds workers as IIFE, without code splitting) bundles it.
 */
export function spawnPipelineWorker(): SpawnedWorker {
  return webWorkerHandle(new Worker(new URL('./pipeline-worker.js', import.meta.url), { type: 'module' }));
}
