// A tiny static server for the built demo page: files from `root`, plus /config.json telling the
// page where the hub is. Loopback only; no directory listings; paths cannot leave `root`.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Serves `root` on host:port (0 picks a free port). Resolves with { url, close() } once listening.
 * GET /hub-metrics answers with the hub's own counts (its --metrics-port endpoint), so the page
 * reads them from its own origin.
 * @param {{ root: string, host?: string, port?: number, config: Record<string, unknown>, hubMetricsUrl?: string }} options
 */
export function serveStatic({ root, host = '127.0.0.1', port = 5173, config, hubMetricsUrl }) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (pathname === '/hub-metrics') {
        await proxyHubMetrics(res, hubMetricsUrl);
        return;
      }
      if (pathname === '/config.json') {
        res.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : JSON.stringify(config));
        return;
      }
      let file = normalize(join(base, pathname));
      if (file !== base && !file.startsWith(base + sep)) {
        res.writeHead(403).end('forbidden');
        return;
      }
      let info = await stat(file).catch(() => null);
      if (info?.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (!info?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
        return;
      }
      const hashed = pathname.startsWith('/assets/');
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch {
      if (!res.headersSent) res.writeHead(400).end('bad request');
      else res.destroy();
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      resolvePromise({
        url: `http://${host}:${actualPort}/`,
        close: () =>
          new Promise((done) => {
            server.close(() => done(undefined));
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Relays the hub's metrics JSON; 503 while the hub cannot be asked. */
async function proxyHubMetrics(res, url) {
  if (!url) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('this demo server knows no hub metrics endpoint');
    return;
  }
  try {
    const upstream = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    const body = await upstream.text();
    res.writeHead(upstream.ok ? 200 : 502, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' }).end(body);
  } catch {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('the hub does not answer');
  }
}
