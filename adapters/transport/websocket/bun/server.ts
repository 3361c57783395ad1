import { SluiceError } from '../../../../src/core/errors.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../../../../src/protocol/frame.ts';
import { CLOSE_CODES } from '../../../../src/protocol/transport.ts';
import type { SyncNode } from '../../../../src/runtime/sync-node.ts';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from '../../../../src/runtime/acceptor.ts';
import { acceptOptions, listenerUrl, settlesWithin, type Listener, type ListenOptions } from '../listen-options.ts';
import { BunServerSocketTransport, type BunServerWebSocketLike } from './server-socket-transport.ts';

export type { ListenOptions, Listener } from '../listen-options.ts';

/*
 * The members of Bun's API used here. The project type-checks against Node types, where `Bun`
 * does not exist, so they are declared locally and read from globalThis at call time.
 */
interface SocketData {
  readonly remote: string;
  transport?: BunServerSocketTransport;
}

interface BunServerWebSocket extends BunServerWebSocketLike {
  readonly data: SocketData;
  binaryType: string;
  terminate(): void;
}

interface BunServer {
  readonly port: number;
  upgrade(request: Request, options: { data: SocketData }): boolean;
  requestIP(request: Request): { readonly address: string; readonly port: number } | null;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}

interface BunNamespace {
  serve(options: {
    hostname: string;
    port: number;
    /** Seconds an HTTP connection may sit idle. */
    idleTimeout?: number;
    fetch(request: Request, server: BunServer): Response | undefined;
    websocket: {
      maxPayloadLength: number;
      backpressureLimit: number;
      closeOnBackpressureLimit: boolean;
      perMessageDeflate: boolean;
      open(ws: BunServerWebSocket): void;
      message(ws: BunServerWebSocket, message: string | Uint8Array): void;
      close(ws: BunServerWebSocket, code: number, reason: string): void;
    };
  }): BunServer;
}

const CLOSE_GRACE_MS = 1_000;
const MIN_BACKPRESSURE_LIMIT = 16 * 1024 * 1024;

/**
 * Serves a node to peers over WebSocket on Bun (`Bun.serve` with `websocket` handlers). Same
 * options and listener as the Node server.
 *
 * maxFrameBytes becomes Bun's maxPayloadLength: Bun (uWebSockets) checks the length announced in
 * the frame header before buffering and closes with 1009, like `ws` on Node.
 */
export async function listen(node: SyncNode, options: ListenOptions = {}): Promise<Listener> {
  const bun = (globalThis as { Bun?: BunNamespace }).Bun;
  if (!bun) throw new SluiceError('invalid_options', 'The Bun server runs on Bun only: use sluice/server, which picks the server for the runtime.');
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 8787;
  const maxConnections = options.maxConnections ?? 1000;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const accept = acceptOptions(options);
  // Bad auth (a JWT key that does not import) fails here, before anything binds.
  if (accept.auth) await node.validateAuth(accept.auth);
  const sockets = new Set<BunServerWebSocket>();

  let server: BunServer;
  try {
    server = bun.serve({
      hostname: host,
      port: requestedPort,
      // An HTTP connection idle (a request never finished) is cut at the handshake deadline too.
      idleTimeout: Math.max(1, Math.ceil((accept.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS) / 1000)),
      fetch(request, srv) {
        const ip = srv.requestIP(request);
        const remote = ip ? `${ip.address}:${ip.port}` : '?:?';
        if (srv.upgrade(request, { data: { remote } })) return undefined;
        return new Response('sluice: WebSocket only', { status: 426, headers: { upgrade: 'websocket' } });
      },
      websocket: {
        maxPayloadLength: maxFrameBytes,
        // Past this many queued outgoing bytes Bun drops frames; closing beats a silent gap
        // (the transport also closes when send() reports a drop).
        backpressureLimit: Math.max(MIN_BACKPRESSURE_LIMIT, 8 * maxFrameBytes),
        closeOnBackpressureLimit: true,
        perMessageDeflate: false,
        open(ws) {
          if (sockets.size >= maxConnections) {
            ws.close(CLOSE_CODES.overloaded, 'too many connections');
            return;
          }
          ws.binaryType = 'uint8array';
          sockets.add(ws);
          const transport = new BunServerSocketTransport(ws, ws.data.remote);
          ws.data.transport = transport;
          try {
            node.accept(transport, accept);
          } catch {
            ws.close(CLOSE_CODES.shutdown, 'node shutting down');
          }
        },
        message(ws, message) {
          ws.data.transport?.receive(message);
        },
        close(ws, code, reason) {
          sockets.delete(ws);
          ws.data.transport?.closed({ code, reason });
        },
      },
    });
  } catch (error) {
    throw new SluiceError('connection_closed', `Could not listen on ${host}:${requestedPort}: ${(error as Error).message}`, undefined, { cause: error });
  }
  const port = server.port;

  return {
    url: listenerUrl(host, port),
    port,
    connections: () => sockets.size,
    close: async () => {
      for (const ws of sockets) {
        try {
          ws.close(CLOSE_CODES.shutdown, 'hub shutting down');
        } catch {
          // already closing
        }
      }
      // Graceful stop waits for the closing handshakes; after the grace period the rest are cut.
      if (!(await settlesWithin(Promise.resolve(server.stop(false)), CLOSE_GRACE_MS))) {
        for (const ws of sockets) ws.terminate();
        await server.stop(true);
      }
      sockets.clear();
    },
  };
}
