import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { createNode } from '../src/runtime/create-node.ts';
import { launchChromium } from './browser.ts';
import { buildPages, serveStatic, type BuiltPages, type StaticServer } from './build-pages.ts';
import { hubDataDir, startHub, stopAllHubs } from './hub.ts';

/*
 * Tabs of one origin share one replica: three tabs of one browser profile (real Chromium, real
 * IndexedDB, default options), a real hub process. The leader tab is closed in the middle of a
 * write burst; nothing acknowledged is lost, the other tabs' writes all land, one WebSocket per
 * dataset serves the origin, and every tab's live query shows the same list.
 */

describe('tabs of an origin share one replica', () => {
  let browser: Browser | undefined;
  let pages: BuiltPages | undefined;
  let server: StaticServer | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    pages = await buildPages(['tabs.html']);
    server = await serveStatic(pages.dir);
    browser = await launchChromium();
  }, 600_000);

  afterEach(async () => {
    await context?.close().catch(() => undefined);
    await stopAllHubs();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    pages?.remove();
    await stopAllHubs();
  });

  it('3 tabs write, the leader tab closes mid-burst: nothing is lost, one socket per dataset, the same live results everywhere', async () => {
    const hub = await startHub(hubDataDir(), 0, 'primary');
    context = await browser!.newContext();
    const sockets: { page: string; url: string; closed: boolean }[] = [];
    const open = async (label: string): Promise<Page> => {
      const page = await context!.newPage();
      page.on('pageerror', (e) => console.log(`[e2e] ${label} page error: ${e.message}`));
      page.on('websocket', (ws) => {
        const entry = { page: label, url: ws.url(), closed: false };
        sockets.push(entry);
        ws.on('close', () => (entry.closed = true));
      });
      await page.goto(`${server!.origin}/tabs.html?hub=${encodeURIComponent(hub.url)}`);
      await page.waitForFunction(() => window.__tabs !== undefined || window.__tabsError !== undefined, undefined, { timeout: 30_000 });
      expect(await page.evaluate(() => window.__tabsError)).toBeUndefined();
      return page;
    };
    const tabs = [await open('tab0'), await open('tab1'), await open('tab2')];

    // One node: the tabs share its identity, and exactly one of them leads.
    const ids = await Promise.all(tabs.map((t) => t.evaluate(() => window.__tabs!.nodeId)));
    expect(new Set(ids).size).toBe(1);
    const states = await Promise.all(tabs.map((t) => t.evaluate(() => window.__tabs!.leading())));
    expect(states.filter((s) => s === 'running')).toHaveLength(1);
    expect(states.filter((s) => s === 'other-tab')).toHaveLength(2);
    const leader = states.indexOf('running');

    // One WebSocket for the one dataset, opened by the leader's worker, whatever the tab count.
    await expect.poll(() => sockets.filter((s) => !s.closed).length, { timeout: 15_000 }).toBe(1);
    expect(sockets.filter((s) => !s.closed).map((s) => s.page)).toEqual([`tab${leader}`]);

    // Every tab writes; the leader tab goes away in the middle of it.
    for (const [i, t] of tabs.entries()) await t.evaluate((p) => window.__tabs!.burst(p, 150, 4), `w${i}`);
    await expect.poll(() => tabs[leader]!.evaluate(() => window.__tabs!.acked().length), { timeout: 30_000 }).toBeGreaterThan(20);
    const ackedByLeader = await tabs[leader]!.evaluate(() => window.__tabs!.acked());
    await tabs[leader]!.close();
    // A closed page reports no more socket events: its socket went with it.
    for (const s of sockets) if (s.page === `tab${leader}`) s.closed = true;
    const survivors = tabs.filter((_, i) => i !== leader);

    // The other tabs' writes all resolve: those the old leader never answered went to the new one.
    for (const t of survivors) {
      await expect.poll(() => t.evaluate(() => window.__tabs!.acked().length), { timeout: 60_000, interval: 250 }).toBe(150);
      expect((await t.evaluate(() => window.__tabs!.progress())).failed).toEqual([]);
    }
    const states2 = await Promise.all(survivors.map((t) => t.evaluate(() => window.__tabs!.leading())));
    expect(states2.filter((s) => s === 'running')).toHaveLength(1);
    await expect.poll(() => sockets.filter((s) => !s.closed).length, { timeout: 15_000 }).toBe(1);

    // Everything acknowledged reached the hub, exactly once per key.
    const expected = new Set(ackedByLeader);
    for (const [i] of tabs.entries()) if (i !== leader) for (let n = 0; n < 150; n++) expected.add(`w${i}-${String(n).padStart(4, '0')}`);
    const reader = await createNode({ storage: memoryStorage(), peers: [websocket(hub.url)] });
    try {
      await expect
        .poll(
          async () => {
            await reader.syncNow();
            const have = new Set((await reader.collection('items').all()).map((d) => d.key));
            return [...expected].filter((k) => !have.has(k)).length;
          },
          { timeout: 60_000, interval: 250 },
        )
        .toBe(0);
      const onHub = (await reader.collection('items').all()).map((d) => d.key).sort();

      // Every tab's live query shows the same list, which is what the hub holds.
      for (const t of survivors) {
        await expect.poll(async () => JSON.stringify([...(await t.evaluate(() => window.__tabs!.live().keys))].sort()), { timeout: 30_000, interval: 250 }).toBe(JSON.stringify(onHub));
      }
    } finally {
      await reader.close();
    }
  }, 180_000);
});
