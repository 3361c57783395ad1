import type { Endpoint } from 'comlink';

/** A started worker as the host sees it: a Comlink endpoint plus lifecycle. */
export interface SpawnedWorker {
  readonly endpoint: Endpoint;
  /** Called once when the worker dies on its own (uncaught error, out of memory, exit). */
  onExit(listener: (reason: string) => void): void;
  terminate(): Promise<void>;
}

/**
 * Starts the default dataset worker of this runtime. Each runtime's implementation is chosen by the
 * package's `#sluice/spawn-worker` import conditions, so no runtime sniffing reaches a bundle.
 */
export type SpawnPipelineWorker = () => SpawnedWorker;
