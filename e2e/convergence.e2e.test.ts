import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, REPO_ROOT } from './browser.ts';
import { buildPages, serveStatic, type BuiltPages, type StaticServer } from './build-pages.ts';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { createNode } from '../src/runtime/create-node.ts';
import { hubDataDir, startHub, stopAllHubs, type HubProcess } from './hub.ts';
import type { LoadReport, LongTasks } from './pages/node.ts';

/*
 * Browser nodes (real Chromium, real IndexedDB, logs in a Web Worker) syncing through a real hub
 * process. Each browser context is a separate profile, so two contexts are two independent nodes.
 * Screenshots under load go to test-results/e2e/.
 */

const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'e2e');

type Doc = { by: string; n: number };

describe('browser nodes converge through a hub', () => {
  let browser: Browser | undefined;
  let pages: BuiltPages | undefined;
  let server: StaticServer | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    pages = await buildPages(['node.html']);
    server = await serveStatic(pages.dir);
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 600_000);

  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
    await stopAllHubs();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    pages?.remove();
    await stopAllHubs();
  });

  /** A fresh profile (own IndexedDB) with the node page open and its node started. */
  async function openNode(hub: HubProcess, label: string): Promise<Page> {
    const context = await browser!.newContext({ viewport: { width: 720, height: 480 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log(`[e2e] ${label} page error: ${e.message}`));
    await page.goto(`${server!.origin}/node.html?hub=${encodeURIComponent(hub.url)}&db=e2e-${label}`);
    await waitReady(page);
    return page;
  }

  async function waitReady(page: Page): Promise<void> {
    await page.waitForFunction(() => window.__sluice !== undefined || window.__sluiceError !== undefined, undefined, { timeout: 30_000 });
    const error = await page.evaluate(() => window.__sluiceError);
    expect(error).toBeUndefined();
  }

  const put = (page: Page, key: string, value: Doc) => page.evaluate(([k, v]) => window.__sluice!.put(k, v), [key, value] as const);
  const all = async (page: Page) => new Map((await page.evaluate(() => window.__sluice!.all())).map((d) => [d.key, d.value as Doc]));
  const metrics = (page: Page) => page.evaluate(() => window.__sluice!.metrics());
  const syncNow = (page: Page) => page.evaluate(() => window.__sluice!.syncNow()).catch(() => []);
  const loadReport = (page: Page) => page.evaluate(() => window.__sluice!.load()) as Promise<LoadReport>;
  const longTasks = (page: Page) => page.evaluate(() => window.__sluice!.longTasks()) as Promise<LongTasks>;

  /** Syncs every page until each holds every expected document; fails with what is missing. */
  async function converge(nodes: Page[], expected: Map<string, Doc>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let missing: string[] = [];
    for (;;) {
      missing = [];
      for (const [i, page] of nodes.entries()) {
        const docs = await all(page);
        for (const [key, value] of expected) if (JSON.stringify(docs.get(key)) !== JSON.stringify(value)) missing.push(`node ${i}: ${key}`);
      }
      if (missing.length === 0) return;
      if (Date.now() > deadline) break;
      await Promise.all(nodes.map(syncNow));
      await new Promise((r) => setTimeout(r, 200));
    }
    expect.fail(`not converged after ${timeoutMs} ms; missing or different: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (+${missing.length - 10})` : ''}`);
  }

  /** Both pages hold identical primary data. */
  async function sameData(a: Page, b: Page): Promise<Map<string, Doc>> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [x, y] = await Promise.all([all(a), all(b)]);
      const sx = JSON.stringify([...x].sort(([k1], [k2]) => k1.localeCompare(k2)));
      const sy = JSON.stringify([...y].sort(([k1], [k2]) => k1.localeCompare(k2)));
      if (sx === sy) return x;
      if (Date.now() > deadline) expect(sx).toBe(sy);
      await Promise.all([syncNow(a), syncNow(b)]);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('primary edits in one browser converge in the other; primary and logs run in Web Workers', async () => {
    const hub = await startHub(hubDataDir());
    const a = await openNode(hub, 'a');
    const b = await openNode(hub, 'b');

    const ma = await metrics(a);
    expect(ma.logs!.worker.state).toBe('running');
    // Default options in a browser: primary runs in a worker this tab leads (its profile's only tab).
    expect(ma.primary!.worker.state).toBe('running');
    expect((await metrics(b)).logs!.worker.state).toBe('running');
    expect(await a.evaluate(() => window.__sluice!.nodeId)).not.toBe(await b.evaluate(() => window.__sluice!.nodeId));

    const expected = new Map<string, Doc>([
      ['from-a', { by: 'a', n: 1 }],
      ['from-b', { by: 'b', n: 2 }],
    ]);
    await put(a, 'from-a', expected.get('from-a')!);
    await put(b, 'from-b', expected.get('from-b')!);
    await converge([a, b], expected);

    // Concurrent writes to one key: both sides settle on the same winner.
    await Promise.all([put(a, 'shared', { by: 'a', n: 10 }), put(b, 'shared', { by: 'b', n: 20 })]);
    const settled = await sameData(a, b);
    expect(['a', 'b']).toContain(settled.get('shared')?.by);

    // Logs go through the worker's pipeline to the hub.
    await a.evaluate(() => window.__sluice!.appendLogs(300));
    await expect.poll(async () => (await metrics(a)).logs!.buffer!.ingested, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(300);
    await expect
      .poll(
        async () => {
          await syncNow(a);
          return (await metrics(a)).logs!.entriesOut;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBeGreaterThan(0);
  }, 120_000);

  it('primary converges while one browser floods logs; buffers stay within bounds', async () => {
    const hub = await startHub(hubDataDir());
    const a = await openNode(hub, 'a');
    const b = await openNode(hub, 'b');
    const maxRecords = await a.evaluate(() => window.__sluice!.logsMaxRecords);
    await a.evaluate(() => window.__sluice!.resetLongTasks());

    await a.evaluate(() => window.__sluice!.startLoad({ durationMs: 4_000, sliceMs: 12 }));
    const expected = new Map<string, Doc>();
    let n = 0;
    let shot = false;
    while ((await loadReport(a)).running) {
      const ka = `load-a-${n}`;
      const kb = `load-b-${n}`;
      await Promise.all([put(a, ka, { by: 'a', n }), put(b, kb, { by: 'b', n })]);
      expected.set(ka, { by: 'a', n });
      expected.set(kb, { by: 'b', n });
      n++;
      if (!shot && n >= 10) {
        shot = true;
        await a.screenshot({ path: join(SCREENSHOTS, 'node-a-under-load.png') });
        await b.screenshot({ path: join(SCREENSHOTS, 'node-b-under-load.png') });
      }
    }
    const report = await loadReport(a);
    const tasks = await longTasks(a);
    const m = await metrics(a);
    console.log(
      `[e2e] under load: ${report.appended} log records in ${report.slices} slices, peak buffer depth ${report.maxDepth}/${maxRecords} over ${report.samples} samples, ` +
        `dropped ${m.logs!.buffer!.dropped['drop-oldest']}, ${n} primary writes per browser during load; ` +
        `long tasks on the appending page: ${tasks.count}, longest ${tasks.maxMs.toFixed(0)} ms, total ${tasks.totalMs.toFixed(0)} ms`,
    );
    expect(report.error).toBeNull();
    expect(report.appended).toBeGreaterThan(0);
    expect(report.samples).toBeGreaterThan(0);
    expect(report.maxDepth).toBeLessThanOrEqual(maxRecords);
    expect(m.logs!.buffer!.depth).toBeLessThanOrEqual(maxRecords);
    expect(m.logs!.worker.state).toBe('running');
    expect(n).toBeGreaterThan(0);
    await converge([a, b], expected);
    await a.screenshot({ path: join(SCREENSHOTS, 'node-a-after-load.png') });
  }, 180_000);

  it('a reload in the middle of a log flood loses no acknowledged primary write', async () => {
    const hub = await startHub(hubDataDir());
    const a = await openNode(hub, 'a');
    const b = await openNode(hub, 'b');
    const nodeId = await a.evaluate(() => window.__sluice!.nodeId);

    await a.evaluate(() => window.__sluice!.startLoad({ durationMs: 6_000, sliceMs: 15 }));
    const acknowledged = new Map<string, Doc>();
    const until = Date.now() + 1_500;
    for (let n = 0; Date.now() < until; n++) {
      await put(a, `acked-${n}`, { by: 'a', n });
      acknowledged.set(`acked-${n}`, { by: 'a', n });
    }
    expect((await loadReport(a)).running).toBe(true);
    await a.reload();
    await waitReady(a);

    // Same profile, same IndexedDB: the node keeps its identity and every acknowledged write.
    expect(await a.evaluate(() => window.__sluice!.nodeId)).toBe(nodeId);
    const local = await all(a);
    const lost = [...acknowledged].filter(([k, v]) => JSON.stringify(local.get(k)) !== JSON.stringify(v)).map(([k]) => k);
    expect(lost).toEqual([]);
    await converge([a, b], acknowledged);
  }, 120_000);

  it('telemetry stored while the hub was down survives a reload and is pushed once the hub is back', async () => {
    const dataDir = hubDataDir();
    let hub = await startHub(dataDir);
    const a = await openNode(hub, 'a');
    await hub.kill();

    // Offline: the records go to the logs dataset's own IndexedDB, not to the hub.
    await a.evaluate(() => window.__sluice!.appendLogs(600));
    await expect.poll(async () => (await metrics(a)).logs!.buffer!.ingested, { timeout: 30_000 }).toBe(600);
    const stored = (await metrics(a)).logs!.oplogEntries;
    expect(stored).toBeGreaterThan(0);

    // Reload while offline: the stored batches stay.
    await a.reload();
    await waitReady(a);
    expect((await metrics(a)).logs!.oplogEntries).toBe(stored);

    // The hub comes back: the logs pipeline resumes and pushes what it kept. A reader that pulls
    // the hub's logs gets all of it; another tab, with the default upload-only telemetry, none.
    hub = await startHub(dataDir, hub.port);
    const c = await openNode(hub, 'c');
    const reader = await createNode({ storage: memoryStorage(), peers: [websocket(hub.url)], datasets: { logs: { kind: 'append', worker: false, direction: 'pull' } } });
    try {
      await expect
        .poll(async () => {
          await syncNow(a);
          await reader.syncNow('logs');
          return (await reader.metrics()).logs!.oplogEntries;
        }, { timeout: 90_000, interval: 500 })
        .toBe(stored);
    } finally {
      await reader.close();
    }
    await syncNow(c);
    expect((await metrics(c)).logs!.oplogEntries).toBe(0);
  }, 180_000);

  it('clients reconnect and converge after the hub is killed and restarted', async () => {
    const dataDir = hubDataDir();
    let hub = await startHub(dataDir);
    const a = await openNode(hub, 'a');
    const b = await openNode(hub, 'b');
    const expected = new Map<string, Doc>([
      ['before-a', { by: 'a', n: 1 }],
      ['before-b', { by: 'b', n: 2 }],
    ]);
    await put(a, 'before-a', expected.get('before-a')!);
    await put(b, 'before-b', expected.get('before-b')!);
    await converge([a, b], expected);

    await hub.kill();
    expected.set('while-down-a', { by: 'a', n: 3 });
    expected.set('while-down-b', { by: 'b', n: 4 });
    await put(a, 'while-down-a', expected.get('while-down-a')!);
    await put(b, 'while-down-b', expected.get('while-down-b')!);
    const down = await syncNow(a);
    expect(down.find((r) => r.datasetId === 'primary')?.ok).toBe(false);

    hub = await startHub(dataDir, hub.port);
    await converge([a, b], expected, 90_000);

    // The restarted hub kept what it had before the crash: a newcomer gets everything from it.
    const c = await openNode(hub, 'c');
    await converge([c], expected);
  }, 180_000);
});
