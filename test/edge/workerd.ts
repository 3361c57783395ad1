import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { SignJWT } from 'jose';
import { Log, LogLevel, Miniflare } from 'miniflare';

/*
 * An edge hub in real workerd, through Miniflare (whose npm package ships the workerd binary).
 * The Worker is bundled from the built package (dist/, `npm run build` first) by package name,
 * with the conditions wrangler uses, so the test runs what an app deploys.
 */

export const JWT_SECRET = 'edge-test-secret-with-enough-bytes-for-hs256';
export const COMPATIBILITY_DATE = '2025-04-01';
const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface WorkerBundle {
  readonly code: string;
  /** Every module the bundle holds, relative to the repository. */
  readonly inputs: readonly string[];
}

/** Bundles a Worker entry as wrangler does (esbuild, workerd conditions, cloudflare:* external). */
export async function bundleWorker(entry: string, options: { workingDir?: string } = {}): Promise<WorkerBundle> {
  // An installed app resolves sluice from its own node_modules; the repository's files from here.
  const installed = options.workingDir !== undefined;
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    // SLUICE_EDGE_SOURCE=1 bundles the TypeScript sources instead of dist/, while debugging.
    conditions: ['workerd', 'worker', 'browser', ...(process.env.SLUICE_EDGE_SOURCE ? ['sluice-source'] : [])],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    write: false,
    metafile: true,
    absWorkingDir: options.workingDir ?? REPO_ROOT,
    logLevel: 'silent',
    plugins: installed ? [] : [packageFromRepository],
  });
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

/**
 * `sluice` and `sluice/...` resolve through this repository's package.json exports, from any
 * folder: examples/ have package.json files of their own (an app's), whose node_modules are not
 * installed here. test/consumers installs the packed tarball into a copy of the example instead.
 */
const packageFromRepository: Plugin = {
  name: 'sluice-from-repository',
  setup(b) {
    b.onResolve({ filter: /^sluice(\/|$)/ }, (args) => (resolve(args.resolveDir) === REPO_ROOT ? undefined : b.resolve(args.path, { kind: args.kind, resolveDir: REPO_ROOT })));
  },
};

export interface EdgeOptions {
  readonly code: string;
  /** A directory for the objects' SQLite: the same one again restarts on the same data. */
  readonly persist: string;
  readonly port?: number;
  readonly bindings?: Record<string, string>;
  /** The Durable Object binding and class (default SLUICE_HUB, SluiceHubObject), and the compatibility date. */
  readonly binding?: string;
  readonly className?: string;
  readonly compatibilityDate?: string;
  /** Apps often turn on nodejs_compat (a global Buffer, node: modules); the hub needs neither. Default off. */
  readonly nodejsCompat?: boolean;
}

export interface Edge {
  readonly mf: Miniflare;
  /** ws://127.0.0.1:port */
  readonly url: string;
  readonly port: number;
  /** Evicts the object of `name` from memory, keeping its sockets open (hibernation). */
  hibernate(name: string): Promise<void>;
  dispose(): Promise<void>;
}

export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const mf = new Miniflare({
    modules: true,
    script: options.code,
    compatibilityDate: options.compatibilityDate ?? COMPATIBILITY_DATE,
    compatibilityFlags: options.nodejsCompat ? ['nodejs_compat'] : [],
    durableObjects: { [options.binding ?? 'SLUICE_HUB']: { className: options.className ?? 'SluiceHubObject', useSQLite: true } },
    durableObjectsPersist: options.persist,
    bindings: { SLUICE_JWT_SECRET: JWT_SECRET, SLUICE_DATASETS: 'primary,logs:append', ...options.bindings },
    host: '127.0.0.1',
    // Loopback only: no fetch of Cloudflare's request metadata from the internet.
    cf: false,
    // SLUICE_EDGE_LOG=1 shows workerd's own log (uncaught errors in the objects) while debugging.
    ...(process.env.SLUICE_EDGE_LOG ? { log: new Log(LogLevel.DEBUG) } : {}),
    port: options.port ?? (await freePort()),
  });
  const ready = await mf.ready;
  return {
    mf,
    url: `ws://127.0.0.1:${ready.port}`,
    port: Number(ready.port),
    hibernate: (name) => mf.unsafeEvictDurableObject('', options.className ?? 'SluiceHubObject', { name, webSockets: 'hibernate' } as never),
    dispose: () => mf.dispose(),
  };
}

export function scratchDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A JWT for `sub`, granted `datasets`, as an app's auth server would sign it. */
export function tokenFor(sub: string, datasets: readonly string[] = ['primary', 'logs'], secret = JWT_SECRET): Promise<string> {
  return signedToken(sub, { datasets: [...datasets] }, secret);
}

/** A JWT for `sub` with these claims (`team` for a `team/{team}` template, `nodes`, ...). */
export function signedToken(sub: string, claims: Record<string, unknown>, secret = JWT_SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(secret));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `check` returns a value other than undefined; fails after `withinMs` saying `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, withinMs = 20_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
