#!/usr/bin/env node
/*
 * Builds the package into dist/: ESM JavaScript, .d.ts and declaration maps from tsc, minified file
 * by file. `npm ci` runs this through `prepare`.
 *
 * The browser's default dataset worker is not pre-bundled: its import graph has no dynamic import,
 * which is all that Vite's default worker build (IIFE, no code splitting) needs, and a second copy
 * of every module it reaches would double the package. test/bundle.test.ts builds it exactly as an
 * app's Vite does and fails if that ever changes.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

// The protobuf code generated from proto/sync.proto is JavaScript, which tsc does not copy.
mkdirSync(join(dist, 'src/protocol/generated'), { recursive: true });
copyFileSync(join(root, 'src/protocol/generated/sync.pb.js'), join(dist, 'src/protocol/generated/sync.pb.js'));

// tsc rewrites `./x.ts` to `./x.js` in JavaScript but leaves declaration files as written; a
// consumer's TypeScript must find the `.d.ts` beside each `.js`.
for (const file of walk(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+?)\.ts\2/g, '$1$2$3.js$2');
  if (fixed !== text) writeFileSync(file, fixed);
}

// Declarations ship for what the package's entries expose: a .d.ts no entry's types reach (the
// generated protobuf classes, internals) only weighs the tarball down.
pruneUnreachableDeclarations();

// The machinery's declarations (sync, pipelines, workers, tabs, the wire) ship because public types
// reach them, but their doc comments are for whoever works on sluice, and they read the sources.
// The entries' own types (node, collections, options, ports, adapters) keep theirs, and so do the
// machinery files whose types users meet: sink and buffer options, metrics and health, the worker
// file's options, the transport interface, the contract suite's entry.
const MACHINERY = [
  'src/sync',
  'src/runtime/pipeline',
  'src/runtime/worker',
  'src/runtime/tabs',
  'src/protocol',
  'src/pipeline',
  'src/store/contract',
  'src/runtime/acceptor.d.ts',
  'src/runtime/dataset-',
  'src/runtime/node-host.d.ts',
  'src/runtime/local-node-parts.d.ts',
  'src/runtime/create-options.d.ts',
  'src/runtime/node-identity.d.ts',
  'src/runtime/collection-changes.d.ts',
  'adapters/storage/dexie',
  'adapters/storage/sqlite',
  'adapters/storage/postgres',
  'adapters/storage/sql',
  'adapters/storage/memory',
].map((d) => join(dist, d));
const USER_FACING = [
  'src/pipeline/sinks/sink-api.d.ts',
  'src/pipeline/append-options.d.ts',
  'src/sync/health.d.ts',
  'src/sync/metrics.d.ts',
  'src/sync/dataset-orchestrator.d.ts',
  'src/sync/lag-tracker.d.ts',
  'src/runtime/pipeline/pipeline-api.d.ts',
  'src/runtime/worker/serve-dataset-worker.d.ts',
  'src/protocol/transport.d.ts',
  'src/store/contract/index.d.ts',
].map((f) => join(dist, f));
for (const file of walk(dist)) {
  // An adapter's entry and options files are what its users read.
  const adapterFace = /adapters\/storage\/[^/]+\/(?:.*\/)?(?:index|[a-z-]*-storage|[a-z-]*-options|page|driver)\.d\.ts$/.test(file);
  if (!file.endsWith('.d.ts') || !MACHINERY.some((d) => file.startsWith(d)) || USER_FACING.includes(file) || adapterFace) continue;
  writeFileSync(file, readFileSync(file, 'utf8').replace(/\/\*\*[\s\S]*?\*\/\s*/g, ''));
}

// Shipped JavaScript is minified file by file (module structure kept, so tree-shaking still works);
// the documentation lives in the .d.ts files, which keep their comments.
for (const file of walk(dist)) {
  if (!file.endsWith('.js')) continue;
  const { code } = await transform(readFileSync(file, 'utf8'), { loader: 'js', format: 'esm', target: 'es2022', minify: true, legalComments: 'none' });
  writeFileSync(file, code);
}

function pruneUnreachableDeclarations() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const typesOf = (value) => (typeof value === 'string' ? [] : Object.entries(value).flatMap(([k, v]) => (k === 'types' ? [v] : typesOf(v))));
  const pending = typesOf(pkg.exports).map((p) => join(root, p));
  const reached = new Set();
  while (pending.length > 0) {
    const file = pending.pop();
    if (reached.has(file)) continue;
    reached.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\()(['"])(\.{1,2}\/[^'"]+?)\.js\1/g)) pending.push(join(dirname(file), `${m[2]}.d.ts`));
  }
  for (const file of walk(dist)) {
    const declaration = file.endsWith('.d.ts.map') ? file.slice(0, -'.map'.length) : file;
    if (declaration.endsWith('.d.ts') && !reached.has(declaration)) rmSync(file);
  }
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}
