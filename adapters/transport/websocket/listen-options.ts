import type { AcceptOptions } from '../../../src/runtime/acceptor.ts';
import type { AuthOptions } from '../../../src/sync/auth.ts';
import { assertAuthOptions, KIB, MIB, optionalFrameBytes, optionalInteger, optionalObject, optionalString } from '../../../src/core/option-checks.ts';

/*
 * What every `listen` (Node, Deno, Bun) takes and returns, and the checks of those options. No
 * runtime's server is imported here, so each can share it without loading another's.
 */

export interface ListenOptions {
  /** Whole number from 0 to 65535; 0 picks a free port. Default 8787. */
  readonly port?: number;
  /** Default 127.0.0.1: listening on other interfaces is an explicit choice. */
  readonly host?: string;
  /** Checks applied to peers: `token`, a non-empty string of at most 16 KiB; `authorize`, a function. */
  readonly auth?: AuthOptions;
  /** Connections beyond this are closed at once: 1 to 1,000,000. Default 1000. */
  readonly maxConnections?: number;
  /**
   * Frames above this are refused, by the socket before they are buffered where the runtime can
   * (Node, Bun); see each server for details. 1 KiB to 64 MiB. Default: the node's.
   */
  readonly maxFrameBytes?: number;
  /** Received bytes waiting to be handled, per connection, before it is dropped: 1 KiB to 256 MiB. Default 4 frames. */
  readonly maxQueuedBytes?: number;
  /** Ping interval per connection: whole ms from 10 to 3600000, or 0 for none. Default: the node's. */
  readonly heartbeatMs?: number;
  /** A socket that has not completed its handshake by then is closed (4408): whole ms from 10 to 600000. Default 10 s. */
  readonly handshakeTimeoutMs?: number;
}

/** ListenOptions after `resolveListenOptions`: checked, with the defaults every server uses filled in. */
export interface ResolvedListenOptions {
  readonly port: number;
  readonly host: string;
  readonly maxConnections: number;
  /** Undefined: the node's (a server passes DEFAULT_MAX_FRAME_BYTES where it needs a number). */
  readonly maxFrameBytes: number | undefined;
  /** The per-connection part, as `node.accept` takes it. */
  readonly accept: AcceptOptions;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_CONNECTIONS = 1000;

/**
 * Checks the options of every `listen` (Node, Deno, Bun, WebTransport) once, before anything binds:
 * a bad one throws SluiceError('invalid_options') with `details.field` naming it (`port`, `host`,
 * `auth.token`, `maxConnections`, ...). Fields other servers add (a certificate, a key) are left to them.
 */
export function resolveListenOptions(options: unknown): ResolvedListenOptions {
  const o = optionalObject(options, 'options', '{ port: 8787, host: "127.0.0.1" }') ?? {};
  const port = optionalInteger(o.port, 'port', { min: 0, max: 65_535, fix: `use 0 for a free port, or leave it out for ${DEFAULT_PORT}` }) ?? DEFAULT_PORT;
  const host = optionalString(o.host, 'host', 255, `pass a host name or address such as "0.0.0.0", or leave it out for ${DEFAULT_HOST}`) ?? DEFAULT_HOST;
  assertAuthOptions(o.auth, 'auth');
  const maxConnections = optionalInteger(o.maxConnections, 'maxConnections', { min: 1, max: 1_000_000, fix: `leave it out for the default ${DEFAULT_MAX_CONNECTIONS}` }) ?? DEFAULT_MAX_CONNECTIONS;
  const maxFrameBytes = optionalFrameBytes(o.maxFrameBytes, 'maxFrameBytes');
  const maxQueuedBytes = optionalInteger(o.maxQueuedBytes, 'maxQueuedBytes', { min: KIB, max: 256 * MIB, unit: 'of bytes', fix: 'leave it out for the default of 4 frames' });
  const heartbeatMs = optionalInteger(o.heartbeatMs, 'heartbeatMs', { min: 10, max: 3_600_000, also: 0, unit: 'of ms', fix: "use 0 to turn heartbeats off, or leave it out for the node's" });
  const handshakeTimeoutMs = optionalInteger(o.handshakeTimeoutMs, 'handshakeTimeoutMs', { min: 10, max: 600_000, unit: 'of ms', fix: 'leave it out for the default 10000 (10 s)' });
  const accept: AcceptOptions = {
    ...(o.auth ? { auth: o.auth as AuthOptions } : {}),
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
    ...(maxQueuedBytes === undefined ? {} : { maxQueuedBytes }),
    ...(handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs }),
  };
  return { port, host, maxConnections, maxFrameBytes, accept };
}

export interface Listener {
  readonly url: string;
  readonly port: number;
  /** Live connections. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/**
 * The per-connection part of ListenOptions, as `node.accept` takes it. Servers call it once, before
 * they bind, so it checks all of ListenOptions (see resolveListenOptions) and throws for a bad one.
 */
export function acceptOptions(options: ListenOptions): AcceptOptions {
  return resolveListenOptions(options).accept;
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
