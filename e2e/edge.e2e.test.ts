import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.ts';
import { buildPages, serveStatic, type BuiltPages, type StaticServer } from './build-pages.ts';
import { createNode } from '../src/runtime/create-node.ts';
import type { SyncNode } from '../src/runtime/sync-node.ts';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { bundleWorker, eventually, scratchDir, startEdge, tokenFor, type Edge } from '../test/edge/workerd.ts';

/*
 * A Chromium page (real IndexedDB, datasets in Web Workers, the browser defaults) and a Node client
 * syncing documents and an append dataset through the edge hub: the Worker of examples/cloudflare,
 * bundled from the built package, in workerd. The page is the e2e node page, given a JWT.
 */

describe('a browser syncs through the edge hub', () => {
  let browser: Browser | undefined;
  let pages: BuiltPages | undefined;
  let server: StaticServer | undefined;
  let edge: Edge | undefined;
  let reader: SyncNode | undefined;
  const scratch = scratchDir('sluice-e2e-edge-');

  beforeAll(async () => {
    const bundle = await bundleWorker('examples/cloudflare/src/worker.ts');
    edge = await startEdge({ code: bundle.code, persist: scratch.path });
    pages = await buildPages(['node.html']);
    server = await serveStatic(pages.dir);
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await reader?.close();
    await browser?.close();
    await server?.close();
    pages?.remove();
    await edge?.dispose();
    scratch.remove();
  });

  async function openPage(nodeId: string): Promise<Page> {
    const context = await browser!.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log(`[e2e] page error: ${e.message}`));
    const hub = `${edge!.url}/sync`;
    await page.goto(`${server!.origin}/node.html?hub=${encodeURIComponent(hub)}&token=${await tokenFor(nodeId)}&node=${nodeId}&db=edge-${nodeId}`);
    await page.waitForFunction(() => window.__sluice !== undefined || window.__sluiceError !== undefined, undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => window.__sluiceError)).toBeUndefined();
    return page;
  }

  it('documents both ways and appended records reach the hub', async () => {
    const page = await openPage('browser-a');
    reader = await createNode({
      nodeId: 'node-reader',
      storage: memoryStorage(),
      peers: [websocket(`${edge!.url}/sync`, { token: await tokenFor('node-reader') })],
      datasets: { primary: {}, logs: { kind: 'append', direction: 'pull', worker: false } },
    });
    const node = reader;

    await page.evaluate(() => window.__sluice!.put('from-browser', { by: 'browser', n: 1 }));
    expect(await eventually('the Node client gets the browser write', async () => (await node.syncNow('primary'), node.collection('items').get('from-browser')), 30_000)).toEqual({ by: 'browser', n: 1 });

    await node.collection('items').put('from-node', { by: 'node', n: 2 });
    expect(await eventually('the browser gets the Node write', () => page.evaluate(() => window.__sluice!.get('from-node')), 30_000)).toEqual({ by: 'node', n: 2 });

    await page.evaluate(() => window.__sluice!.appendLogs(300));
    const records = await eventually(
      'the browser records reach the hub',
      async () => {
        await page.evaluate(() => window.__sluice!.syncNow());
        await node.syncNow('logs');
        const got = (await node.dataset('logs').records(null, 1000)).records as { seq: number }[];
        return got.length >= 300 ? got : undefined;
      },
      30_000,
    );
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    const metrics = await page.evaluate(() => window.__sluice!.metrics());
    expect(metrics.primary!.peers.map((p) => [p.connected, p.lastError])).toEqual([[true, null]]);
  }, 120_000);
});
