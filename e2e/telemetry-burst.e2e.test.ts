import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { buildPages, serveStatic, type BuiltPages, type StaticServer } from './build-pages.ts';
import { hubDataDir, startHub, stopAllHubs, type HubProcess } from './hub.ts';
import { recordsAtHub } from './hub-records.ts';

/*
 * A telemetry burst in one tab, library defaults (e2e/pages/isolation.ts: logs and timeseries as
 * append datasets in their workers, primary in the page): 20k logs/s and 20k points/s for 30 s.
 * Every record the tab accepted and did not count as dropped must be at the hub, counted exactly in
 * the hub's own SQLite; the other tab of the same app never receives a telemetry record.
 */
const SECONDS = 30;
const RATE = 20_000;

describe('a 30 s telemetry burst in one tab', () => {
  let pages: BuiltPages;
  let server: StaticServer;
  let browser: Browser;
  let hub: HubProcess;

  beforeAll(async () => {
    pages = await buildPages(['isolation.html']);
    server = await serveStatic(pages.dir);
    browser = await launchChromium();
    hub = await startHub(hubDataDir(), 0, 'primary,logs,timeseries');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    pages?.remove();
    await stopAllHubs();
  });

  async function open(db: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.origin}/isolation.html?hub=${encodeURIComponent(hub.url)}&mode=multi&db=${db}`);
    await page.waitForFunction(() => document.title === 'ready' || document.title === 'failed', undefined, { timeout: 60_000 });
    expect(await page.evaluate(() => window.__benchError ?? '')).toBe('');
    return page;
  }

  it('reaches the hub record for record, and the other tab receives none of it', async () => {
    const a = await open('burst-a');
    const b = await open('burst-b');
    await a.evaluate(([r, s]) => window.__bench!.startLoad(r, r, s), [RATE, SECONDS] as const);
    await expect.poll(() => a.evaluate(() => window.__bench!.load().running), { timeout: (SECONDS + 60) * 1000, interval: 1_000 }).toBe(false);
    // Every accepted record is either stored by the tab's pipelines or counted as dropped.
    await expect.poll(() => a.evaluate(() => window.__bench!.pending()), { timeout: 120_000, interval: 500 }).toBe(0);
    const { offered } = await a.evaluate(() => window.__bench!.load());
    const dropped = await a.evaluate(() => window.__bench!.dropped());
    expect(offered).toBe(2 * RATE * SECONDS);
    await expect
      .poll(() => recordsAtHub(hub.dataDir, { appendDatasets: ['logs', 'timeseries'] }), { timeout: 120_000, interval: 1_000 })
      .toBe(offered - dropped);
    // Upload-only telemetry: the other tab downloaded nothing.
    expect(await b.evaluate(() => window.__bench!.telemetryEntries())).toBe(0);
    expect(await a.evaluate(() => window.__bench!.telemetryEntries())).toBeGreaterThan(0);
  }, 360_000);
});
