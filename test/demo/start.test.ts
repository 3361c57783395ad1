import { WebSocket } from 'ws';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { websocket } from '../../adapters/transport/websocket/client.ts';
import { createNode } from '../../src/runtime/create-node.ts';
import { Processes, REPO_ROOT, terminate } from './process-helpers.ts';

/*
 * `npm start` (node demo/start.mjs) end to end, on free ports and temporary directories: the hub
 * starts on SQLite, the page is built with Vite and served, both stop cleanly on SIGTERM.
 */
describe('npm start (demo/start.mjs)', () => {
  const p = new Processes();
  afterEach(() => p.cleanup());

  it('builds and serves the page, tells it where the hub is, and stops cleanly on SIGTERM', async () => {
    const dir = p.dir();
    const out = join(dir, 'out');
    const demo = p.start([join(REPO_ROOT, 'demo/start.mjs')], {
      env: { ...process.env, SLUICE_HUB_PORT: '0', SLUICE_DEMO_PORT: '0', SLUICE_DATA_DIR: join(dir, 'data'), SLUICE_DEMO_OUT: out },
    });
    const [, pageUrl] = await demo.waitFor(/page (http:\/\/127\.0\.0\.1:\d+\/)/, 90_000);
    const [, hubUrl] = await demo.waitFor(/hub {2}(ws:\/\/127\.0\.0\.1:\d+)/, 1_000);

    const page = await fetch(pageUrl!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    for (const id of ['app-root', 'primary-view', 'controls', 'charts', 'node-status', 'hub-url']) expect(html).toContain(`data-testid="${id}"`);

    const config = await fetch(new URL('config.json', pageUrl));
    expect(config.status).toBe(200);
    expect(await config.json()).toEqual({ hubUrl });

    // The bundle: the app script is served, the pipeline worker is its own chunk, no Node-only code.
    const script = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(new URL(script!, pageUrl));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    const assets = readdirSync(join(out, 'assets'));
    expect(assets.some((f) => /^pipeline-worker-.*\.js$/.test(f))).toBe(true);
    for (const f of assets.filter((name) => name.endsWith('.js'))) {
      const text = readFileSync(join(out, 'assets', f), 'utf8');
      expect(text, f).not.toMatch(/better-sqlite3|bun:sqlite|node:sqlite|require\("ws"\)/);
    }
    expect((await fetch(new URL('../../etc/passwd', pageUrl))).status).toBe(404);
    expect((await fetch(new URL('nope.js', pageUrl))).status).toBe(404);

    // The hub is a real sluice hub: a node syncs primary with it.
    const node = await createNode({ storage: memoryStorage(), peers: [websocket(hubUrl!)] });
    try {
      await node.collection('items').put('smoke', { title: 'hello' });
      const [report] = await node.syncNow();
      expect(report!.peers[0]).toMatchObject({ ok: true });
    } finally {
      await node.close();
    }

    expect(await terminate(demo)).toEqual({ code: 0, signal: null });
    expect(demo.stdout()).toContain('stopped cleanly'); // the hub's own clean shutdown
    expect(demo.stdout()).toContain('sluice demo: stopped');
  }, 120_000);

  it('takes its hub down with it even when the launcher is killed outright', async () => {
    const dir = p.dir();
    const demo = p.start([join(REPO_ROOT, 'demo/start.mjs')], {
      env: { ...process.env, SLUICE_HUB_PORT: '0', SLUICE_DEMO_PORT: '0', SLUICE_DATA_DIR: join(dir, 'data'), SLUICE_DEMO_OUT: join(dir, 'out') },
    });
    await demo.waitFor(/page (http:\/\/127\.0\.0\.1:\d+\/)/, 90_000);
    const [, hubUrl] = await demo.waitFor(/hub {2}(ws:\/\/127\.0\.0\.1:\d+)/, 1_000);
    const reachable = () =>
      new Promise<boolean>((resolve) => {
        const socket = new WebSocket(hubUrl!);
        socket.once('open', () => {
          socket.close();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
    expect(await reachable()).toBe(true);
    demo.child.kill('SIGKILL');
    await vi.waitFor(async () => expect(await reachable()).toBe(false), { timeout: 20_000, interval: 200 });
  }, 90_000);

  it('refuses a bad port with a message and exit code 1', async () => {
    const demo = p.start([join(REPO_ROOT, 'demo/start.mjs'), '--port', 'eighty', '--no-build']);
    expect((await demo.exited).code).toBe(1);
    expect(demo.stderr()).toContain('--port must be a port number');
  });
});
