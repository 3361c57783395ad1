import { SluiceError } from '../../../src/core/errors.ts';
import { CONNECT_TIMEOUT_BOUNDS, invalidOption, optionalFunction, optionalInteger, optionalObject, optionalToken, preview } from '../../../src/core/option-checks.ts';
import type { Connector, Transport } from '../../../src/protocol/transport.ts';
import { WebSocketTransport, type WebSocketLike } from './socket-transport.ts';
// Resolved by the package's import conditions: `ws` on Node, the global WebSocket everywhere else.
import { defaultWebSocket } from '#sluice/websocket-ctor';

export interface WebSocketConnectorOptions {
  /** Token presented in the handshake: a string of at most 16 KiB. Left out (or ''): no token. */
  readonly token?: string;
  /** A WebSocket constructor; defaults to the global one, or `ws` on Node 20. */
  readonly WebSocket?: new (url: string) => WebSocketLike;
  /** How long opening the socket may take, in whole ms from 10 to 600000 (10 min). Default 10000. */
  readonly connectTimeoutMs?: number;
}

type WebSocketCtor = new (url: string) => WebSocketLike;

/**
 * A peer reachable over WebSocket (`ws://` or `wss://`). Each dataset pipeline opens its own socket.
 * The URL and options are checked here, once: a bad one throws SluiceError('invalid_options') with
 * `details.field` naming it (`url`, `options`, `token`, `WebSocket`, `connectTimeoutMs`).
 */
export function websocket(url: string, options: WebSocketConnectorOptions = {}): Connector {
  if (typeof url !== 'string') throw invalidOption('url', 'a ws:// or wss:// URL string', url, 'e.g. websocket("wss://hub.example:8787")');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SluiceError('invalid_options', `Invalid peer URL ${preview(url)}: use ws://host:port or wss://host:port.`, { field: 'url' });
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new SluiceError('invalid_options', `Peer URL ${preview(url)} must start with ws:// or wss://.`, { field: 'url' });
  }
  if (optionalObject(options, 'options', '{ token: "secret" }') === undefined) options = {};
  const token = optionalToken(options.token, 'token', true);
  optionalFunction(options.WebSocket, 'WebSocket', "pass a WebSocket constructor (e.g. ws's WebSocket), or leave it out for the runtime's own");
  const connectTimeoutMs = optionalInteger(options.connectTimeoutMs, 'connectTimeoutMs', CONNECT_TIMEOUT_BOUNDS);
  const Override = options.WebSocket;
  return {
    url,
    token: token ?? '',
    describe: () => ({ kind: 'websocket', url, token: token ?? '', ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }) }),
    async connect(signal?: AbortSignal): Promise<Transport> {
      const Ctor = Override ?? defaultWebSocket();
      if (!Ctor) throw new SluiceError('invalid_options', 'This runtime has no WebSocket: pass websocket(url, { WebSocket }) with a WebSocket constructor.', { url, field: 'WebSocket' });
      const socket = new Ctor(url);
      const transport = new WebSocketTransport(socket, url);
      await opened(socket, url, connectTimeoutMs ?? 10_000, signal);
      return transport;
    },
  };
}

function opened(socket: WebSocketLike, url: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = socket as unknown as { addEventListener(t: string, l: (e: { code?: number; reason?: string }) => void): void };
    // The signal outlives this dial (it is the sync loop's): its listener goes as soon as we settle.
    const onAbort = () => fail(`Connecting to ${url} was cancelled.`);
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (message: string) => {
      settle();
      try {
        socket.close();
      } catch {
        // not open yet
      }
      reject(new SluiceError('connection_closed', message, { url }));
    };
    const timer = setTimeout(() => fail(`Could not connect to ${url} within ${timeoutMs} ms.`), timeoutMs);
    target.addEventListener('open', () => {
      settle();
      resolve();
    });
    target.addEventListener('error', () => fail(`Could not connect to ${url}: is the hub running?`));
    target.addEventListener('close', (e) => fail(`Connection to ${url} closed while opening (${e.code ?? ''} ${e.reason ?? ''}).`));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
