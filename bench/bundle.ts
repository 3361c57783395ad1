/*
 * Browser bundle size: a Vite library build (ES, minified, es2022) of bench/browser-entry
 * (core + Dexie + WebSocket), gzip level 9 per output file. The baseline in the same run is
 * protobufjs/minimal + Dexie alone, built the same way, so the library's own share is visible.
 *
 *   npm run bench -- bundle
 *
 * Fails when a browser chunk imports a node: module or better-sqlite3.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type InlineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('../', import.meta.url));
const fromRoot = (relative: string) => join(root, relative);

/*
 * Node-only modules reached through dynamic imports that a runtime check never takes in a
 * browser; each is swapped for a stub that throws a clear error.
 */
const BROWSER_STUBS: Record<string, string> = {
  [fromRoot('src/runtime/worker/spawn-node-worker.ts')]: fromRoot('bench/browser-stubs/spawn-node-worker.ts'),
  [fromRoot('adapters/storage/sqlite/index.ts')]: fromRoot('bench/browser-stubs/sqlite-storage.ts'),
};

export function browserStubs(): Plugin {
  return {
    name: 'sluice-browser-stubs',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const stub = resolved ? BROWSER_STUBS[resolved.id] : undefined;
      return stub ?? null;
    },
  };
}

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
}

interface OutputLike {
  type: 'chunk' | 'asset';
  fileName: string;
  code?: string;
  source?: string | Uint8Array;
}

/** Builds `entry` as a browser library and returns every JavaScript file it produced. */
export async function buildBrowserLibrary(entry: string, options: { stubs?: boolean } = {}): Promise<BundleFile[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'sluice-bundle-'));
  try {
    const plugins = options.stubs === false ? [] : [browserStubs()];
    const config: InlineConfig = {
      configFile: false,
      root,
      logLevel: 'silent',
      plugins,
      worker: { format: 'es', plugins: () => (options.stubs === false ? [] : [browserStubs()]) },
      build: {
        outDir,
        emptyOutDir: true,
        write: false,
        minify: true,
        target: 'es2022',
        reportCompressedSize: false,
        copyPublicDir: false,
        lib: { entry, formats: ['es'], fileName: 'sluice' },
      },
    };
    const result = await build(config);
    const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? (r.output as OutputLike[]) : []));
    return outputs
      .filter((o) => o.fileName.endsWith('.js') || o.fileName.endsWith('.mjs'))
      .map((o) => {
        const code = o.type === 'chunk' ? o.code! : typeof o.source === 'string' ? o.source : new TextDecoder().decode(o.source);
        const bytes = Buffer.from(code);
        return { fileName: o.fileName, code, rawBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, worker: o.type === 'asset' };
      });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
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

export async function run(): Promise<void> {
  const files = await buildBrowserLibrary(BROWSER_ENTRY);
  const leaks = files.flatMap((f) => nodeOnlyImports(f.code).map((m) => `${f.fileName}: ${m}`));
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
    deps = await buildBrowserLibrary(depsEntry, { stubs: false });
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
      main_gzip_bytes: sum(files.filter((f) => !f.worker), 'gzipBytes'),
      worker_chunk_gzip_bytes: sum(files.filter((f) => f.worker), 'gzipBytes'),
      deps_gzip_bytes: sum(deps, 'gzipBytes'),
      files: files.map((f) => ({ file: f.fileName, gzip_bytes: f.gzipBytes })),
    }),
  );
}
