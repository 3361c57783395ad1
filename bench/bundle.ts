/*
 * Browser bundle size: a page importing bench/browser-entry (core + Dexie + WebSocket from the
 * built package), built as an app's Vite builds it with default settings, gzip level 9 per output
 * file. The baseline in the same run is protobufjs/minimal + Dexie alone, built the same way, so
 * the library's own share is visible.
 *
 * main: what the page loads at start (the tab client: datasets run in workers shared by the
 * origin's tabs). lazy: chunks loaded only on demand (the full engine for tabs: 'own' or
 * worker: false; jose). worker: the default dataset worker, Dexie and the codec included. The
 * targets are main ≤ 30,000 and worker ≤ 110,000 bytes gzip; `*_within_target` says whether they hold.
 *
 *   npm run bench -- bundle
 *
 * Fails when a browser chunk imports a node: module or better-sqlite3, or sniffs the runtime.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type InlineConfig } from 'vite';

const root = fileURLToPath(new URL('../', import.meta.url));
const fromRoot = (relative: string) => join(root, relative);

export interface BundleFile {
  readonly fileName: string;
  readonly code: string;
  readonly rawBytes: number;
  readonly gzipBytes: number;
  /**
   * Part of the pipeline worker's own build (emitted as assets beside the entry). It repeats
   * what the worker needs (Dexie, the codec), since a worker cannot share the page's modules.
   */
  readonly worker: boolean;
  /** A chunk loaded only on demand (a dynamic import), e.g. jose for hubs that verify JWTs. */
  readonly lazy: boolean;
}

interface OutputLike {
  type: 'chunk' | 'asset';
  isDynamicEntry?: boolean;
  fileName: string;
  code?: string;
  source?: string | Uint8Array;
}

/**
 * Builds a page that imports `entry` the way an app's Vite does: an app build with Vite's defaults
 * (no plugins, no aliases, workers as Vite builds them by default), resolving `sluice` to this
 * package's built dist/ through its own exports. Returns every JavaScript file it produced.
 */
export async function buildAsConsumer(entry: string): Promise<BundleFile[]> {
  // Inside the repository, so that `sluice` and its dependencies resolve as from an app's node_modules.
  const app = mkdtempSync(join(root, 'bench', '.bundle-app-'));
  try {
    writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="./main.ts"></script>\n');
    writeFileSync(join(app, 'main.ts'), `export * from ${JSON.stringify(entry)};\nimport * as all from ${JSON.stringify(entry)};\n(globalThis as Record<string, unknown>).sluiceBundle = all;\n`);
    const config: InlineConfig = {
      configFile: false,
      root: app,
      logLevel: 'silent',
      build: { outDir: join(app, 'out'), write: false, reportCompressedSize: false, copyPublicDir: false },
    };
    const result = await build(config);
    const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? (r.output as OutputLike[]) : []));
    return outputs
      .filter((o) => o.fileName.endsWith('.js') || o.fileName.endsWith('.mjs'))
      .map((o) => {
        const code = o.type === 'chunk' ? o.code! : typeof o.source === 'string' ? o.source : new TextDecoder().decode(o.source);
        const bytes = Buffer.from(code);
        return { fileName: o.fileName, code, rawBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, worker: o.type === 'asset', lazy: o.type === 'chunk' && o.isDynamicEntry === true };
      });
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}

/** Static or dynamic imports of node: builtins or better-sqlite3 in a built file. */
export function nodeOnlyImports(code: string): string[] {
  const found = new Set<string>();
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*|\brequire\s*\(\s*)["'`]((?:node:[\w/]+)|better-sqlite3)["'`]/g;
  for (const match of code.matchAll(pattern)) found.add(match[1]!);
  if (code.includes('better-sqlite3')) found.add('better-sqlite3');
  return [...found];
}

export const BROWSER_ENTRY = fromRoot('bench/browser-entry/index.ts');

/** Runtime sniffing or Node-only modules that must never reach a browser bundle. */
export function runtimeSniffing(code: string): string[] {
  return ['Deno.', 'Bun.', 'worker_threads', 'createRequire'].filter((marker) => code.includes(marker));
}

export async function run(): Promise<void> {
  const files = await buildAsConsumer(BROWSER_ENTRY);
  const leaks = files.flatMap((f) => [...nodeOnlyImports(f.code), ...runtimeSniffing(f.code)].map((m) => `${f.fileName}: ${m}`));
  if (leaks.length > 0) {
    console.error(`Node-only code in the browser bundle:\n  ${leaks.join('\n  ')}`);
    process.exitCode = 1;
    return;
  }

  // Baseline: the two runtime dependencies alone, bundled the same way.
  const depsDir = mkdtempSync(join(root, 'bench', '.deps-entry-'));
  let deps: BundleFile[];
  try {
    const depsEntry = join(depsDir, 'deps.ts');
    writeFileSync(depsEntry, "export { default as protobuf } from 'protobufjs/minimal.js';\nexport { default as Dexie } from 'dexie';\n");
    deps = await buildAsConsumer(depsEntry);
  } finally {
    rmSync(depsDir, { recursive: true, force: true });
  }

  const sum = (list: BundleFile[], key: 'rawBytes' | 'gzipBytes') => list.reduce((n, f) => n + f[key], 0);
  console.log(
    JSON.stringify({
      bench: 'bundle',
      entry: 'core+dexie+websocket',
      raw_bytes: sum(files, 'rawBytes'),
      gzip_bytes: sum(files, 'gzipBytes'),
      chunks: files.length,
      main_gzip_bytes: sum(files.filter((f) => !f.worker && !f.lazy), 'gzipBytes'),
      lazy_gzip_bytes: sum(files.filter((f) => f.lazy), 'gzipBytes'),
      worker_chunk_gzip_bytes: sum(files.filter((f) => f.worker), 'gzipBytes'),
      main_within_target: sum(files.filter((f) => !f.worker && !f.lazy), 'gzipBytes') <= 30_000,
      worker_within_target: sum(files.filter((f) => f.worker), 'gzipBytes') <= 110_000,
      deps_gzip_bytes: sum(deps, 'gzipBytes'),
      files: files.map((f) => ({ file: f.fileName, gzip_bytes: f.gzipBytes })),
    }),
  );
}
