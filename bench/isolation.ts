/*
 * isolation: primary sync latency with and without telemetry load, for isolated pipelines and for
 * one shared pipeline. A writer node puts primary documents; a reader node sees them through a
 * real hub process on SQLite, over loopback WebSocket. Latency = write on the writer -> change
 * event on the reader (same process, same clock).
 *
 *   multi:  primary in-process; logs and timeseries are append datasets in their own workers, on
 *           their own connections (client and hub).
 *   single: primary only; the same telemetry written as collections of primary.
 *
 * Each mode measures a baseline (no telemetry) then the loaded run; the ratios are loaded/baseline.
 * Options: --logs <rate/s> (20000), --points <rate/s> (50000), --writes <n> (400: the p95 of 150 samples, the 8th worst, swung 1.19–1.53 between runs of one build), --gap <ms> (25),
 * --mode multi|single|both (both).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sqliteStorage } from '../adapters/storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { createNode } from '../src/runtime/create-node.ts';
import type { DatasetConfig } from '../src/runtime/node-options.ts';
import type { SyncNode } from '../src/runtime/sync-node.ts';
import { startHub, stopHub } from './support/hub-process.ts';

const TICK_MS = 10;

interface Rates {
  logs: number;
  points: number;
  writes: number;
  gap: number;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { logs: { type: 'string', default: '20000' }, points: { type: 'string', default: '50000' }, writes: { type: 'string', default: '400' }, gap: { type: 'string', default: '25' }, mode: { type: 'string', default: 'both' } } });
  const rates: Rates = { logs: Number(values.logs), points: Number(values.points), writes: Number(values.writes), gap: Number(values.gap) };
  const modes = values.mode === 'both' ? (['multi', 'single'] as const) : [values.mode as 'multi' | 'single'];
  if (!modes.every((m) => m === 'multi' || m === 'single')) throw new Error(`--mode must be multi, single or both, not ${values.mode}`);
  for (const mode of modes) {
    const result = await measureMode(mode, rates);
    console.log(JSON.stringify({ bench: 'isolation', mode, ...result }));
  }
}

async function measureMode(mode: 'multi' | 'single', rates: Rates) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-isolation-'));
  const hub = await startHub(path.join(dir, 'hub'), mode === 'multi' ? 'primary,logs,timeseries' : 'primary');
  const datasets: Record<string, DatasetConfig> = mode === 'multi' ? { primary: {}, logs: { kind: 'append' }, timeseries: { kind: 'append' } } : { primary: {} };
  const writer = await createNode({ nodeId: 'writer', storage: sqliteStorage({ path: path.join(dir, 'writer.db') }), peers: [websocket(hub.url)], datasets });
  const reader = await createNode({ nodeId: 'reader', storage: sqliteStorage({ path: path.join(dir, 'reader.db') }), peers: [websocket(hub.url)], datasets: { primary: {} } }); // default options, as users run it
  try {
    await writer.syncNow();
    const baseline = await measureLatency(writer, reader, 'base', rates);
    const load = startTelemetry(writer, mode, rates);
    await sleep(1_000); // let the flood reach steady state before measuring
    const loaded = await measureLatency(writer, reader, 'load', rates);
    const telemetry = await load.stop();
    const m = await writer.metrics();
    const drops = mode === 'multi' ? ['logs', 'timeseries'].reduce((n, ds) => n + Object.values(m[ds]!.buffer!.dropped).reduce((a, b) => a + b, 0), 0) : telemetry.skipped;
    return {
      baseline_p50_ms: round(baseline.p50),
      baseline_p95_ms: round(baseline.p95),
      loaded_p50_ms: round(loaded.p50),
      loaded_p95_ms: round(loaded.p95),
      p50_ratio: round(loaded.p50 / baseline.p50),
      p95_ratio: round(loaded.p95 / baseline.p95),
      telemetry_rate: Math.round(telemetry.rate),
      telemetry_target: rates.logs + rates.points,
      drops,
      missing_writes: loaded.missing,
    };
  } finally {
    await writer.close().catch(() => undefined);
    await reader.close().catch(() => undefined);
    await stopHub(hub.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `writes` primary documents `gap` ms apart and waits for each to show up on the reader. */
async function measureLatency(writer: SyncNode, reader: SyncNode, tag: string, rates: Rates): Promise<{ p50: number; p95: number; missing: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let expected = rates.writes;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const unsubscribe = reader.collection('items').subscribe((changes) => {
    const now = performance.now();
    for (const c of changes) {
      const t = sentAt.get(c.key);
      if (t === undefined) continue;
      sentAt.delete(c.key);
      latencies.push(now - t);
      if (--expected === 0) done();
    }
  });
  const items = writer.collection('items');
  // Writes go out on a fixed schedule, not one after another: time spent queued behind other work
  // on the writer counts as latency, as it would for a user.
  for (let i = 0; i < rates.writes; i++) {
    const key = `${tag}-${i}`;
    sentAt.set(key, performance.now());
    void items.put(key, { i, tag });
    await sleep(rates.gap);
  }
  await Promise.race([all, sleep(30_000)]);
  unsubscribe();
  // Writes still missing after 30 s count at 30 s: a pipeline that cannot deliver is not hidden.
  for (const t of sentAt.values()) latencies.push(performance.now() - t);
  latencies.sort((a, b) => a - b);
  return { p50: latencies[Math.floor(latencies.length * 0.5)]!, p95: latencies[Math.floor(latencies.length * 0.95)]!, missing: sentAt.size };
}

/** Generates telemetry on the writer's main thread every TICK_MS, as an instrumented app would. */
function startTelemetry(writer: SyncNode, mode: 'multi' | 'single', rates: Rates) {
  let produced = 0;
  let skipped = 0;
  let backlog = 0;
  let seq = 0;
  let stopped = false;
  const started = performance.now();
  let pending: Promise<unknown> = Promise.resolve();
  const perTick = { logs: Math.round((rates.logs * TICK_MS) / 1000), points: Math.round((rates.points * TICK_MS) / 1000) };
  const timer = setInterval(() => {
    if (stopped) return;
    const now = Date.now();
    if (mode === 'single' && backlog > 20) {
      // The shared pipeline is behind: an app would have to drop telemetry here, so we do, and count it.
      skipped += perTick.logs + perTick.points;
      return;
    }
    const logs = Array.from({ length: perTick.logs }, () => ({ seq: seq++, ts: now, level: 'info', msg: 'request served', route: '/api/items', ms: 12 }));
    const points = Array.from({ length: perTick.points }, (_, j) => ({ seq: seq++, ts: now, metric: 'cpu', host: `h${j % 16}`, v: j % 100 }));
    produced += logs.length + points.length;
    if (mode === 'multi') {
      void writer.dataset('logs').append(logs);
      void writer.dataset('timeseries').append(points);
    } else {
      // One pipeline: telemetry shares primary's oplog, queue and connection.
      backlog++;
      pending = pending
        .then(() => writer.collection('logs').putMany(logs.map((r) => ({ key: `l${r.seq}`, value: r }))))
        .then(() => writer.collection('points').putMany(points.map((r) => ({ key: `p${r.seq}`, value: r }))))
        .finally(() => backlog--);
    }
  }, TICK_MS);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      await pending.catch(() => undefined);
      return { rate: produced / seconds, skipped };
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
