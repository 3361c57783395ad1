import { SluiceError } from '../../../../src/core/errors.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../../../../src/protocol/frame.ts';
import { CLOSE_CODES } from '../../../../src/protocol/transport.ts';
import type { SyncNode } from '../../../../src/runtime/sync-node.ts';
import { acceptOptions, listenerUrl, settlesWithin, type Listener, type ListenOptions } from '../listen-options.ts';
import { WebSocketTransport, type WebSocketLike } from '../socket-transport.ts';

export type { ListenOptions, Listener } from '../listen-options.ts';

/*
 * The members of the Deno namespace used here. The project type-checks against Node types, where
 * `Deno` does not exist, so they are declared locally and read from globalThis at call time.
 */
interface DenoAddr {
  readonly hostname: string;
  readonly port: number;
}

interface DenoHttpServer {
  readonly finished: Promise<void>;
  shutdown(): Promise<void>;
}

interface DenoNamespace {
  serve(
    options: { hostname: string; port: number; onListen?: (addr: DenoAddr) => void; onError?: (error: unknown) => Response },
    handler: (request: Request, info: { readonly remoteAddr: DenoAddr }) => Response,
  ): DenoHttpServer;
  upgradeWebSocket(request: Request): { socket: WebSocket; response: Response };
}

/** RFC 6455 "message too big"; sent by the server itself, so the WHATWG close() range check does not apply. */
const MESSAGE_TOO_BIG = 1009;
const CLOSE_GRACE_MS = 1_000;

/**
 * Serves a node to peers over WebSocket on Deno (`Deno.serve` + `Deno.upgradeWebSocket`). Same
 * options and listener as the Node server.
 *
 * maxFrameBytes: Deno has no per-socket payload limit to configure, so a larger message is
 * refused on receipt, once Deno has buffered it, by closing the socket with 1009; it never
 * reaches the node. Deno's own cap (messages of 64 MiB and more) bounds that buffer; Deno drops
 * such a connection itself, and both ends see close code 0.
 */
export async function listen(node: SyncNode, options: ListenOptions = {}): Promise<Listener> {
  const deno = (globalThis as { Deno?: DenoNamespace }).Deno;
  if (!deno) throw new SluiceError('invalid_options', 'The Deno server runs on Deno only: use sluice/server, which picks the server for the runtime.');
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 8787;
  const maxConnections = options.maxConnections ?? 1000;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const accept = acceptOptions(options);
  // Bad auth (a JWT key that does not import) fails here, before anything binds.
  if (accept.auth) await node.validateAuth(accept.auth);
  const sockets = new Set<WebSocket>();

  let listening!: (addr: DenoAddr) => void;
  const bound = new Promise<DenoAddr>((resolve) => (listening = resolve));
  let server: DenoHttpServer;
  try {
    server = deno.serve({ hostname: host, port: requestedPort, onListen: (addr) => listening(addr), onError: () => new Response('internal error', { status: 500 }) }, (request, info) => {
      if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
        return new Response('sluice: WebSocket only', { status: 426, headers: { upgrade: 'websocket' } });
      }
      // remoteAddr is gone once the request has been upgraded.
      const remote = `${info.remoteAddr.hostname}:${info.remoteAddr.port}`;
      const { socket, response } = deno.upgradeWebSocket(request);
      if (sockets.size >= maxConnections) {
        socket.addEventListener('open', () => socket.close(CLOSE_CODES.overloaded, 'too many connections'));
        return response;
      }
      sockets.add(socket);
      socket.addEventListener('close', () => sockets.delete(socket));
      try {
        node.accept(new WebSocketTransport(limitFrames(socket, maxFrameBytes), remote), accept);
      } catch {
        // The node is closing: let the peer know once the socket is open.
        socket.addEventListener('open', () => closeQuietly(socket, CLOSE_CODES.shutdown, 'node shutting down'));
      }
      return response;
    });
  } catch (error) {
    throw new SluiceError('connection_closed', `Could not listen on ${host}:${requestedPort}: ${(error as Error).message}`, undefined, { cause: error });
  }
  const { port } = await bound;

  return {
    url: listenerUrl(host, port),
    port,
    connections: () => sockets.size,
    close: async () => {
      const closing = [...sockets].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.addEventListener('close', () => resolve());
            closeQuietly(s, CLOSE_CODES.shutdown, 'hub shutting down');
          }),
      );
      // Let the 4503 closes finish first: shutdown() would close what is left with 1001. Sockets
      // that do not finish the closing handshake are not waited for beyond the grace period.
      await settlesWithin(Promise.all(closing), CLOSE_GRACE_MS);
      await settlesWithin(server.shutdown(), CLOSE_GRACE_MS);
      sockets.clear();
    },
  };
}

function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // already closing
  }
}

function byteLength(data: unknown): number {
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (typeof data === 'string') return data.length; // a lower bound of its UTF-8 size; text is malformed anyway
  if (data instanceof Blob) return data.size;
  return 0;
}

/** The socket, with messages above maxFrameBytes turned into a 1009 close instead of a frame. */
function limitFrames(socket: WebSocket, maxFrameBytes: number): WebSocketLike {
  let refused = false;
  return {
    get binaryType() {
      return socket.binaryType;
    },
    set binaryType(value: string) {
      socket.binaryType = value as BinaryType;
    },
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    get readyState() {
      return socket.readyState;
    },
    send: (data: Uint8Array) => socket.send(data),
    close: (code?: number, reason?: string) => socket.close(code, reason),
    addEventListener(type: 'message' | 'close' | 'error', listener: (event: never) => void): void {
      if (type !== 'message') {
        socket.addEventListener(type, listener as (event: Event) => void);
        return;
      }
      socket.addEventListener('message', (event: MessageEvent) => {
        if (refused) return;
        if (byteLength(event.data) > maxFrameBytes) {
          refused = true;
          closeQuietly(socket, MESSAGE_TOO_BIG, `frame above ${maxFrameBytes} bytes`);
          return;
        }
        (listener as (event: { data: unknown }) => void)(event);
      });
    },
  } as WebSocketLike;
}
