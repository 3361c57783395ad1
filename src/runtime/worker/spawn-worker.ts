import type { Endpoint } from 'comlink';

/** A started worker as the host sees it: a Comlink endpoint plus lifecycle. */
export interface SpawnedWorker {
  readonly endpoint: Endpoint;
  /** Called once when the worker dies on its own (uncaught error, out of memory, exit). */
  onExit(listener: (reason: string) => void): void;
  terminate(): Promise<void>;
}

/**
 * Web Worker in browsers, Deno and Bun; worker_threads in Node (which has no module Web Worker
 * able to load this package's TypeScript).
 */
export async function spawnPipelineWorker(): Promise<SpawnedWorker> {
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string; bun?: string } } }).process?.versions?.node === 'string';
  const isDenoOrBun = 'Deno' in globalThis || 'Bun' in globalThis;
  if (isNode && !isDenoOrBun) {
    const { spawnNodeWorker } = await import('./spawn-node-worker.ts');
    return spawnNodeWorker();
  }
  const { spawnWebWorker } = await import('./spawn-web-worker.ts');
  return spawnWebWorker();
}
