import { SluiceError } from '../../../../src/core/errors.ts';
import { CLOSE_CODES } from '../../../../src/protocol/transport.ts';
import type { SyncNode } from '../../../../src/runtime/sync-node.ts';
import { acceptOptions, settlesWithin, type ListenOptions } from '../../websocket/listen-options.ts';
import { StreamTransport, type ByteStreamPair } from '../stream-transport.ts';

export interface WebTransportListenOptions extends ListenOptions {
  /** PEM certificate chain. Browsers pinning it with serverCertificateHashes need ECDSA, valid ≤ 14 days. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

export interface WebTransportListener {
  /** `https://host:port/`, what `webTransport()` dials. */
  readonly url: string;
  readonly port: number;
  readonly connections: () => number;
  close(): Promise<void>;
}

/*
 * The members of Deno's unstable QUIC and WebTransport API used here (Deno 2.x, `--unstable-net`).
 * The project type-checks against Node types, so they are declared locally.
 */
interface DenoWebTransport {
  readonly url: string;
  readonly ready: Promise<void>;
  readonly closed: Promise<{ closeCode?: number; reason?: string }>;
  readonly incomingBidirectionalStreams: ReadableStream<ByteStreamPair>;
  close(info?: { closeCode?: number; reason?: string }): void;
}

interface DenoQuicIncoming {
  accept(): Promise<unknown>;
}

interface DenoQuicListener extends AsyncIterable<DenoQuicIncoming> {
  stop(): void;
}

interface DenoQuicEndpoint {
  readonly addr: { readonly hostname: string; readonly port: number };
  listen(options: { cert: string; key: string; alpnProtocols: string[] }): DenoQuicListener;
  close(info?: { closeCode?: number; reason?: string }): void;
}

interface DenoNamespace {
  QuicEndpoint?: new (options: { hostname: string; port: number }) => DenoQuicEndpoint;
  upgradeWebTransport?: (conn: unknown) => Promise<DenoWebTransport>;
}

const CLOSE_GRACE_MS = 1_000;

/**
 * Serves a node to peers over WebTransport on Deno (`Deno.QuicEndpoint` +
 * `Deno.upgradeWebTransport`, both unstable: run Deno with `--unstable-net`). Each session's
 * first bidirectional stream is one connection; the session's other streams are ignored.
 * Listens on UDP. maxFrameBytes is enforced by the stream framing before a frame is buffered.
 */
export async function listenWebTransport(node: SyncNode, options: WebTransportListenOptions): Promise<WebTransportListener> {
  const deno = (globalThis as { Deno?: DenoNamespace }).Deno;
  if (!deno) throw new SluiceError('invalid_options', 'The WebTransport server runs on Deno only.');
  if (!deno.QuicEndpoint || !deno.upgradeWebTransport) {
    throw new SluiceError('invalid_options', 'This Deno has no QUIC/WebTransport API: run it with --unstable-net (Deno 2.2 or later).');
  }
  const upgrade = deno.upgradeWebTransport;
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 8787;
  const maxConnections = options.maxConnections ?? 1000;
  const accept = acceptOptions(options);
  // Bad auth (a JWT key that does not import) fails here, before anything binds.
  if (accept.auth) await node.validateAuth(accept.auth);
  const sessions = new Set<DenoWebTransport>();

  let endpoint: DenoQuicEndpoint;
  let listener: DenoQuicListener;
  try {
    endpoint = new deno.QuicEndpoint({ hostname: host, port: requestedPort });
    listener = endpoint.listen({ cert: options.cert, key: options.key, alpnProtocols: ['h3'] });
  } catch (error) {
    throw new SluiceError('connection_closed', `Could not listen for WebTransport on ${host}:${requestedPort}: ${(error as Error).message}`, undefined, { cause: error });
  }
  const port = endpoint.addr.port;

  const serve = async (incoming: DenoQuicIncoming) => {
    const conn = await incoming.accept();
    const session = await upgrade(conn);
    await session.ready;
    if (sessions.size >= maxConnections) {
      session.close({ closeCode: CLOSE_CODES.overloaded, reason: 'too many connections' });
      return;
    }
    sessions.add(session);
    session.closed.then(
      () => sessions.delete(session),
      () => sessions.delete(session),
    );
    const reader = session.incomingBidirectionalStreams.getReader();
    const { value: stream, done } = await reader.read();
    reader.releaseLock();
    if (done || !stream) return;
    const transport = new StreamTransport(stream, session.url, {
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
      closeSession: (code, reason) => session.close({ closeCode: code, reason: reason.slice(0, 256) }),
      sessionClosed: session.closed,
    });
    try {
      node.accept(transport, accept);
    } catch {
      transport.close(CLOSE_CODES.shutdown, 'node shutting down');
    }
  };

  const accepting = (async () => {
    try {
      for await (const incoming of listener) {
        // A failed handshake concerns that peer only.
        serve(incoming).catch(() => undefined);
      }
    } catch {
      // the endpoint was closed
    }
  })();

  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    connections: () => sessions.size,
    close: async () => {
      const closing = [...sessions].map((s) => {
        try {
          s.close({ closeCode: CLOSE_CODES.shutdown, reason: 'hub shutting down' });
        } catch {
          // already closed
        }
        return s.closed.catch(() => undefined);
      });
      await settlesWithin(Promise.all(closing), CLOSE_GRACE_MS);
      try {
        listener.stop();
      } catch {
        // already stopped
      }
      endpoint.close();
      await settlesWithin(accepting, CLOSE_GRACE_MS);
      sessions.clear();
    },
  };
}
