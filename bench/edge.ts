/*
 * edge: the hub as a Durable Object in workerd (Miniflare, on this machine) against the Node hub
 * (`sluice hub`, the CLI on SQLite), in the same run, with the same clients and default options.
 * Build first (`npm run build`): both hubs run the built package.
 *
 *   live: one writer, one reader through the hub; WRITES puts one at a time, each timed from put()
 *         to the reader's change event (live push). Hubs take turns in blocks of BLOCK writes.
 *   bulk: a client holding DOCS new documents pushes them all (syncNow) to a fresh hub dataset;
 *         timed until the hub acknowledged the last batch. Best of RUNS per hub, alternating.
 *
 * ratio = edge / node for latency (lower is better), and edge rate / node rate for throughput
 * (higher is better). workerd runs locally here: the figures compare the hubs' own costs, not a network.
 * Prints JSON lines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { sqliteStorage } from '../adapters/storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { createNode } from '../src/runtime/create-node.ts';
import type { SyncNode } from '../src/runtime/sync-node.ts';
import { bundleWorker, startEdge, type Edge } from '../test/edge/workerd.ts';
import { startHub, stopHub } from './support/hub-process.ts';
import { arrival, percentiles } from './support/latency.ts';

const TOKEN = 'bench-edge-token';
const WRITES = 200;
const BLOCK = 20;
const WARMUP = 20;
const DOCS = 20_000;
const RUNS = 3;

interface Hub {
  readonly name: 'node' | 'edge';
  readonly url: string;
  stop(): Promise<void>;
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-edge-'));
  const bundle = await bundleWorker('examples/cloudflare/src/worker.ts');
  let seq = 0;
  const hubs = {
    node: async (): Promise<Hub> => {
      const data = path.join(dir, `node-${++seq}`);
      fs.mkdirSync(data);
      const hub = await startHub(data, 'primary', ['--token', TOKEN, '--host', '127.0.0.1']);
      return { name: 'node', url: hub.url, stop: () => stopHub(hub.child) };
    },
    edge: async (): Promise<Hub> => {
      const persist = path.join(dir, `edge-${++seq}`);
      const edge: Edge = await startEdge({ code: bundle.code, persist, bindings: { SLUICE_TOKEN: TOKEN, SLUICE_JWT_SECRET: '', SLUICE_DATASETS: 'primary' } });
      return { name: 'edge', url: `${edge.url}/sync`, stop: () => edge.dispose() };
    },
  };
  try {
    await live(hubs);
    await bulk(dir, hubs);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function client(url: string, nodeId: string): Promise<SyncNode> {
  return createNode({ nodeId, storage: memoryStorage(), peers: [websocket(url, { token: TOKEN })] });
}

async function live(hubs: Record<'node' | 'edge', () => Promise<Hub>>): Promise<void> {
  const pairs = await Promise.all(
    (['node', 'edge'] as const).map(async (name) => {
      const hub = await hubs[name]();
      const writer = await client(hub.url, `${name}-writer`);
      const reader = await client(hub.url, `${name}-reader`);
      await writer.syncNow();
      await reader.syncNow();
      return { name, hub, writer, reader, samples: [] as number[] };
    }),
  );
  try {
    let written = 0;
    const oneWrite = async (p: (typeof pairs)[number], i: number) => {
      const key = `k${i}`;
      const seen = arrival(p.reader, key);
      const start = performance.now();
      await p.writer.collection('todos').put(key, { i });
      await seen;
      p.samples.push(performance.now() - start);
    };
    while (written < WARMUP + WRITES) {
      for (const p of pairs) for (let i = 0; i < BLOCK; i++) await oneWrite(p, written + i);
      written += BLOCK;
    }
    const [node, edge] = pairs.map((p) => percentiles(p.samples.slice(WARMUP)));
    console.log(
      JSON.stringify({ bench: 'edge', case: 'live', writes: WRITES, node_p50_ms: round(node!.p50), node_p95_ms: round(node!.p95), edge_p50_ms: round(edge!.p50), edge_p95_ms: round(edge!.p95), ratio_p50: round(edge!.p50 / node!.p50), ratio_p95: round(edge!.p95 / node!.p95) }),
    );
  } finally {
    for (const p of pairs) {
      await p.writer.close();
      await p.reader.close();
      await p.hub.stop();
    }
  }
}

async function bulk(dir: string, hubs: Record<'node' | 'edge', () => Promise<Hub>>): Promise<void> {
  // The client's data is written once, untimed; each run pushes a copy of it to a fresh hub.
  const seed = path.join(dir, 'seed.db');
  const writer = await createNode({ nodeId: 'bulk-writer', storage: sqliteStorage({ path: seed }) });
  const todos = writer.collection('todos');
  for (let i = 0; i < DOCS; i += 1_000) await todos.putMany(Array.from({ length: 1_000 }, (_, j) => ({ key: `d${i + j}`, value: { i: i + j, title: `document ${i + j}`, done: (i + j) % 3 === 0 } })));
  await writer.close();
  const best = { node: Number.POSITIVE_INFINITY, edge: Number.POSITIVE_INFINITY };
  for (let run = 0; run < RUNS; run++) {
    for (const name of ['node', 'edge'] as const) {
      const hub = await hubs[name]();
      const copy = path.join(dir, `bulk-${name}-${run}.db`);
      fs.copyFileSync(seed, copy);
      try {
        const start = performance.now();
        const pusher = await createNode({ nodeId: 'bulk-writer', storage: sqliteStorage({ path: copy }), peers: [websocket(hub.url, { token: TOKEN })] });
        // Resolves after the round that started with the node, and one more: the hub holds it all.
        const [report] = await pusher.syncNow();
        const ms = performance.now() - start;
        await pusher.close();
        if (!report!.peers.every((p) => p.ok)) throw new Error(`bulk push to the ${name} hub failed: ${JSON.stringify(report)}`);
        best[name] = Math.min(best[name], ms);
      } finally {
        await hub.stop();
      }
    }
  }
  const rate = (ms: number) => Math.round(DOCS / (ms / 1000));
  console.log(JSON.stringify({ bench: 'edge', case: 'bulk', documents: DOCS, runs: RUNS, node_docs_per_s: rate(best.node), edge_docs_per_s: rate(best.edge), ratio: round(best.node / best.edge) }));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
