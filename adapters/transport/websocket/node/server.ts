import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { SluiceError } from '../../../../src/core/errors.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../../../../src/protocol/frame.ts';
import { CLOSE_CODES } from '../../../../src/protocol/transport.ts';
import type { SyncNode } from '../../../../src/runtime/sync-node.ts';
import type { Listener, ListenOptions } from '../listen-options.ts';
import { WebSocketTransport, type WebSocketLike } from '../socket-transport.ts';

export type { ListenOptions, Listener } from '../listen-options.ts';

/** Serves a node to peers over WebSocket on Node (the `ws` server). */
export async function listen(node: SyncNode, options: ListenOptions = {}): Promise<Listener> {
  const host = options.host ?? '127.0.0.1';
  const maxConnections = options.maxConnections ?? 1000;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  // ws checks the announced length against maxPayload before buffering, and closes with 1009.
  const server = new WebSocketServer({ host, port: options.port ?? 8787, maxPayload: maxFrameBytes, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error) => {
      // Nothing listens, but the server object still holds its listeners: release it. The system
      // error stays the cause, so callers can tell a busy port (EADDRINUSE) from a bad host.
      server.close();
      reject(new SluiceError('connection_closed', `Could not listen on ${host}:${options.port ?? 8787}: ${error.message}`, { host, port: options.port ?? 8787 }, { cause: error }));
    });
  });
  const sockets = new Set<WebSocket>();
  server.on('connection', (socket, request) => {
    if (sockets.size >= maxConnections) {
      socket.close(CLOSE_CODES.overloaded, 'too many connections');
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const remote = `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
    node.accept(new WebSocketTransport(socket as unknown as WebSocketLike, remote), {
      ...(options.auth ? { auth: options.auth } : {}),
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
      ...(options.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: options.maxQueuedBytes }),
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.close(CLOSE_CODES.shutdown, 'hub shutting down');
        server.close(() => resolve());
        // Sockets that do not finish the closing handshake are cut after a grace period.
        setTimeout(() => {
          for (const s of sockets) s.terminate();
        }, 1_000).unref();
      }),
  };
}
