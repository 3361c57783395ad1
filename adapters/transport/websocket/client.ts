import { isSluiceError, SluiceError } from '../../../src/core/errors.ts';
import { CONNECT_TIMEOUT_BOUNDS, invalidOption, optionalBoolean, optionalFunction, optionalInteger, optionalObject, optionalToken, preview } from '../../../src/core/option-checks.ts';
import type { ConnectTarget, Connector, TokenSource, Transport } from '../../../src/protocol/transport.ts';
import { upgradeUrl } from './upgrade-params.ts';
import { WebSocketTransport, type WebSocketLike } from './socket-transport.ts';
// Resolved by the package's import conditions: `ws` on Node, the global WebSocket everywhere else.
import { defaultWebSocket } from '#sluice/websocket-ctor';

export interface WebSocketConnectorOptions {
  /**
   * Token presented in the handshake: a string of at most 16 KiB (left out, or '': no token), or a
   * function returning one, e.g. `() => fetch('/api/sync-token').then((r) => r.text())`. A function
   * is called on every dial (so a reconnect presents a fresh token) and, when the token is a JWT,
   * again a minute before it expires: the connection is then replaced by one with the new token.
   */
  readonly token?: TokenSource;
  /** A WebSocket constructor; defaults to the global one, or `ws` on Node 20. */
  readonly WebSocket?: new (url: string) => WebSocketLike;
  /** How long opening the socket may take, in whole ms from 10 to 600000 (10 min). Default 10000. */
  readonly connectTimeoutMs?: number;
  /**
   * Also present the token in the upgrade URL (`?sluice_token=`), for a router that authenticates
   * before the first frame (an edge hub's routeToHub; browsers cannot set headers on an upgrade).
   * Default true. A hub reads the token from the handshake only: turn this off where nothing in
   * front of the hubs needs it, and a URL could be logged.
   */
  readonly tokenInUrl?: boolean;
}

type WebSocketCtor = new (url: string) => WebSocketLike;

/**
 * A peer reachable over WebSocket (`ws://` or `wss://`). Each dataset pipeline opens its own socket.
 * The URL and options are checked here, once: a bad one throws SluiceError('invalid_options') with
 * `details.field` naming it (`url`, `options`, `token`, `WebSocket`, `connectTimeoutMs`).
 *
 * Several URLs name interchangeable hubs (hubs of one cluster, over one database): a dial tries
 * them in turn from the one that last answered, so when that hub is gone the next dial, after the
 * node's jittered pause, lands on the next one. Everything the node holds and the new hub lacks is
 * pushed in that round's vector clock exchange, so nothing is lost and nothing applies twice.
 */
export function websocket(url: string | readonly string[], options: WebSocketConnectorOptions = {}): Connector {
  const urls = typeof url === 'string' ? [checkUrl(url, 'url')] : checkUrls(url);
  if (optionalObject(options, 'options', '{ token: "secret" }') === undefined) options = {};
  const token = typeof options.token === 'function' ? options.token : optionalToken(options.token, 'token', true);
  optionalFunction(options.WebSocket, 'WebSocket', "pass a WebSocket constructor (e.g. ws's WebSocket), or leave it out for the runtime's own");
  const connectTimeoutMs = optionalInteger(options.connectTimeoutMs, 'connectTimeoutMs', CONNECT_TIMEOUT_BOUNDS);
  const tokenInUrl = optionalBoolean(options.tokenInUrl, 'tokenInUrl') ?? true;
  const Override = options.WebSocket;
  // The URL that answered last: dials start there, and move on only when it does not answer.
  let current = 0;
  const dialOne = async (target: string, signal?: AbortSignal, datasetId?: string, dialToken = ''): Promise<Transport> => {
    const Ctor = Override ?? defaultWebSocket();
    if (!Ctor) throw new SluiceError('invalid_options', 'This runtime has no WebSocket: pass websocket(url, { WebSocket }) with a WebSocket constructor.', { url: target, field: 'WebSocket' });
    const socket = new Ctor(upgradeUrl(target, datasetId, tokenInUrl ? dialToken : ''));
    const transport = new WebSocketTransport(socket, target);
    await opened(socket, target, connectTimeoutMs ?? 10_000, signal);
    return transport;
  };
  return {
    get url() {
      return urls[current]!;
    },
    token: token ?? '',
    describe: () => ({
      kind: 'websocket',
      url: urls[0]!,
      ...(urls.length > 1 ? { urls } : {}),
      // A function cannot cross to a worker: the worker asks this thread for each token instead.
      ...(typeof token === 'function' ? { token: '', tokenFromNode: true } : { token: token ?? '' }),
      ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
      ...(tokenInUrl ? {} : { tokenInUrl }),
    }),
    async connect(signal?: AbortSignal, dialTarget?: ConnectTarget): Promise<Transport> {
      let lastError: unknown;
      for (let tried = 0; tried < urls.length; tried++) {
        const index = (current + tried) % urls.length;
        try {
          // The token comes from the dial, which presents the same one in its handshake.
          const transport = await dialOne(urls[index]!, signal, dialTarget?.datasetId, dialTarget?.token ?? (typeof token === 'string' ? token : ''));
          current = index;
          return transport;
        } catch (error) {
          if (signal?.aborted || !isSluiceError(error, 'connection_closed')) throw error;
          lastError = error;
        }
      }
      if (urls.length === 1) throw lastError;
      throw new SluiceError('connection_closed', `None of the ${urls.length} hubs answered (${urls.join(', ')}); the last said: ${(lastError as Error).message}`, { urls: urls.join(' ') }, { cause: lastError });
    },
  };
}

function checkUrl(url: unknown, field: string): string {
  if (typeof url !== 'string') throw invalidOption(field, 'a ws:// or wss:// URL string', url, 'e.g. websocket("wss://hub.example:8787")');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SluiceError('invalid_options', `Invalid peer URL ${preview(url)}: use ws://host:port or wss://host:port.`, { field });
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new SluiceError('invalid_options', `Peer URL ${preview(url)} must start with ws:// or wss://.`, { field });
  }
  return url;
}

/** Interchangeable hubs: 1 to 16 distinct URLs. */
function checkUrls(urls: unknown): string[] {
  if (!Array.isArray(urls) || urls.length === 0 || urls.length > MAX_URLS) {
    throw invalidOption('url', `a URL or an array of 1 to ${MAX_URLS} URLs of interchangeable hubs`, urls, 'e.g. websocket(["wss://a.example", "wss://b.example"])');
  }
  const checked = urls.map((u, i) => checkUrl(u, `url[${i}]`));
  if (new Set(checked).size !== checked.length) throw new SluiceError('invalid_options', 'The hub URLs repeat one another: list each hub once.', { field: 'url' });
  return checked;
}

const MAX_URLS = 16;

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
