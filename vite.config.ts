/*
 * Vite build of the demo page (demo/index.html -> demo/dist). The page imports sluice by its package
 * name, which resolves to this package's built dist/ exactly as in an app, so the demo runs what
 * users install, with Vite's default settings.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig(({ mode }) => ({
  root: fileURLToPath(new URL('./demo', import.meta.url)),
  base: './',
  publicDir: false,
  logLevel: mode === 'test' ? 'warn' : 'info',
  build: {
    outDir: process.env.SLUICE_DEMO_OUT ?? fileURLToPath(new URL('./demo/dist', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: { host: '127.0.0.1' },
}));
