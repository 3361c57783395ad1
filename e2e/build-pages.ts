import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { build, type Plugin } from 'vite';
import { REPO_ROOT } from './browser.ts';

/*
 * Builds the e2e test pages (e2e/pages/*.html) with Vite's JS API into a temporary directory and
 * serves them from 127.0.0.1 on a free port. The browser graph must never contain Node-only code:
 * the two library modules that load it lazily (the worker_threads spawner and the SQLite adapter)
 * are redirected to stubs by resolved path, and `vitest` is mapped to the small vitest stand-in so
 * the storage contract suite runs in the page.
 */

const PAGES_DIR = join(REPO_ROOT, 'e2e', 'pages');

const STUBS: Record<string, string> = {
  [join(REPO_ROOT, 'src/runtime/worker/spawn-node-worker.ts')]: join(REPO_ROOT, 'e2e/stubs/spawn-node-worker.ts'),
  [join(REPO_ROOT, 'adapters/storage/sqlite/index.ts')]: join(REPO_ROOT, 'e2e/stubs/sqlite-storage.ts'),
};

/** Redirects Node-only modules to browser stubs, whatever relative specifier imports them. */
function browserStubs(): Plugin {
  return {
    name: 'sluice-e2e-browser-stubs',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (source.startsWith('\0') || !importer) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved) return null;
      const stub = STUBS[resolved.id.split('?')[0]!];
      return stub ?? null;
    },
  };
}

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
    plugins: [browserStubs()],
    worker: { format: 'es', plugins: () => [browserStubs()] },
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
