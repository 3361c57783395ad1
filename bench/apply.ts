/*
 * applyBatch throughput: 100k remote entries (a few authors, hash-chained, ~20% updates of
 * existing keys) applied in batches of 1,000, against raw better-sqlite3 writing the same rows in
 * the same transactions. Everything is generated before the clock starts; after an untimed
 * warm-up (so neither side pays for JIT compilation), each side runs RUNS times on a fresh file
 * and keeps its best, alternating so that disk noise hits both alike.
 */
import { seeded } from '../src/store/contract/seeded-random.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { dexieStorage } from '../adapters/storage/dexie/index.ts';
import type { StoredDocument } from '../src/core/document.ts';
import { createEntry, type OplogEntry } from '../src/core/oplog-entry.ts';
import { documentsFor } from '../src/store/contract/fixtures.ts';
import type { StorageAdapter } from '../src/store/storage-adapter.ts';
import { sqliteStorage } from '../adapters/storage/sqlite/better-sqlite3/index.ts';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { HybridClock } from '../src/core/hlc.ts';
import { ResolverRegistry } from '../src/core/resolvers/registry.ts';
import { DatasetReplica } from '../src/sync/replica.ts';
import { ChainSigner } from '../src/sync/signatures.ts';

export const ENTRIES = 100_000;
export const BATCH = 1_000;
const AUTHORS = ['alice', 'bob', 'carol', 'dave'];
const UPDATE_SHARE = 0.2;
const RUNS = 3;
const WARMUP_ENTRIES = 5_000;

export interface ApplyWorkload {
  readonly batches: readonly { readonly documents: readonly StoredDocument[]; readonly entries: readonly OplogEntry[] }[];
  readonly entries: number;
}

/** Deterministic, so every run and every adapter sees the same data. */
export function buildWorkload(total = ENTRIES, batchSize = BATCH): ApplyWorkload {
  const random = seeded(42);
  const prev = new Map<string, string>();
  const keys: string[] = [];
  const entries: OplogEntry[] = [];
  for (let i = 0; i < total; i++) {
    const nodeId = AUTHORS[Math.floor(random() * AUTHORS.length)]!;
    const update = keys.length > 0 && random() < UPDATE_SHARE;
    const key = update ? keys[Math.floor(random() * keys.length)]! : `task-${keys.push(`task-${keys.length}`) - 1}`;
    const wall = 1_700_000_000_000 + i;
    const value = {
      title: `Task ${i}: ${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]}`,
      done: random() < 0.3,
      priority: 1 + Math.floor(random() * 5),
      tags: [WORDS[i % 5]!, WORDS[(i + 3) % 9]!],
      assignee: nodeId,
      updatedAt: wall,
    };
    const entry = createEntry({ collection: 'tasks', key, op: 'put', value, hlc: { wall, logic: 0, nodeId }, prevHash: prev.get(nodeId) ?? '' });
    prev.set(nodeId, entry.hash);
    entries.push(entry);
  }
  const batches = [];
  for (let i = 0; i < total; i += batchSize) {
    const slice = entries.slice(i, i + batchSize);
    // Walls only grow, so resolving within the batch is what last-write-wins against the store gives.
    batches.push({ documents: withParsedValues(documentsFor(slice)), entries: slice });
  }
  return { batches, entries: total };
}

/** Entries per second of `adapter.open('primary').documents.applyBatch(...)` over the workload. Any adapter fits here. */
export async function measureAdapter(adapter: StorageAdapter, workload: ApplyWorkload): Promise<number> {
  await adapter.open('primary').oplog.count(); // open the dataset outside the clock
  const start = performance.now();
  for (const batch of workload.batches) await adapter.open('primary').documents.applyBatch(batch);
  const seconds = (performance.now() - start) / 1_000;
  return workload.entries / seconds;
}

/*
 * The floor to compare with: the same two tables, keys, indexes and pragmas, the same
 * transactions, but no validation, no canonical JSON (plain JSON.stringify) and no vector clock.
 */
