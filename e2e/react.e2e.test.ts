import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { createNode } from '../src/runtime/create-node.ts';
import { launchChromium } from './browser.ts';
import { buildPages, serveStatic, type BuiltPages, type StaticServer } from './build-pages.ts';
import { hubDataDir, startHub, stopAllHubs } from './hub.ts';

/*
 * sluice/react in real Chromium with React from npm: a live query, a document and the sync status
 * follow writes made in the page and writes made by another node through a real hub.
 */

describe('React bindings in Chromium', () => {
  let browser: Browser | undefined;
  let pages: BuiltPages | undefined;
  let server: StaticServer | undefined;

  beforeAll(async () => {
    pages = await buildPages(['react.html']);
    server = await serveStatic(pages.dir);
    browser = await launchChromium();
  }, 600_000);
  afterEach(() => stopAllHubs());
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    pages?.remove();
  });

  const text = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`).innerText();
  const items = (page: Page) => page.locator('[data-testid="open"] li').allInnerTexts();

  it('useQuery, useDocument and useSyncStatus follow local and remote writes', async () => {
    const hub = await startHub(hubDataDir(), 0, 'primary');
    const page = await (await browser!.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server!.origin}/react.html?hub=${encodeURIComponent(hub.url)}`);
    await page.waitForFunction(() => window.__react !== undefined || window.__reactError !== undefined, undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => window.__reactError)).toBeUndefined();
    await expect.poll(() => text(page, 'status'), { timeout: 15_000 }).toBe('online');
    await expect.poll(() => page.locator('[data-testid="open"]').getAttribute('data-loading')).toBe('false');
    expect(await items(page)).toEqual([]);
    expect(await text(page, 't1')).toBe('-');

    const other = await createNode({ storage: memoryStorage(), peers: [websocket(hub.url)] });
    try {
      const todos = other.collection('todos');
      await todos.putMany([
        { key: 't1', value: { title: 'Cherries', done: false } },
        { key: 't2', value: { title: 'Apples', done: false } },
        { key: 't3', value: { title: 'Bread', done: true } },
      ]);
      await expect.poll(() => items(page), { timeout: 15_000 }).toEqual(['Apples', 'Cherries']);
      expect(await text(page, 't1')).toBe('Cherries');

      // A local write renders at once; a remote update moves a document out of the query.
      await page.evaluate(() => window.__react!.put('t4', { title: 'Butter', done: false }));
      await expect.poll(() => items(page), { timeout: 15_000 }).toEqual(['Apples', 'Butter', 'Cherries']);
      await todos.put('t1', { title: 'Cherries', done: true });
      await expect.poll(() => items(page), { timeout: 15_000 }).toEqual(['Apples', 'Butter']);
      await expect.poll(() => text(page, 't1'), { timeout: 15_000 }).toBe('Cherries (done)');

      // The page's own write reached the other node through the hub.
      await expect.poll(async () => (await other.syncNow(), await todos.get('t4')), { timeout: 15_000 }).toEqual({ title: 'Butter', done: false });
    } finally {
      await other.close();
    }
    expect(errors).toEqual([]);
  }, 120_000);
});
