import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../e2e/browser.ts';
import { serveStatic, type StaticServer } from '../../e2e/build-pages.ts';
import { Processes, REPO_ROOT } from '../demo/process-helpers.ts';
import { runtimeBin } from '../runtime-process.ts';
import { exec, installProject, packTarball } from './packed-package.ts';
import { quickStart, quickStartFor } from './readme-quick-starts.ts';
import { postgresForSuite } from '../postgres/suite-server.ts';
import { bundleWorker, startEdge } from '../edge/workerd.ts';

interface WranglerConfig {
  readonly main: string;
  readonly compatibility_date: string;
  readonly durable_objects: { readonly bindings: readonly { readonly name: string; readonly class_name: string }[] };
  readonly migrations: readonly { readonly new_sqlite_classes: readonly string[] }[];
  readonly vars: Record<string, string>;
}

/*
 * The package as users get it: `npm pack`, installed into throwaway projects outside the repository,
 * running the README's own quick starts against a hub started from the installed package's CLI on
 * 127.0.0.1. No loader, no stubs, no aliases, default options everywhere.
 *   server: plain Node ESM (.mjs), strict TypeScript (NodeNext and Bundler), Deno 2 and Bun
 *   browser: a Vite app with Vite's defaults, loaded in Chromium
 */

const procs = new Processes();
let root: string;
let tarball: string;
let server: string;
let browserApp: string;
let react18App: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sluice-consumers-'));
  tarball = await packTarball(root);
  server = join(root, 'server');
  browserApp = join(root, 'browser');
  react18App = join(root, 'react18');
  // better-sqlite3 (Node's driver) and ws (Node's hub) are the optional peers a Node user adds;
  // typescript for the type check. The browser app adds only dexie and vite.
  await Promise.all([
    installProject(server, tarball, ['better-sqlite3', 'ws', 'postgres', 'typescript']),
    installProject(browserApp, tarball, ['dexie', 'vite', 'typescript']),
    // React 18 here (the repository tests React 19 in e2e/react.e2e.test.ts).
    installProject(react18App, tarball, ['dexie', 'vite', 'react@18.3.1', 'react-dom@18.3.1']),
  ]);
  for (const file of ['check-hub.mjs', 'postgres-backend.mjs', 'edge-client.mjs']) copyFileSync(join(REPO_ROOT, 'test/consumers/files', file), join(server, file));
}, 600_000);

afterEach(() => procs.cleanup());
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A hub from the installed package's own CLI, on SQLite in a fresh directory (or on the given PostgreSQL). */
async function hub(postgresUrl?: string): Promise<string> {
  const data = mkdtempSync(join(root, 'hub-'));
  const storage = postgresUrl === undefined ? [] : ['--postgres', postgresUrl];
  const started = procs.start([join(server, 'node_modules/sluice/bin/sluice.mjs'), 'hub', '--port', '0', '--host', '127.0.0.1', '--data', data, '--stats', '0', ...storage], { cwd: server });
  const [, url] = await started.waitFor(/listening on (ws:\/\/\S+)/, 30_000);
  return url!;
}

/** What the checker node (from the installed package) pulls from the hub. */
async function seenAtHub(url: string, withLogs = false): Promise<{ todos: { key: string; value: unknown }[]; logs: unknown[] }> {
  const out = await exec(process.execPath, ['check-hub.mjs', url, ...(withLogs ? ['logs'] : [])], server);
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** Writes the README's Node quick start, dialing `url`, into a fresh directory of the server project. */
function nodeQuickStart(url: string, name: string): string {
  const dir = join(server, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'app.mjs'), quickStartFor('node', url));
  return dir;
}

const milk = { key: 't1', value: { title: 'Buy milk', done: false } };

describe('the packed package', () => {
  it('passes publint --strict', async () => {
    const out = await exec(join(REPO_ROOT, 'node_modules/.bin/publint'), ['--strict', REPO_ROOT], REPO_ROOT);
    expect(out).toMatch(/All good/);
  });

  it('passes @arethetypeswrong/cli for an ESM-only package (every entry resolves with types under node16 and bundler)', async () => {
    // esm-only: the package ships no CommonJS, by design, so node10 and require() are out of scope.
    const out = await exec(join(REPO_ROOT, 'node_modules/.bin/attw'), [tarball, '--profile', 'esm-only', '--format', 'json'], REPO_ROOT);
    const report = JSON.parse(out.slice(out.indexOf('{'))) as { analysis: { problems: { kind: string; resolutionKind: string; entrypoint: string }[] } };
    const inScope = report.analysis.problems.filter((p) => p.resolutionKind === 'node16-esm' || p.resolutionKind === 'bundler');
    expect(inScope).toEqual([]);
  });

  it('ships dist/, bin/, proto/, README and LICENSE only, under 240 kB packed', async () => {
    const out = await exec('npm', ['pack', '--dry-run', '--json'], REPO_ROOT);
    const [info] = JSON.parse(out.slice(out.indexOf('['))) as { size: number; files: { path: string }[] }[];
    const tops = new Set(info!.files.map((f) => f.path.split('/')[0]));
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'bin', 'dist', 'package.json', 'proto']);
    expect(info!.files.some((f) => /\.test\.|\.fixture\.|\.png$/.test(f.path))).toBe(false);
    // 200 kB until the Cloudflare entry (the hub object, its router and the Durable Object storage)
    // added about 12 kB; 220 kB until per-user data (PostgreSQL's partitioned instance tables, edge
    // templates, stored revocations, token functions, read-only grants) added about 10 kB.
    expect(info!.size).toBeLessThan(240 * 1024);
  });
});

