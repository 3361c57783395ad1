import type { Endpoint } from 'comlink';
import type { SpawnedWorker } from './spawn-worker.ts';

export function spawnWebWorker(): SpawnedWorker {
  // Written out literally so bundlers (Vite) see and bundle the worker entry.
  const worker = new Worker(new URL('./pipeline-worker.ts', import.meta.url), { type: 'module' });
  const listeners: ((reason: string) => void)[] = [];
  let exited = false;
  const exit = (reason: string) => {
    if (exited) return;
    exited = true;
    for (const l of listeners) l(reason);
  };
  worker.addEventListener('error', (event) => exit((event as ErrorEvent).message || 'worker error'));
  return {
    endpoint: worker as unknown as Endpoint,
    onExit: (listener) => listeners.push(listener),
    async terminate() {
      exited = true;
      worker.terminate();
    },
  };
}
