import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.ts';
import { buildPages, serveStatic, type BuiltPages, type StaticServer } from './build-pages.ts';
import type { ContractReport } from './pages/contract.ts';

/*
 * The storage contract suite, run in real Chromium against dexieStorage on real IndexedDB (both
 * layouts, durable with reopen). The unit run covers the same suite on fake-indexeddb; this one
 * proves it against the browser's own IndexedDB.
 */

// Two layouts, each running every contract group including durability (39 checks per layout when
// this was written). Fewer would mean a group went missing from the page.
const MIN_PASSED = 2 * 46;

describe('storage contract in Chromium on IndexedDB', () => {
  let browser: Browser | undefined;
  let pages: BuiltPages | undefined;
  let server: StaticServer | undefined;

  beforeAll(async () => {
    pages = await buildPages(['contract.html']);
    server = await serveStatic(pages.dir);
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    pages?.remove();
  });

  it('dexieStorage passes every contract check on real IndexedDB', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server!.origin}/contract.html`);
    await page.waitForFunction(() => (window as unknown as { __contract?: ContractReport }).__contract?.done === true, undefined, { timeout: 150_000, polling: 250 });
    const report = await page.evaluate(() => (window as unknown as { __contract: ContractReport }).__contract);
    const layouts = ['database-per-dataset', 'single-database'].map((l) => report.names.filter((n) => n.includes(`(${l})`)).length);
    console.log(`[e2e] IndexedDB storage contract in Chromium: ${report.passed} passed, ${report.failed} failed (per layout: ${layouts.join(' / ')})`);
    expect(errors).toEqual([]);
    expect(report.fatal).toBeUndefined();
    expect(report.failures).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.passed).toBeGreaterThanOrEqual(MIN_PASSED);
    expect(layouts[0]).toBe(layouts[1]);
    expect(report.names.some((n) => n.includes('> durability >'))).toBe(true);
    // The query contract (each operator, ordering, paging, index choice) ran on real IndexedDB too.
    expect(report.names.filter((n) => n.includes('> queries >')).length).toBeGreaterThanOrEqual(7 * 2);
    // Datasets other than primary in storage buckets of their own; older databases where they are.
    expect(report.buckets).toEqual({
      api: true,
      inOwnBucket: true,
      inDefaultBucket: false,
      primaryInDefault: true,
      durability: [['strict'], ['relaxed']],
      legacyValue: 'written before buckets',
      leftAfterDelete: [],
    });
    await page.close();
  }, 180_000);
});
