import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { SluiceError } from '../../../../src/core/errors.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../../../../src/protocol/frame.ts';
import { CLOSE_CODES } from '../../../../src/protocol/transport.ts';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from '../../../../src/runtime/acceptor.ts';
import type { SyncNode } from '../../../../src/runtime/sync-node.ts';
import { listenerUrl, resolveListenOptions, type Listener, type ListenOptions } from '../listen-options.ts';
import { WebSocketTransport, type WebSocketLike } from '../socket-transport.ts';

export type { ListenOptions, Listener } from '../listen-options.ts';

/** Serves a node to peers over WebSocket on Node (the `ws` server). */
export async function listen(node: SyncNode, options: ListenOptions = {}): Promise<Listener> {
  // Every option is checked before anything binds; bad auth (a JWT key that does not import) too.
  const { port: requestedPort, host, maxConnections, maxFrameBytes: frameLimit, accept } = resolveListenOptions(options);
  const maxFrameBytes = frameLimit ?? DEFAULT_MAX_FRAME_BYTES;
  if (accept.auth) await node.validateAuth(accept.auth);
  // A request that never finishes its headers (or never upgrades) is cut after the handshake
  // timeout; the server checks every second instead of Node's default 30 s.
  const timeoutMs = accept.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const http = createServer({ headersTimeout: timeoutMs, requestTimeout: timeoutMs, connectionsCheckingInterval: 1_000 }, (_request, response) => {
    response.writeHead(426, { upgrade: 'websocket', 'content-type': 'text/plain' }).end('sluice: WebSocket only');
  });
  http.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    http.once('listening', resolve);
    http.once('error', (error) => {
      // Nothing listens, but the server still holds its listeners: release it. The system error
      // stays the cause, so callers can tell a busy port (EADDRINUSE) from a bad host.
      http.close();
      reject(new SluiceError('connection_closed', `Could not listen on ${host}:${requestedPort}: ${error.message}`, { host, port: requestedPort }, { cause: error }));
    });
    http.listen(requestedPort, host);
  });
  // Attached once the port is bound (ws would re-emit a bind error as its own, unhandled). ws checks
  // the announced length against maxPayload before buffering, and closes with 1009.
  const server = new WebSocketServer({ server: http, maxPayload: maxFrameBytes, perMessageDeflate: false });
  server.on('error', () => undefined);
  const sockets = new Set<WebSocket>();
  server.on('connection', (socket, request) => {
    if (sockets.size >= maxConnections) {
      socket.close(CLOSE_CODES.overloaded, 'too many connections');
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const remote = `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
    try {
      node.accept(new WebSocketTransport(socket as unknown as WebSocketLike, remote), accept);
    } catch {
      socket.close(CLOSE_CODES.shutdown, 'node shutting down');
    }
  });
  const port = (http.address() as AddressInfo).port;
  return {
    url: listenerUrl(host, port),
    port,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.close(CLOSE_CODES.shutdown, 'hub shutting down');
        server.close();
        http.close(() => resolve());
        http.closeIdleConnections();
        // Sockets that do not finish the closing handshake are cut after a grace period.
        setTimeout(() => {
          for (const s of sockets) s.terminate();
          http.closeAllConnections();
        }, 1_000).unref();
      }),
  };
}
