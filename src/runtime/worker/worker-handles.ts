import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Endpoint } from 'comlink';
import { SluiceError } from '../../core/errors.ts';
import type { SpawnedWorker } from './spawned-worker.ts';

export interface NodeWorkerLike {
  on(event: string, listener: (...args: any[]) => void): unknown;
  postMessage(message: unknown, transfer?: readonly any[]): void;
  terminate(): Promise<number> | void;
}

/**
 * The worker an app's own `worker: () => …` factory started: a Web Worker (browsers, Deno, Bun),
 * told apart by its event API, or a worker_threads Worker (Node).
 */
export function customWorkerHandle(worker: unknown, datasetId: string): SpawnedWorker {
  const w = worker as Partial<Worker & NodeWorkerLike> | null;
  if (w && typeof w.postMessage === 'function' && typeof w.on === 'function' && typeof w.terminate === 'function') return nodeWorkerHandle(w as NodeWorkerLike);
  if (w && typeof w.postMessage === 'function' && typeof w.addEventListener === 'function' && typeof w.terminate === 'function') return webWorkerHandle(w as Worker);
  throw new SluiceError('invalid_options', `datasets.${datasetId}.worker: the function must return a started Worker (new Worker(new URL('./my.worker.ts', import.meta.url), { type: 'module' })).`, {
    field: `datasets.${datasetId}.worker`,
  });
}

/** A worker_threads Worker (Node) as a SpawnedWorker. */
export function nodeWorkerHandle(worker: NodeWorkerLike): SpawnedWorker {
  const listeners: ((reason: string) => void)[] = [];
  let exited = false;
  let terminating = false;
  const exit = (reason: string) => {
    if (exited) return;
    exited = true;
    if (!terminating) for (const l of listeners) l(reason);
  };
  worker.on('error', (error: Error) => exit(error.message));
  worker.on('exit', (code: number) => exit(`worker exited with code ${code}`));
  return {
    endpoint: nodeEndpoint(worker as unknown as Parameters<typeof nodeEndpoint>[0]) as Endpoint,
    onExit: (listener) => listeners.push(listener),
    async terminate() {
      terminating = true;
      await worker.terminate();
    },
  };
}

/**
 * Wraps a Web Worker (browsers, Deno, Bun) as a SpawnedWorker. The caller constructs the Worker
 * itself, with `new Worker(new URL('…', import.meta.url))` written out literally, because that is
 * the one form bundlers recognise and bundle as a worker entry.
 */
export function webWorkerHandle(worker: Worker): SpawnedWorker {
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