const RAW_SCHEMA = `
CREATE TABLE documents (
  dataset_id TEXT NOT NULL, collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT, meta TEXT,
  wall INTEGER NOT NULL, logic INTEGER NOT NULL, node TEXT NOT NULL, deleted INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, collection, key)
) WITHOUT ROWID;
CREATE TABLE oplog (
  dataset_id TEXT NOT NULL, hash TEXT NOT NULL, wall INTEGER NOT NULL, logic INTEGER NOT NULL, node TEXT NOT NULL,
  collection TEXT NOT NULL, key TEXT NOT NULL, op TEXT NOT NULL, payload TEXT, prev_hash TEXT NOT NULL,
  PRIMARY KEY (dataset_id, hash)
);
CREATE INDEX oplog_by_hlc ON oplog (dataset_id, wall, logic, node);
CREATE INDEX oplog_by_author ON oplog (dataset_id, node, wall, logic);
`;

/**
 * Documents as last-write-wins resolves them parse their value on first read; the raw baseline
 * serialises `value`, so it is read here, before any clock starts, and neither side pays a parse.
 */
export function withParsedValues(documents: StoredDocument[]): StoredDocument[] {
  for (const d of documents) void d.value;
  return documents;
}

export function measureRaw(file: string, workload: ApplyWorkload): number {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(RAW_SCHEMA);
    const upsert = db.prepare(`
      INSERT INTO documents (dataset_id, collection, key, value, meta, wall, logic, node, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (dataset_id, collection, key) DO UPDATE SET value = excluded.value, meta = excluded.meta,
        wall = excluded.wall, logic = excluded.logic, node = excluded.node, deleted = excluded.deleted`);
    const insert = db.prepare('INSERT OR IGNORE INTO oplog (dataset_id, hash, wall, logic, node, collection, key, op, payload, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const apply = db.transaction((batch: ApplyWorkload['batches'][number]) => {
      for (const d of batch.documents) {
        upsert.run('primary', d.collection, d.key, d.deleted ? null : JSON.stringify(d.value), d.meta == null ? null : JSON.stringify(d.meta), d.hlc.wall, d.hlc.logic, d.hlc.nodeId, d.deleted ? 1 : 0);
      }
      for (const e of batch.entries) insert.run('primary', e.hash, e.hlc.wall, e.hlc.logic, e.hlc.nodeId, e.collection, e.key, e.op, e.payload, e.prevHash);
    });
    const start = performance.now();
    for (const batch of workload.batches) apply(batch);
    const seconds = (performance.now() - start) / 1_000;
    return workload.entries / seconds;
  } finally {
    db.close();
  }
}