describe('plain Node ESM', () => {
  it('runs the README quick start on SQLite and WebSocket; another node sees its document through the hub', async () => {
    const url = await hub();
    const dir = nodeQuickStart(url, 'node-app');
    const out = await exec(process.execPath, ['app.mjs'], dir);
    expect(out).toContain("title: 'Buy milk'");
    expect((await seenAtHub(url)).todos).toEqual([milk]);
  }, 120_000);
});

describe('hubs over one PostgreSQL, from the installed package', () => {
  const pg = postgresForSuite();

  it('a backend node on Node, Deno and Bun writes through sluice/postgres; two `sluice hub --postgres` serve it, and the quick start on one hub reaches a reader on the other', async () => {
    const [a, b] = await Promise.all([hub(pg.url), hub(pg.url)]);
    const dir = nodeQuickStart(a, 'pg-app');
    expect(await exec(process.execPath, ['app.mjs'], dir)).toContain("title: 'Buy milk'");
    expect(await exec(process.execPath, ['postgres-backend.mjs', pg.url, 'backend-node'], server)).toContain('backend-node wrote');
    const denoArgs = ['run', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', '--allow-sys', '--no-prompt', 'postgres-backend.mjs', pg.url, 'backend-deno'];
    expect(await exec(runtimeBin('deno'), denoArgs, server)).toContain('backend-deno wrote');
    expect(await exec(runtimeBin('bun'), ['postgres-backend.mjs', pg.url, 'backend-bun'], server)).toContain('backend-bun wrote');
    const todos = (await seenAtHub(b)).todos;
    expect(todos).toEqual(expect.arrayContaining([milk, ...['backend-bun', 'backend-deno', 'backend-node'].map((id) => ({ key: id, value: { from: id } }))]));
    expect(todos).toHaveLength(4);
  }, 180_000);
});

describe('the installed CLI', () => {
  it('answers --help without any driver, and names the optional peers it needs when they are missing', async () => {
    // the browser app installed neither better-sqlite3 nor ws
    const bin = join(browserApp, 'node_modules/sluice/bin/sluice.mjs');
    expect(await exec(process.execPath, [bin, 'hub', '--help'], browserApp)).toMatch(/--max-connections <n>/);
    const data = mkdtempSync(join(root, 'no-driver-'));
    await expect(exec(process.execPath, [bin, 'hub', '--port', '0', '--data', data], browserApp)).rejects.toThrow(/npm i better-sqlite3 ws/);
  }, 60_000);
});

describe('Deno 2 and Bun', () => {
  for (const runtime of ['deno', 'bun'] as const) {
    it(`${runtime} runs the README Node quick start on its own SQLite; another node sees the document`, async () => {
      const url = await hub();
      const dir = nodeQuickStart(url, `${runtime}-app`);
      const args = runtime === 'deno' ? ['run', '--allow-net=127.0.0.1', '--allow-read', '--allow-write', '--allow-env', '--no-prompt', 'app.mjs'] : ['app.mjs'];
      const out = await exec(runtimeBin(runtime), args, dir);
      expect(out).toMatch(/Buy milk/);
      expect((await seenAtHub(url)).todos).toEqual([milk]);
    }, 120_000);
  }
});

describe('strict TypeScript', () => {
  /** tsc --strict over one README quick start, in the project whose peers it imports; resolves with tsc's output. */
  function typeCheck(project: string, name: 'node' | 'browser', resolution: 'NodeNext' | 'Bundler'): Promise<string> {
    const dir = join(project, `ts-${name}-${resolution.toLowerCase()}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'app.ts'), quickStart(name));
    const module = resolution === 'NodeNext' ? 'NodeNext' : 'ESNext';
    // No @types for better-sqlite3 or ws, skipLibCheck off: the package's own .d.ts must stand alone.
    const compilerOptions = { strict: true, noEmit: true, target: 'ES2022', module, moduleResolution: resolution, lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
    // the projects' package.json has "type": "module", so NodeNext checks the files as ESM
    return exec(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', dir], dir);
  }

  for (const resolution of ['NodeNext', 'Bundler'] as const) {
    it(`type-checks the README quick starts with moduleResolution ${resolution}: 0 errors`, async () => {
      await expect(typeCheck(server, 'node', resolution)).resolves.toBe('');
      await expect(typeCheck(browserApp, 'browser', resolution)).resolves.toBe('');
    }, 120_000);
  }
});

describe('the Cloudflare example', () => {
  it('installs into a copy of examples/cloudflare, bundles with the workerd conditions, and serves clients in workerd as its wrangler.jsonc configures it', async () => {
    const app = join(root, 'cloudflare');
    await installProject(app, tarball, []);
    cpSync(join(REPO_ROOT, 'examples/cloudflare/src'), join(app, 'src'), { recursive: true });
    const config = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/cloudflare/wrangler.jsonc'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as WranglerConfig;
    // What wrangler would do with it: bundle main with esbuild under the workerd conditions.
    const bundle = await bundleWorker(join(app, config.main), { workingDir: app });
    expect(bundle.inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
    expect(bundle.inputs.some((i) => i.includes('node_modules/sluice/dist/adapters/edge/cloudflare/'))).toBe(true);
    const [binding] = config.durable_objects.bindings;
    expect(config.migrations[0]!.new_sqlite_classes).toContain(binding!.class_name);
    const edge = await startEdge({ code: bundle.code, persist: mkdtempSync(join(root, 'edge-')), binding: binding!.name, className: binding!.class_name, compatibilityDate: config.compatibility_date, bindings: { ...config.vars, SLUICE_TOKEN: 'consumer-token', SLUICE_JWT_SECRET: '' } });
    try {
      const out = await exec(process.execPath, ['edge-client.mjs', `${edge.url}/sync`, 'consumer-token'], server);
      const { seen, hubId } = JSON.parse(out.trim().split('\n').pop()!) as { seen: unknown; hubId: string };
      expect(seen).toEqual({ title: 'through the edge' });
      expect(hubId).toMatch(/^n-/);
    } finally {
      await edge.dispose();
    }
  }, 300_000);
});

describe('a Vite browser app', () => {
  let browser: Browser | undefined;
  let page: StaticServer | undefined;
  afterAll(async () => {
    await browser?.close();
    await page?.close();
  });

  it('builds the README browser quick start with Vite defaults; in Chromium it syncs a document and a worker-run append dataset through the hub', async () => {
    const url = await hub();
    mkdirSync(join(browserApp, 'src'), { recursive: true });
    writeFileSync(join(browserApp, 'index.html'), '<!doctype html><title>sluice app</title><script type="module" src="/src/main.ts"></script>\n');
    writeFileSync(join(browserApp, 'src/main.ts'), quickStartFor('browser', url));
    await exec(process.execPath, [join(browserApp, 'node_modules/vite/bin/vite.js'), 'build'], browserApp);
    page = await serveStatic(join(browserApp, 'dist'));
    browser = await launchChromium();
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`${page.origin}/`);
    const seen = await seenAtHub(url, true);
    expect(errors).toEqual([]);
    expect(seen.todos).toEqual([{ key: 't1', value: { title: 'Buy milk' } }]);
    expect(seen.logs).toEqual([expect.objectContaining({ level: 'info', msg: 'clicked buy' })]);
    // the append dataset ran in the default worker the package ships, bundled by Vite as is
    expect(tab.workers().length).toBeGreaterThan(0);
  }, 180_000);

  it('sluice/react with React 18: a live list, a document and the status follow writes through the hub', async () => {
    const url = await hub();
    mkdirSync(join(react18App, 'src'), { recursive: true });
    writeFileSync(join(react18App, 'index.html'), '<!doctype html><title>sluice react 18</title><div id="root"></div><script type="module" src="/src/main.ts"></script>\n');
    copyFileSync(join(REPO_ROOT, 'e2e/pages/react.ts'), join(react18App, 'src/main.ts'));
    await exec(process.execPath, [join(react18App, 'node_modules/vite/bin/vite.js'), 'build'], react18App);
    // The app runs the React it installed: 18.
    expect(readdirSync(join(react18App, 'dist/assets')).some((f) => f.endsWith('.js') && readFileSync(join(react18App, 'dist/assets', f), 'utf8').includes('"18.3.1"'))).toBe(true);
    const served = await serveStatic(join(react18App, 'dist'));
    browser ??= await launchChromium();
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    try {
      await tab.goto(`${served.origin}/?hub=${encodeURIComponent(url)}`);
      await tab.waitForFunction(() => (window as { __react?: unknown }).__react !== undefined, undefined, { timeout: 30_000 });
      await expect.poll(() => tab.locator('[data-testid="status"]').innerText(), { timeout: 15_000 }).toBe('online');
      await tab.evaluate(() => (window as unknown as { __react: { put(k: string, v: unknown): Promise<void> } }).__react.put('t1', { title: 'Pears', done: false }));
      await expect.poll(() => tab.locator('[data-testid="open"] li').allInnerTexts(), { timeout: 15_000 }).toEqual(['Pears']);
      expect(await tab.locator('[data-testid="t1"]').innerText()).toBe('Pears');
      await expect.poll(async () => (await seenAtHub(url)).todos, { timeout: 15_000 }).toEqual([{ key: 't1', value: { title: 'Pears', done: false } }]);
      expect(errors).toEqual([]);
    } finally {
      await served.close();
    }
  }, 180_000);
});
