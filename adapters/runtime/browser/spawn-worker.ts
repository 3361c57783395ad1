import type { SpawnedWorker } from '../../../src/runtime/worker/spawned-worker.ts';
import { webWorkerHandle } from '../../../src/runtime/worker/worker-handles.ts';

/**
 * The browser's default dataset worker. The package ships it pre-bundled as one file with no
 * imports, so a bundler with default settings (Vite builds workers as IIFE) takes it as it is.
 */
export function spawnPipelineWorker(): SpawnedWorker {
  return webWorkerHandle(new Worker(new URL('./pipeline-worker.js', import.meta.url), { type: 'module' }));
}