export async function run(): Promise<void> {
  const workload = buildWorkload();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
  try {
    const warmup = buildWorkload(WARMUP_ENTRIES);
    const warm = sqliteStorage({ path: path.join(dir, 'warmup-adapter.db') });
    await measureAdapter(warm, warmup);
    await warm.close();
    measureRaw(path.join(dir, 'warmup-raw.db'), warmup);

    let adapterBest = 0;
    let rawBest = 0;
    for (let i = 0; i < RUNS; i++) {
      const adapter = sqliteStorage({ path: path.join(dir, `adapter-${i}.db`) });
      adapterBest = Math.max(adapterBest, await measureAdapter(adapter, workload));
      await adapter.close();
      rawBest = Math.max(rawBest, measureRaw(path.join(dir, `raw-${i}.db`), workload));
    }
    const line = { bench: 'apply', adapter: 'sqlite', entries: workload.entries, batch: BATCH, entries_per_s: Math.round(adapterBest), raw_per_s: Math.round(rawBest), ratio: round2(adapterBest / rawBest) };
    console.log(JSON.stringify(line));

    // The whole receive path (hash, chain, signature checks, resolvers, storage), with signing on
    // and off, against the same raw floor: the cost of signatures is the ratio between the two.
    const signed = await signBatchHeads(workload);
    await measureReplica(path.join(dir, 'warmup-replica.db'), await signBatchHeads(warmup), true);
    let on = 0;
    let off = 0;
    for (let i = 0; i < RUNS; i++) {
      on = Math.max(on, await measureReplica(path.join(dir, `replica-on-${i}.db`), signed, true));
      off = Math.max(off, await measureReplica(path.join(dir, `replica-off-${i}.db`), workload, false));
    }
    for (const [signing, rate] of [[true, on], [false, off]] as const) {
      console.log(JSON.stringify({ bench: 'apply', adapter: 'sqlite', layer: 'replica', signing, entries: workload.entries, batch: BATCH, entries_per_s: Math.round(rate), raw_per_s: Math.round(rawBest), ratio: round2(rate / rawBest) }));
    }
    console.log(JSON.stringify({ bench: 'apply', layer: 'replica', signing_cost: round2(on / off) }));

    // Dexie under fake-indexeddb: an in-memory IndexedDB written in JS, so the ratio is informative
    // only; the real-IndexedDB figure comes from Chromium.
    const dexie = await measureDexie(workload);
    console.log(JSON.stringify({ bench: 'apply', adapter: 'dexie', backend: 'fake-indexeddb', entries: workload.entries, batch: BATCH, entries_per_s: Math.round(dexie.adapter), raw_per_s: Math.round(dexie.raw), ratio: round2(dexie.adapter / dexie.raw) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The batches as their authors send them: each author's last entry in a batch signed. */
export async function signBatchHeads(workload: ApplyWorkload): Promise<ApplyWorkload> {
  const signers = new Map<string, ChainSigner>();
  const batches = [];
  for (const batch of workload.batches) {
    const entries = [...batch.entries];
    const done = new Set<string>();
    for (let i = entries.length - 1; i >= 0; i--) {
      const author = entries[i]!.hlc.nodeId;
      if (done.has(author)) continue;
      done.add(author);
      let signer = signers.get(author);
      if (!signer) signers.set(author, (signer = await ChainSigner.open(author, memoryStorage().open('primary').checkpoints)));
      entries[i] = await signer.sign(entries[i]!);
    }
    batches.push({ documents: batch.documents, entries });
  }
  return { batches, entries: workload.entries };
}

/** Entries per second of DatasetReplica.applyRemote, the path every pulled or pushed batch takes. */
async function measureReplica(file: string, workload: ApplyWorkload, signing: boolean): Promise<number> {
  return measureReplicaOn(sqliteStorage({ path: file }), workload, signing);
}

/** The same over any storage, which it closes afterwards. */
export async function measureReplicaOn(storage: StorageAdapter, workload: ApplyWorkload, signing: boolean): Promise<number> {
  const replica = new DatasetReplica({ datasetId: 'primary', storage, clock: new HybridClock('bench-reader'), resolvers: new ResolverRegistry(), signing });
  await replica.open();
  try {
    const start = performance.now();
    for (const batch of workload.batches) await replica.applyRemote(batch.entries, { kind: 'vouched' });
    return workload.entries / ((performance.now() - start) / 1_000);
  } finally {
    await storage.close();
  }
}

/** The Dexie adapter against raw Dexie bulkPut of the same rows, one transaction per batch. */
async function measureDexie(workload: ApplyWorkload): Promise<{ adapter: number; raw: number }> {
  const adapterStore = dexieStorage({ name: 'bench-adapter', indexedDB: new IDBFactory(), IDBKeyRange });
  const adapter = await measureAdapter(adapterStore, workload);
  await adapterStore.close();

  const db = new Dexie('bench-raw', { indexedDB: new IDBFactory(), IDBKeyRange });
  db.version(1).stores({ documents: '[datasetId+collection+key]', oplog: '[datasetId+hash], [datasetId+wall+logic+node], [datasetId+node+wall+logic]' });
  await db.open();
  const start = performance.now();
  for (const batch of workload.batches) {
    await db.transaction('rw', db.table('documents'), db.table('oplog'), async () => {
      await db.table('documents').bulkPut(
        batch.documents.map((d) => ({ datasetId: 'primary', collection: d.collection, key: d.key, value: d.deleted ? null : JSON.stringify(d.value), wall: d.hlc.wall, logic: d.hlc.logic, node: d.hlc.nodeId, deleted: d.deleted ? 1 : 0 })),
      );
      await db.table('oplog').bulkPut(
        batch.entries.map((e) => ({ datasetId: 'primary', hash: e.hash, wall: e.hlc.wall, logic: e.hlc.logic, node: e.hlc.nodeId, collection: e.collection, key: e.key, op: e.op, payload: e.payload, prevHash: e.prevHash })),
      );
    });
  }
  const raw = workload.entries / ((performance.now() - start) / 1_000);
  db.close();
  return { adapter, raw };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
