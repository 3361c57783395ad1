import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { build } from 'vite';
import { REPO_ROOT } from './browser.ts';

/*
 * Builds the e2e test pages (e2e/pages/*.html) with Vite's JS API into a temporary directory and
 * serves them from 127.0.0.1 on a free port. The pages import sluice by its package name, which
 * resolves to the built dist/ as in an app, with Vite's defaults; the one mapping is the test
 * harness's own: `vitest` becomes the small stand-in that runs the storage contract suite in the page.
 */

const PAGES_DIR = join(REPO_ROOT, 'e2e', 'pages');

export interface BuiltPages {
  readonly dir: string;
  /** Removes the build output. */
  remove(): void;
}

/** Builds the named pages (e.g. ['contract.html']) into a fresh temporary directory. */
export async function buildPages(pages: readonly string[]): Promise<BuiltPages> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-pages-'));
  await build({
    configFile: false,
    root: PAGES_DIR,
    base: './',
    logLevel: 'warn',
    clearScreen: false,
    resolve: { alias: { vitest: join(REPO_ROOT, 'adapters/storage/sqlite/contract-runtime/vitest-shim.ts') } },
    build: {
      outDir: dir,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      sourcemap: false,
      reportCompressedSize: false,
      rollupOptions: { input: Object.fromEntries(pages.map((p) => [p.replace(/\.html$/, ''), join(PAGES_DIR, p)])) },
    },
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

export interface StaticServer {
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  close(): Promise<void>;
}

/** A tiny static file server for `dir` on 127.0.0.1 and a free port. */
export async function serveStatic(dir: string): Promise<StaticServer> {
  const root = resolve(dir);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    let size = -1;
    try {
      if (file.startsWith(root + sep)) size = statSync(file).isFile() ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
