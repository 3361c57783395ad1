/*
 * Vite build of the demo page (demo/index.html -> dist/demo). The library is isomorphic, but a few
 * modules reach for Node-only code behind runtime checks; the browser graph (the page and the
 * pipeline Web Worker) gets small stubs for those instead, so no worker_threads or SQLite code is
 * bundled. Node (tsx, vitest) never reads this file and keeps the real modules.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const stub = (name: string) => fileURLToPath(new URL(`./demo/browser/${name}`, import.meta.url));

/** Swaps Node-only modules for browser stubs, by the importing file and the imported specifier. */
function browserStubs(): Plugin {
  const swaps: { importer: RegExp; source: RegExp; to: string }[] = [
    { importer: /src[\\/]runtime[\\/]worker[\\/]spawn-worker\.ts$/, source: /\/spawn-node-worker\.ts$/, to: stub('spawn-node-worker.ts') },
    { importer: /src[\\/]runtime[\\/]worker[\\/]open-storage\.ts$/, source: /\/adapters\/storage\/sqlite\/index\.ts$/, to: stub('sqlite-storage.ts') },
  ];
  return {
    name: 'sluice-browser-stubs',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer) return null;
      for (const s of swaps) if (s.importer.test(importer) && s.source.test(source)) return s.to;
      return null;
    },
  };
}

export default defineConfig(({ mode }) => ({
  root: fileURLToPath(new URL('./demo', import.meta.url)),
  base: './',
  publicDir: false,
  logLevel: mode === 'test' ? 'warn' : 'info',
  plugins: [browserStubs()],
  worker: { format: 'es', plugins: () => [browserStubs()] },
  build: {
    outDir: process.env.SLUICE_DEMO_OUT ?? fileURLToPath(new URL('./dist/demo', import.meta.url)),
    emptyOutDir: true,
    // The pipeline worker and the sources use top-level await.
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
  esbuild: { target: 'es2022' },
  optimizeDeps: { esbuildOptions: { target: 'es2022' } },
  server: { host: '127.0.0.1' },
}));
