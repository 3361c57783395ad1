import { Worker } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Endpoint } from 'comlink';
import type { SpawnedWorker } from './spawn-worker.ts';

export function spawnNodeWorker(): SpawnedWorker {
  const worker = new Worker(new URL('./node-worker-bootstrap.mjs', import.meta.url));
  const listeners: ((reason: string) => void)[] = [];
  let exited = false;
  let terminating = false;
  const exit = (reason: string) => {
    if (exited) return;
    exited = true;
    if (!terminating) for (const l of listeners) l(reason);
  };
  worker.on('error', (error) => exit(error.message));
  worker.on('exit', (code) => exit(`worker exited with code ${code}`));
  return {
    endpoint: nodeEndpoint(worker as unknown as Parameters<typeof nodeEndpoint>[0]) as Endpoint,
    onExit: (listener) => listeners.push(listener),
    async terminate() {
      terminating = true;
      await worker.terminate();
    },
  };
}
