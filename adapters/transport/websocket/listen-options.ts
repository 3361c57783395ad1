import type { AcceptOptions } from '../../../src/runtime/sync-node.ts';
import type { AuthOptions } from '../../../src/sync/auth.ts';

/*
 * What every `listen` (Node, Deno, Bun) takes and returns. Type-only, apart from the small helper
 * below, so each runtime's server can share it without loading another runtime's server.
 */

export interface ListenOptions {
  /** 0 picks a free port. Default 8787. */
  readonly port?: number;
  /** Default 127.0.0.1: listening on other interfaces is an explicit choice. */
  readonly host?: string;
  readonly auth?: AuthOptions;
  /** Connections beyond this are closed at once. Default 1000. */
  readonly maxConnections?: number;
  /**
   * Frames above this are refused, by the socket before they are buffered where the runtime can
   * (Node, Bun); see each server for details. Default: the node's.
   */
  readonly maxFrameBytes?: number;
  /** Received bytes waiting to be handled, per connection, before it is dropped. Default 4 frames. */
  readonly maxQueuedBytes?: number;
  readonly heartbeatMs?: number;
}

export interface Listener {
  readonly url: string;
  readonly port: number;
  /** Live connections. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/** The per-connection part of ListenOptions, as `node.accept` takes it. */
export function acceptOptions(options: ListenOptions): AcceptOptions {
  return {
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: options.maxQueuedBytes }),
  };
}

/** `ws://host:port`, with IPv6 hosts in brackets. */
export function listenerUrl(host: string, port: number): string {
  return `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Waits for `work` at most `ms`; true when it finished in time. The timer never outlives the wait. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
