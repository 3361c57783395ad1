import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Listener } from '../adapters/transport/websocket/listen-options.ts';
import type { SyncNode } from '../src/runtime/sync-node.ts';

/** What GET /metrics answers: the hub's own counts, per dataset. */
export interface HubMetrics {
  readonly nodeId: string;
  readonly at: number;
  readonly connections: number;
  readonly datasets: Record<string, {
    readonly kind: string;
    readonly oplogEntries: number;
    readonly recordsStored: number;
    readonly entriesIn: number;
    readonly entriesOut: number;
    readonly bytesIn: number;
    readonly bytesOut: number;
    readonly errors: number;
    readonly health: { readonly status: string; readonly reason: string };
  }>;
}

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * `sluice hub --metrics-port`: the hub's counters as JSON on GET /metrics, on the hub's host. With
 * `--token`, a request must carry it as `Authorization: Bearer <token>`. No CORS headers: a web
 * page reads it through its own server, never straight from the hub.
 */
export async function serveMetrics(node: SyncNode, listener: Listener, host: string, port: number, token: string | undefined): Promise<MetricsServer> {
  const server: Server = createServer({ headersTimeout: 10_000, requestTimeout: 10_000 }, (request, response) => {
    if (request.method !== 'GET' || new URL(request.url ?? '/', 'http://hub').pathname !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('sluice hub: GET /metrics only');
      return;
    }
    if (token !== undefined && !bearerMatches(request.headers.authorization, token)) {
      response.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end('sluice hub: send the hub token as Authorization: Bearer <token>');
      return;
    }
    node.metrics().then(
      (m) => {
        const body: HubMetrics = {
          nodeId: node.nodeId,
          at: Date.now(),
          connections: listener.connections(),
          datasets: Object.fromEntries(
            Object.entries(m).map(([id, d]) => [
              id,
              { kind: d.kind, oplogEntries: d.oplogEntries, recordsStored: d.recordsStored, entriesIn: d.entriesIn, entriesOut: d.entriesOut, bytesIn: d.bytesIn, bytesOut: d.bytesOut, errors: d.errors, health: { status: d.health.status, reason: d.health.reason } },
            ]),
          ),
        };
        response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
      },
      (error: unknown) => response.writeHead(503, { 'content-type': 'text/plain' }).end(`sluice hub: metrics unavailable: ${(error as Error)?.message ?? String(error)}`),
    );
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
