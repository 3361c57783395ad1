import type { SyncNode } from '../../../src/runtime/sync-node.ts';
import type { Listener, ListenOptions } from './listen-options.ts';

export type { ListenOptions, Listener } from './listen-options.ts';

export type ServerRuntime = 'deno' | 'bun' | 'node';

/** The runtime whose server `listen` uses: Deno and Bun by their globals, anything else Node. */
export function serverRuntime(): ServerRuntime {
  if ('Deno' in globalThis) return 'deno';
  if ('Bun' in globalThis) return 'bun';
  return 'node';
}

/**
 * Serves a node to peers over WebSocket with the current runtime's server: `Deno.serve` on Deno,
 * `Bun.serve` on Bun, the `ws` package on Node. Each is imported on demand, so a runtime loads
 * only its own (and Deno/Bun never load `ws`).
 */
export async function listen(node: SyncNode, options: ListenOptions = {}): Promise<Listener> {
  switch (serverRuntime()) {
    case 'deno':
      return (await import('./deno/server.ts')).listen(node, options);
    case 'bun':
      return (await import('./bun/server.ts')).listen(node, options);
    case 'node':
      return (await import('./node/server.ts')).listen(node, options);
  }
}
