/*
 * browser-isolation: the product's headline in the browser. Two Chromium tabs (Playwright) of one
 * page built by Vite from the package, against a real `sluice hub` process on SQLite, loopback
 * WebSocket, library defaults everywhere (e2e/pages/isolation.ts).
 *
 *   Tab A (focused, the tab the user works in) generates telemetry on its main thread (--logs and --points records/s, in 10 ms ticks,
 *   for --seconds) and writes a primary probe every 100 ms; tab B times each probe, written on A to
 *   seen on B, on the machine's one clock. Idle: the same probes with no load, first.
 *
 *   multi:  primary in the page's thread; logs and timeseries as append datasets in their workers.
 *   single: the control: primary alone, the same telemetry written as primary collections.
 *
 * Stored at the hub is read from the hub's own SQLite files (e2e/hub-records.ts) at the moment the load
 * ends, and again once the tab's buffers drained: records in append batches for multi, documents
 * of the telemetry collections for single. Prints one JSON line per mode.
 *
 * --focus a|b picks the focused tab (default a, the writer): headless Chromium lowers the priority
 * of the other tab's renderer, which moves the figures on a machine this busy.
 *
 * --profile DIR writes a CPU profile of tab A's main thread during the load, one per mode
 * (tab-a-<mode>.cpuprofile, for Chrome DevTools or any .cpuprofile reader).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../e2e/browser.ts';
import { buildPages, serveStatic } from '../e2e/build-pages.ts';
import { recordsAtHub } from '../e2e/hub-records.ts';
import { startHub } from '../e2e/hub.ts';
import type { IsolationPageApi } from '../e2e/pages/isolation.ts';

const PROBE_GAP_MS = 100;
const IDLE_PROBES = 60;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { logs: { type: 'string', default: '20000' }, points: { type: 'string', default: '50000' }, seconds: { type: 'string', default: '60' }, profile: { type: 'string' }, focus: { type: 'string', default: 'a' } } });
  if (values.focus !== 'a' && values.focus !== 'b') throw new Error(`--focus takes a or b, got ${JSON.stringify(values.focus)}`);
  const rates = { logs: Number(values.logs), points: Number(values.points), seconds: Number(values.seconds) };
  const pages = await buildPages(['isolation.html']);
  const server = await serveStatic(pages.dir);
  const browser = await launchChromium();
  try {
    for (const mode of ['multi', 'single'] as const) {
      const result = await measureMode(browser, server.origin, mode, rates, values.profile, values.focus);
      console.log(JSON.stringify({ bench: 'browser-isolation', mode, focused_tab: values.focus, ...result }));
    }
  } finally {
    await browser.close();
    await server.close();
    pages.remove();
  }
}

async function measureMode(browser: Browser, origin: string, mode: 'multi' | 'single', rates: { logs: number; points: number; seconds: number }, profileDir: string | undefined, focus: 'a' | 'b') {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-browser-bench-'));
  const hub = await startHub(dataDir, 0, mode === 'multi' ? 'primary,logs,timeseries' : 'primary');
  const context = await browser.newContext();
  try {
    const open = async (db: string) => {
      const page = await context.newPage();
      await page.goto(`${origin}/isolation.html?hub=${encodeURIComponent(hub.url)}&mode=${mode}&db=${db}-${mode}`);
      await page.waitForFunction(() => document.title === 'ready' || document.title === 'failed', undefined, { timeout: 60_000 });
      const error = await page.evaluate(() => window.__benchError);
      if (error) throw new Error(`page failed: ${error}`);
      return page;
    };
    const a = await open('a');
    const b = await open('b');
    // Headless Chromium runs only the focused tab's renderer at normal priority (the others at nice
    // 5 on Linux). By default tab A, where the user works, is focused; --focus b measures the other way.
    await (focus === 'a' ? a : b).bringToFront();
    // Idle: probes with no load.
    await probes(a, 'idle-', IDLE_PROBES);
    const idle = await waitLatencies(b, 'idle-', IDLE_PROBES);
    const idleCommits = await a.evaluate(() => window.__bench!.commitLatencies('idle-'));

    // Loaded: the same probes while tab A generates telemetry.
    await bench(a).evaluate((x) => x.resetLongTasks());
    const profiler = profileDir === undefined ? undefined : await a.context().newCDPSession(a);
    await profiler?.send('Profiler.enable');
    await profiler?.send('Profiler.start');
    await a.evaluate(([l, p, s]) => window.__bench!.startLoad(l, p, s), [rates.logs, rates.points, rates.seconds] as const);
    const loadedProbes = Math.floor((rates.seconds * 1000) / PROBE_GAP_MS) - 5;
    await probes(a, 'load-', loadedProbes);
    // The control's page may fall far behind its own schedule: give it a bounded while to finish.
    await waitFor(async () => !(await bench(a).evaluate((x) => x.load())).running, 30_000).catch(() => undefined);
    if (profiler) {
      const { profile } = await profiler.send('Profiler.stop');
      fs.mkdirSync(profileDir!, { recursive: true });
      fs.writeFileSync(path.join(profileDir!, `tab-a-${mode}.cpuprofile`), JSON.stringify(profile));
    }
    const probeErrors = await bench(a).evaluate((x) => x.probeErrors());
    const storedAtEnd = countAtHub(dataDir, mode);
    const report = await bench(a).evaluate((x) => x.load());
    const longestTaskMs = await bench(a).evaluate((x) => x.longestTaskMs());
    const loaded = await waitLatencies(b, 'load-', loadedProbes, 30_000);
    const loadedCommits = await a.evaluate(() => window.__bench!.commitLatencies('load-'));
    // Then let the buffers drain, and count again.
    await waitFor(async () => (await bench(a).evaluate((x) => x.pending())) <= 0, 120_000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 2_000));
    const dropped = await bench(a).evaluate((x) => x.dropped());
    const storedAfterDrain = countAtHub(dataDir, mode);
    const loadSeconds = ((report.endedAt || Date.now()) - report.startedAt) / 1000;
    const idleStats = percentiles(idle);
    const loadedStats = percentiles(loaded);
    return {
      offered_per_s: Math.round(report.offered / loadSeconds),
      load_kept_schedule: !report.running,
      offered: report.offered,
      stored_at_end: storedAtEnd,
      stored_at_end_share: round(storedAtEnd / report.offered),
      stored_after_drain: storedAfterDrain,
      stored_after_drain_share: round(storedAfterDrain / report.offered),
      dropped,
      idle_p50_ms: round(idleStats.p50),
      idle_p95_ms: round(idleStats.p95),
      loaded_p50_ms: round(loadedStats.p50),
      loaded_p95_ms: round(loadedStats.p95),
      p95_ratio: round(loadedStats.p95 / idleStats.p95),
      // Of that, the writer's own local commit (put() to resolved), idle and loaded.
      idle_commit_p95_ms: round(percentiles(idleCommits).p95),
      loaded_commit_p95_ms: round(percentiles(loadedCommits).p95),
      probes_missing: loadedProbes - loaded.length,
      probe_write_errors: probeErrors,
      longest_main_thread_task_ms: round(longestTaskMs),
    };
  } finally {
    await context.close();
    await hub.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Calls into the page's bench API, without arguments. */
function bench(page: Page) {
  return { evaluate: <T>(fn: (api: IsolationPageApi) => T | Promise<T>) => page.evaluate(`(${fn.toString()})(window.__bench)`) as Promise<Awaited<T>> };
}

/** Starts `count` probes on A, PROBE_GAP_MS apart (a busy page runs each as soon as it can). */
async function probes(a: Page, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await a.evaluate((key) => window.__bench!.probe(key), `${prefix}${i}`);
    await new Promise((r) => setTimeout(r, PROBE_GAP_MS));
  }
}

function latencies(b: Page, prefix: string): Promise<number[]> {
  return b.evaluate((p) => window.__bench!.latencies(p), prefix);
}

async function waitLatencies(b: Page, prefix: string, count: number, timeoutMs = 15_000): Promise<number[]> {
  await waitFor(async () => (await latencies(b, prefix)).length >= count, timeoutMs).catch(() => undefined);
  return latencies(b, prefix);
}

function countAtHub(dataDir: string, mode: 'multi' | 'single'): number {
  return recordsAtHub(dataDir, mode === 'multi' ? { appendDatasets: ['logs', 'timeseries'] } : { primaryCollections: ['logs', 'points'] });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

function percentiles(samples: number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
