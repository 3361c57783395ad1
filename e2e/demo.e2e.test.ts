import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Processes, REPO_ROOT, type Child } from '../test/demo/process-helpers.ts';
import { launchChromium } from './browser.ts';

const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'e2e');

/** The demo as a user meets it: `npm start`'s script, real Chromium, two tabs. */
describe('demo page (npm start) in Chromium', () => {
  const p = new Processes();
  let browser: Browser;
  let demo: Child;
  let pageUrl: string;

  beforeAll(async () => {
    const dir = p.dir();
    demo = p.start([join(REPO_ROOT, 'demo/start.mjs')], {
      env: { ...process.env, SLUICE_HUB_PORT: '0', SLUICE_DEMO_PORT: '0', SLUICE_DATA_DIR: join(dir, 'data'), SLUICE_DEMO_OUT: join(dir, 'out') },
    });
    [, pageUrl] = (await demo.waitFor(/page (http:\/\/127\.0\.0\.1:\d+\/)/, 120_000)) as [string, string];
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await p.cleanup();
  });

  /** Tabs of one browser profile, as a user opens them: they share storage and BroadcastChannel. */
  let context: BrowserContext | undefined;
  async function open(): Promise<Page> {
    context ??= await browser.newContext();
    const page = await context.newPage();
    await page.goto(pageUrl);
    await page.locator('[data-testid="node-status"][data-state="running"]').waitFor({ timeout: 60_000 });
    return page;
  }

  async function add(page: Page, title: string): Promise<void> {
    await page.getByTestId('add-input').fill(title);
    await page.getByTestId('add-button').click();
  }

  async function waitForItem(page: Page, title: string): Promise<void> {
    await page.waitForFunction((t) => Array.from(document.querySelectorAll<HTMLInputElement>('[data-testid="item-title"]')).some((i) => i.value === t), title, { timeout: 30_000 });
  }

  it('an item added in one tab appears in the other, also while both tabs generate heavy telemetry', async () => {
    const a = await open();
    const b = await open();
    // The tabs share one node (one replica per dataset), each with its own tab name.
    const status = (page: Page) => page.getByTestId('node-status').textContent();
    expect((await status(a))?.split('node ')[1]).toBe((await status(b))?.split('node ')[1]);
    expect(await a.getByTestId('tab-label').textContent()).not.toBe(await b.getByTestId('tab-label').textContent());
    await add(a, 'milk from A');
    await waitForItem(b, 'milk from A');
    await add(b, 'bread from B');
    await waitForItem(a, 'bread from B');

    // The routing sink indexes item titles with 4 writers and shows its load per writer.
    await expect.poll(async () => a.getByTestId('sink-writer').count(), { timeout: 20_000 }).toBe(4);
    await a.waitForFunction(() => /[1-9]\d* records fed/.test(document.querySelector('[data-testid="sink-summary"]')?.textContent ?? ''), undefined, { timeout: 20_000 });

    // Load: both datasets at 20k records/s in tab A (isolated pipelines, workers).
    await a.getByTestId('rate-logs').fill('20000');
    await a.getByTestId('rate-timeseries').fill('20000');
    await a.waitForFunction(() => {
      const text = document.querySelector('[data-testid="buffer-depth-logs"]')?.textContent ?? '';
      return text !== '' && text !== '–';
    }, undefined, { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 3_000));
    await add(a, 'eggs under load');
    await waitForItem(b, 'eggs under load');
    // The page shows what reached the hub, from the hub's own counts, and what its sockets carried.
    const readout = (page: Page, id: string) => page.getByTestId(id).textContent();
    await expect.poll(async () => /^\d/.test((await readout(a, 'stored-logs')) ?? '') && (await readout(a, 'stored-logs')) !== '0', { timeout: 20_000 }).toBe(true);
    await expect.poll(async () => /kB|MB/.test((await readout(a, 'wire-out')) ?? ''), { timeout: 20_000 }).toBe(true);
    // Tab B times A's probes (BroadcastChannel announcement → synced document), and has a health verdict.
    await expect.poll(async () => /^\d+ ms$/.test((await readout(b, 'tab-latency-p95')) ?? ''), { timeout: 20_000 }).toBe(true);
    expect(await b.getByTestId('health').getAttribute('data-health')).toMatch(/^(healthy|degraded|unhealthy)$/);
    // The routing sink is fed list items only: probes never reach it.
    expect(await a.getByTestId('sink-hot-keys').textContent()).not.toMatch(/Tab-/i);
    await a.screenshot({ path: join(SCREENSHOTS, 'demo-under-load.png'), fullPage: true });
    console.log(`[e2e] demo under load: tab→tab p95 on B ${await readout(b, 'tab-latency-p95')}, logs offered ${await readout(a, 'offered-logs')} / stored at hub ${await readout(a, 'stored-logs')} rec/s, sent ${await readout(a, 'wire-out')}, health ${await a.getByTestId('health').textContent()}`);
    await a.getByTestId('rate-logs').fill('0');
    await a.getByTestId('rate-timeseries').fill('0');
  }, 180_000);
});
