/*
 * cluster: hubs over one PostgreSQL (a throwaway server, or SLUICE_POSTGRES_URL).
 *
 *   apply:       postgresStorage.applyBatch, and the replica's whole receive path (hash, chain and
 *                signature checks, resolvers, merge under row locks), against the raw `postgres`
 *                client writing the same rows (documents upsert + oplog insert) in the same
 *                transactions. Best of RUNS each, alternating. ratio = sluice / raw.
 *   throughput:  1, 2 and 3 `sluice hub --postgres` processes; CLIENTS clients spread across them
 *                each write WRITES documents, all at once; writes/s until all are in the database.
 *   latency:     write → visible, timed from put() to a reader's change event, for a reader on the
 *                writer's hub and one on another hub; cross/same = the price of crossing hubs.
 *
 * Everything shares two cores here, so the absolute numbers say little; the ratios are the result.
 * Prints JSON lines.
 */
import postgres from 'postgres';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { postgresStorage } from '../adapters/storage/postgres/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { createNode } from '../src/runtime/create-node.ts';
import type { SyncNode } from '../src/runtime/sync-node.ts';
import { HubCluster } from '../test/cluster/hub-cluster.ts';
import { startPostgres } from '../test/postgres/throwaway-cluster.ts';
import { buildWorkload, measureAdapter, measureReplicaOn, signBatchHeads, type ApplyWorkload } from './apply.ts';
import { arrival, percentiles } from './support/latency.ts';

const APPLY_ENTRIES = 20_000;
const RUNS = 3;
const CLIENTS = 12;
const WRITES = 200;
const LATENCY_WRITES = 100;
const WARMUP = 10;

export async function run(): Promise<void> {
  const server = await startPostgres();
  try {
    await applyRatio(server.url);
    if (!process.argv.includes("--apply-only")) for (const hubs of [1, 2, 3]) await clusterCase(server.url, hubs);
  } finally {
    await server.stop();
  }
}

async function applyRatio(url: string): Promise<void> {
  const workload = buildWorkload(APPLY_ENTRIES);
  const signed = await signBatchHeads(workload);
  let n = 0;
  const fresh = () => `b${++n}_`;
  // Untimed warm-up of both sides.
  await measureStorage(url, fresh(), buildWorkload(2_000));
  await measureRaw(url, fresh(), buildWorkload(2_000));
  let storage = 0;
  let replica = 0;
  let raw = 0;
  for (let i = 0; i < RUNS; i++) {
    storage = Math.max(storage, await measureStorage(url, fresh(), workload));
    replica = Math.max(replica, await measureReplica(url, fresh(), signed));
    raw = Math.max(raw, await measureRaw(url, fresh(), workload));
  }
  const base = { bench: 'cluster', case: 'apply', entries: workload.entries, batch: workload.entries / workload.batches.length, raw_per_s: Math.round(raw) };
  console.log(JSON.stringify({ ...base, layer: 'storage', entries_per_s: Math.round(storage), ratio: round2(storage / raw) }));
  console.log(JSON.stringify({ ...base, layer: 'replica', signing: true, entries_per_s: Math.round(replica), ratio: round2(replica / raw) }));
}

async function measureStorage(url: string, prefix: string, workload: ApplyWorkload): Promise<number> {
  const storage = postgresStorage({ url, schemaPrefix: prefix });
  try {
    return await measureAdapter(storage, workload);
  } finally {
    await storage.close();
  }
}

/** The replica over shared storage: what a hub does with every pushed batch. */
function measureReplica(url: string, prefix: string, workload: ApplyWorkload): Promise<number> {
  return measureReplicaOn(postgresStorage({ url, schemaPrefix: prefix }), workload, true);
}

/**
 * The floor: the same tables and keys, one transaction per batch, without validation, signatures
 * or heads. Written both ways a raw client would (the client's multi-row insert, and one JSON
 * parameter expanded by json_to_recordset); the faster one is the baseline.
 */
async function measureRaw(url: string, prefix: string, workload: ApplyWorkload): Promise<number> {
  return Math.max(await measureRawWith(url, `${prefix}m`, workload, 'multi-row'), await measureRawWith(url, `${prefix}j`, workload, 'json'));
}

