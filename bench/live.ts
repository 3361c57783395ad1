/*
 * live: write → visible on other nodes through one hub, with default options (so anti-entropy
 * runs every 30 s and everything measured here came by live push). SQLite on the writer, the hub
 * and the readers; WebSocket on loopback.
 *
 *   idle:    one writer, one reader; WRITES puts, one at a time, each timed from put() to the
 *            reader's change event.
 *   fan-out: one writer, READERS readers; each write is timed until the last reader has it.
 *
 * Each case first makes WARMUP writes, timed and reported apart (`warmup_*`): they carry one-time
 * costs (JIT, each reader's first statements, first watermarks), the measured writes the steady state.
 *
 * The baseline, in the same run, is a raw `ws` round trip on loopback (a message echoed by a
 * server): ratio = sluice latency / raw round trip. Prints JSON lines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { sqliteStorage } from '../adapters/storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { listen } from '../adapters/transport/websocket/node/server.ts';
import { createNode } from '../src/runtime/create-node.ts';
import type { SyncNode } from '../src/runtime/sync-node.ts';
import { arrival, percentiles, type Latencies } from './support/latency.ts';

const WRITES = 200;
const FANOUT_WRITES = 50;
const READERS = 100;
const WARMUP = 20;

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-live-'));
  try {
    const rtt = await rawRoundTrip(WRITES);
    const idle = await measure(dir, 'idle', 1, WRITES);
    console.log(JSON.stringify({ bench: 'live', case: 'idle', writes: WRITES, p50_ms: round(idle.p50), p95_ms: round(idle.p95), warmup_writes: WARMUP, warmup_p50_ms: round(idle.warmup.p50), warmup_p95_ms: round(idle.warmup.p95), raw_rtt_p50_ms: round(rtt.p50), ratio_p50: round(idle.p50 / rtt.p50) }));
    const fan = await measure(dir, 'fanout', READERS, FANOUT_WRITES);
    console.log(JSON.stringify({ bench: 'live', case: 'fan-out', readers: READERS, writes: FANOUT_WRITES, all_readers_p50_ms: round(fan.p50), all_readers_p95_ms: round(fan.p95), warmup_writes: WARMUP, warmup_p50_ms: round(fan.warmup.p50), warmup_p95_ms: round(fan.warmup.p95), raw_rtt_p50_ms: round(rtt.p50), ratio_p95: round(fan.p95 / rtt.p50) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


async function measure(dir: string, name: string, readerCount: number, writes: number): Promise<Latencies & { warmup: Latencies }> {
  const nodes: SyncNode[] = [];
  const open = async (id: string, peers: ReturnType<typeof websocket>[] = []) => {
    const node = await createNode({ nodeId: `${name}-${id}`, storage: sqliteStorage({ path: path.join(dir, `${name}-${id}.db`) }), peers });
    nodes.push(node);
    return node;
  };
  const hub = await open('hub');
  const listener = await listen(hub, { port: 0, host: '127.0.0.1' });
  try {
    const writer = await open('writer', [websocket(listener.url)]);
    const readers: SyncNode[] = [];
    for (let i = 0; i < readerCount; i++) readers.push(await open(`reader-${i}`, [websocket(listener.url)]));
    await Promise.all([writer, ...readers].map((n) => n.syncNow()));
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + writes; i++) {
      const key = `k${i}`;
      const seen = readers.map((r) => arrival(r, key));
      const start = performance.now();
      await writer.collection('todos').put(key, { i, at: Date.now() });
      await Promise.all(seen);
      samples.push(performance.now() - start);
    }
    return { ...percentiles(samples.slice(WARMUP)), warmup: percentiles(samples.slice(0, WARMUP)) };
  } finally {
    await listener.close();
    for (const n of nodes.reverse()) await n.close().catch(() => undefined);
  }
}

async function rawRoundTrip(n: number): Promise<{ p50: number }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
  const port = (server.address() as { port: number }).port;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise((resolve) => client.once('open', resolve));
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await new Promise<void>((resolve) => {
      client.once('message', () => resolve());
      client.send(new Uint8Array(64));
    });
    samples.push(performance.now() - start);
  }
  client.close();
  await new Promise((resolve) => server.close(resolve));
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)]! };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
