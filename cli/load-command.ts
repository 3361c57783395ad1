import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { sqliteStorage } from '../adapters/storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { PRIMARY_DATASET } from '../src/core/dataset-id.ts';
import { createNode } from '../src/runtime/create-node.ts';
import type { DatasetStatus, SyncNode } from '../src/runtime/sync-node.ts';
import type { LoadArgs } from './load-args.ts';

const TICK_MS = 10;
/** After the run: sync rounds until one pushes nothing, for at most this long. */
const DRAIN_TIMEOUT_MS = 30_000;

export interface LoadSummary {
  sent: number;
  acked: number;
  dropped: number;
  rate: number;
  lag_p95_ms: number | null;
}

/**
 * `sluice load`: appends records to an append dataset at a steady rate (in 10 ms slices) and syncs
 * them to a hub, showing progress; at the end flushes, syncs until the hub has everything and
 * prints a one-line JSON summary on stdout.
 */
export async function runLoad(args: LoadArgs): Promise<number> {
  const dir = args.storage === 'sqlite' ? mkdtempSync(join(tmpdir(), 'sluice-load-')) : undefined;
  const storage = dir ? sqliteStorage({ path: join(dir, 'load.db') }) : memoryStorage();
  let node: SyncNode | undefined;
  try {
    node = await createNode({
      storage,
      peers: [websocket(args.hub, args.token === undefined ? {} : { token: args.token })],
      datasets: { [PRIMARY_DATASET]: {}, [args.dataset]: { kind: 'append', worker: args.worker, buffer: { policy: args.policy } } },
    });
    const summary = await generate(node, args);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    const lost = summary.sent - summary.dropped - summary.acked;
    if (lost > 0) {
      process.stderr.write(`sluice load: the hub did not acknowledge ${lost} record(s) within ${DRAIN_TIMEOUT_MS / 1000} s (is it running, and does it grant "${args.dataset}"?)\n`);
      return 1;
    }
    return 0;
  } finally {
    await node?.close().catch(() => undefined);
    if (!node) await storage.close().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function generate(node: SyncNode, args: LoadArgs): Promise<LoadSummary> {
  const handle = node.dataset(args.dataset);
  const tty = Boolean(process.stderr.isTTY);
  const started = performance.now();
  const endAt = started + args.duration * 1000;
  let sent = 0;
  let seq = 0;
  let carry = 0;
  let last = started;
  let blocked: Promise<void> | undefined;
  let interrupted = false;
  const onSignal = () => (interrupted = true);
  process.once('SIGINT', onSignal);

  const progress = async (final = false) => {
    const m = (await node.metrics())[args.dataset];
    const s = stats(m, sent);
    const elapsed = (performance.now() - started) / 1000;
    const line = `rate ${Math.round(sent / Math.max(elapsed, 0.001))}/s  sent ${sent}  acked ~${s.acked}  dropped ${s.dropped}  buffer ${m?.buffer?.depth ?? 0}  lag p95 ${s.lagP95 === null ? '-' : `${Math.round(s.lagP95)} ms`}`;
    if (tty) process.stderr.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
  const progressTimer = setInterval(() => void progress().catch(() => undefined), tty ? 250 : 1_000);

  try {
    // Steady load in 10 ms slices; under `block` a full buffer pauses the generator.
    while (!interrupted) {
      const now = performance.now();
      if (now >= endAt) break;
      const elapsed = Math.min(100, now - last);
      last = now;
      const due = (args.rate * elapsed) / 1000 + carry;
      const n = Math.min(Math.floor(due), Math.ceil(args.rate * ((endAt - now) / 1000)) + 1);
      carry = due - Math.floor(due);
      if (n > 0) {
        const wall = Date.now();
        const records = new Array<Record<string, unknown>>(n);
        for (let i = 0; i < n; i++) records[i] = { seq: seq++, ts: wall, src: 'sluice-load', level: 'info', msg: 'load record' };
        const result = handle.append(records);
        sent += n;
        if (result instanceof Promise) blocked = result;
      }
      if (blocked) {
        await blocked;
        blocked = undefined;
        last = performance.now();
      }
      await sleep(TICK_MS);
    }
    const duration = (performance.now() - started) / 1000;

    // Everything accepted reaches storage, then sync until a round pushes nothing more.
    await handle.flush();
    const drainUntil = performance.now() + DRAIN_TIMEOUT_MS;
    let complete = false;
    while (!complete && performance.now() < drainUntil) {
      const [report] = await node.syncNow(args.dataset);
      const peers = report?.peers ?? [];
      complete = peers.length > 0 && peers.every((p) => p.ok && p.pushed === 0);
      if (!complete) await sleep(peers.every((p) => p.ok) ? 0 : 500);
    }
    clearInterval(progressTimer);
    await progress(true).catch(() => undefined);
    const m = (await node.metrics())[args.dataset];
    const s = stats(m, sent);
    return {
      sent,
      // Once the hub holds the whole chain, every stored record is acknowledged.
      acked: complete ? s.stored : s.acked,
      dropped: s.dropped,
      rate: Math.round(sent / Math.max(duration, 0.001)),
      lag_p95_ms: s.lagP95 === null ? null : Math.round(s.lagP95),
    };
  } finally {
    clearInterval(progressTimer);
    process.off('SIGINT', onSignal);
  }
}

/** Records stored locally, an estimate of those acknowledged (entries pushed × records per entry), drops, lag. */
function stats(m: DatasetStatus | undefined, sent: number) {
  const b = m?.buffer;
  const stored = b ? b.ingested + b.spilled : 0;
  const dropped = b ? Object.values(b.dropped).reduce((a, n) => a + n, 0) : 0;
  const entries = b ? b.flushes : 0;
  const acked = entries > 0 ? Math.min(stored, Math.round(((m?.entriesOut ?? 0) * stored) / entries)) : 0;
  return { stored: Math.min(stored, sent), acked, dropped, lagP95: m?.lag.ack.p95 ?? null };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