async function measureRawWith(url: string, prefix: string, workload: ApplyWorkload, how: 'multi-row' | 'json'): Promise<number> {
  const sql = postgres(url, { max: 2, onnotice: () => undefined });
  const s = `"${prefix}raw"`;
  try {
    await sql.unsafe(`CREATE SCHEMA ${s};
      CREATE TABLE ${s}.documents (collection text COLLATE "C", key text COLLATE "C", value jsonb, meta text, wall bigint, logic integer, node text COLLATE "C", deleted boolean, PRIMARY KEY (collection, key));
      CREATE TABLE ${s}.oplog (hash text COLLATE "C" PRIMARY KEY, wall bigint, logic integer, node text COLLATE "C", collection text, key text, op text, payload text, prev_hash text, signature text);
      CREATE INDEX ON ${s}.oplog (wall, logic, node); CREATE INDEX ON ${s}.oplog (node, wall, logic);`);
    const start = performance.now();
    for (const batch of workload.batches) {
      await sql.begin(async (tx) => {
        const docs = batch.documents.map((d) => ({ collection: d.collection, key: d.key, value: d.deleted ? null : JSON.stringify(d.value), meta: null, wall: d.hlc.wall, logic: d.hlc.logic, node: d.hlc.nodeId, deleted: d.deleted }));
        const entries = batch.entries.map((e) => ({ hash: e.hash, wall: e.hlc.wall, logic: e.hlc.logic, node: e.hlc.nodeId, collection: e.collection, key: e.key, op: e.op, payload: e.payload, prev_hash: e.prevHash, signature: e.signature ?? null }));
        const upsert = 'ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, meta = excluded.meta, wall = excluded.wall, logic = excluded.logic, node = excluded.node, deleted = excluded.deleted';
        if (how === 'multi-row') {
          await Promise.all([
            tx`INSERT INTO ${tx(prefix + 'raw')}.documents ${tx(docs)} ${tx.unsafe(upsert)}`,
            tx`INSERT INTO ${tx(prefix + 'raw')}.oplog ${tx(entries)} ON CONFLICT (hash) DO NOTHING`,
          ]);
        } else {
          await Promise.all([
            tx.unsafe(`INSERT INTO ${s}.documents SELECT * FROM json_populate_recordset(null::${s}.documents, $1::text::json) ${upsert}`, [JSON.stringify(docs)], { prepare: true }),
            tx.unsafe(`INSERT INTO ${s}.oplog SELECT * FROM json_populate_recordset(null::${s}.oplog, $1::text::json) ON CONFLICT (hash) DO NOTHING`, [JSON.stringify(entries)], { prepare: true }),
          ]);
        }
      });
    }
    return workload.entries / ((performance.now() - start) / 1_000);
  } finally {
    await sql.end();
  }
}

async function clusterCase(url: string, hubs: number): Promise<void> {
  const db = postgres(url, { max: 1, onnotice: () => undefined });
  await db.unsafe('DROP SCHEMA IF EXISTS sluice_primary CASCADE');
  const cluster = await HubCluster.start(url, hubs);
  const nodes: SyncNode[] = [];
  const open = async (hub: number) => {
    const node = await createNode({ storage: memoryStorage(), peers: [websocket(cluster.urls[hub % hubs]!)] });
    nodes.push(node);
    await node.syncNow();
    return node;
  };
  try {
    // Throughput: every client writes its documents at once, each put pushed live.
    const writers = [];
    for (let i = 0; i < CLIENTS; i++) writers.push(await open(i));
    const start = performance.now();
    await Promise.all(writers.map((w, i) => Promise.all(Array.from({ length: WRITES }, (_, j) => w.collection('load').put(`c${i}-${j}`, { i, j, at: Date.now() })))));
    const total = CLIENTS * WRITES;
    for (;;) {
      const [{ n }] = (await db`SELECT count(*)::int AS n FROM sluice_primary.oplog`) as unknown as [{ n: number }];
      if (n >= total) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const writesPerS = total / ((performance.now() - start) / 1_000);

    // Latency, in a quiet cluster: one writer; a reader on its hub, and one on the next hub.
    const writer = await open(0);
    const same = await open(0);
    const cross = hubs > 1 ? await open(1) : undefined;
    const sameSamples: number[] = [];
    const crossSamples: number[] = [];
    for (let i = 0; i < WARMUP + LATENCY_WRITES; i++) {
      const key = `lat-${i}`;
      const start = performance.now();
      const timed = (reader: SyncNode, into: number[]) => arrival(reader, key).then(() => i >= WARMUP && into.push(performance.now() - start));
      const seen = [timed(same, sameSamples), ...(cross ? [timed(cross, crossSamples)] : [])];
      await writer.collection('todos').put(key, { i });
      await Promise.all(seen);
    }
    const s = percentiles(sameSamples);
    const line: Record<string, unknown> = { bench: 'cluster', case: 'hubs', hubs, clients: CLIENTS, writes: total, writes_per_s: Math.round(writesPerS), same_hub_p50_ms: round2(s.p50), same_hub_p95_ms: round2(s.p95) };
    if (cross) {
      const c = percentiles(crossSamples);
      Object.assign(line, { cross_hub_p50_ms: round2(c.p50), cross_hub_p95_ms: round2(c.p95), cross_over_same_p50: round2(c.p50 / s.p50), cross_over_same_p95: round2(c.p95 / s.p95) });
    }
    console.log(JSON.stringify(line));
  } finally {
    await Promise.all(nodes.map((n) => n.close().catch(() => undefined)));
    await cluster.stop();
    await db.end();
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
