import { SluiceError } from '../../../src/core/errors.ts';
import type { Connector, Transport } from '../../../src/protocol/transport.ts';
import { WebSocketTransport, type WebSocketLike } from './socket-transport.ts';
// Resolved by the package's import conditions: `ws` on Node, the global WebSocket everywhere else.
import { defaultWebSocket } from '#sluice/websocket-ctor';

export interface WebSocketConnectorOptions {
  /** Token presented in the handshake. */
  readonly token?: string;
  /** A WebSocket constructor; defaults to the global one, or `ws` on Node 20. */
  readonly WebSocket?: new (url: string) => WebSocketLike;
  readonly connectTimeoutMs?: number;
}

type WebSocketCtor = new (url: string) => WebSocketLike;

/** A peer reachable over WebSocket (`ws://` or `wss://`). Each dataset pipeline opens its own socket. */
export function websocket(url: string, options: WebSocketConnectorOptions = {}): Connector {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SluiceError('invalid_options', `Invalid peer URL ${JSON.stringify(url)}: use ws://host:port or wss://host:port.`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new SluiceError('invalid_options', `Peer URL ${url} must start with ws:// or wss://.`);
  }
  return {
    url,
    token: options.token ?? '',
    describe: () => ({ kind: 'websocket', url, token: options.token ?? '', ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }) }),
    async connect(signal?: AbortSignal): Promise<Transport> {
      const Ctor = options.WebSocket ?? defaultWebSocket();
      if (!Ctor) throw new SluiceError('invalid_options', 'This runtime has no WebSocket: pass websocket(url, { WebSocket }) with a WebSocket constructor.', { url });
      const socket = new Ctor(url);
      const transport = new WebSocketTransport(socket, url);
      await opened(socket, url, options.connectTimeoutMs ?? 10_000, signal);
      return transport;
    },
  };
}

function opened(socket: WebSocketLike, url: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = socket as unknown as { addEventListener(t: string, l: (e: { code?: number; reason?: string }) => void): void };
    const fail = (message: string) => {
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // not open yet
      }
      reject(new SluiceError('connection_closed', message, { url }));
    };
    const timer = setTimeout(() => fail(`Could not connect to ${url} within ${timeoutMs} ms.`), timeoutMs);
    target.addEventListener('open', () => {
      clearTimeout(timer);
      resolve();
    });
    target.addEventListener('error', () => fail(`Could not connect to ${url}: is the hub running?`));
    target.addEventListener('close', (e) => fail(`Connection to ${url} closed while opening (${e.code ?? ''} ${e.reason ?? ''}).`));
    signal?.addEventListener('abort', () => fail(`Connecting to ${url} was cancelled.`));
  });
}
