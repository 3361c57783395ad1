/*
 * query: indexed reads on 100,000 documents, and how fast a live query follows a remote write.
 *
 *   indexed: `where: { project }, orderBy: 'n', limit: 50` on an index ['project', 'n'], timed
 *            one query at a time (p50 of QUERIES), sluice and its baselines taking turns query
 *            by query, so that noise hits them alike. Baselines in the same run do the same indexed
 *            read with the raw driver and parse the same JSON values:
 *              - SQLite: better-sqlite3 on a plain table with an index on (project, n), and again
 *                on a covering index (project, n, key, value), as sluice's indexes cover the value;
 *              - Dexie:  Dexie on a table with a [project+n] index, under fake-indexeddb (an
 *                        IndexedDB written in JavaScript, so that ratio is indicative only), and
 *                        in Chromium on real IndexedDB (e2e/pages/query-bench.ts; `npm run build`
 *                        first, the page imports the built package).
 *            Each is measured at the storage port (documents.query with the planned index) and,
 *            for SQLite, through the public collection API (collection.query().run()).
 *            ratio = raw p50 / sluice p50 (1.0 = as fast as the raw driver).
 *   live:    two nodes through one hub (SQLite, WebSocket on loopback, default options). A live
 *            query on the reader; each write on the writer is timed until the live query delivers
 *            it. Baseline: the same write's arrival as a plain change event on the reader
 *            (collection.subscribe), so ratio = live query / change event.
 *
 *   npm run bench -- query
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { dexieStorage } from '../adapters/storage/dexie/index.ts';
import { sqliteStorage } from '../adapters/storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { listen } from '../adapters/transport/websocket/node/server.ts';
import { createNode } from '../src/runtime/create-node.ts';
import type { StoredDocument } from '../src/core/document.ts';
import { normalizeIndexes } from '../src/store/query/index-spec.ts';
import { planQuery } from '../src/store/query/plan.ts';
import { normalizeQuery } from '../src/store/query/query-spec.ts';
import type { StorageAdapter } from '../src/store/storage-adapter.ts';
import { percentiles } from './support/latency.ts';
import { timeInterleaved } from './support/interleaved.ts';
import { launchChromium } from '../e2e/browser.ts';
import { buildPages, serveStatic } from '../e2e/build-pages.ts';
import type { QueryBenchResult } from '../e2e/pages/query-bench.ts';

const DOCS = 100_000;
const PROJECTS = 100;
const QUERIES = 300;
const LIMIT = 50;
const LIVE_WRITES = 100;
const WARMUP = 20;

const INDEXES = normalizeIndexes([['project', 'n']]);
const valueOf = (i: number) => ({ project: `p${i % PROJECTS}`, n: i, title: `item ${i}`, done: i % 7 === 0 });
const keyOf = (i: number) => `k${String(i).padStart(6, '0')}`;
const projectFor = (q: number) => `p${(q * 37) % PROJECTS}`;

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-query-'));
  try {
    await sqliteCase(dir);
    await dexieCase();
    await chromiumCase();
    await liveCase(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function sqliteCase(dir: string): Promise<void> {
  // Raw: the same rows in a plain table, the same index, the same read.
  const raw = new Database(path.join(dir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.exec('CREATE TABLE items (key TEXT PRIMARY KEY, project TEXT, n INTEGER, value TEXT) WITHOUT ROWID; CREATE INDEX items_project_n ON items (project, n)');
  const insert = raw.prepare('INSERT INTO items VALUES (?, ?, ?, ?)');
  raw.transaction(() => {
    for (let i = 0; i < DOCS; i++) {
      const v = valueOf(i);
      insert.run(keyOf(i), v.project, v.n, JSON.stringify(v));
    }
  })();
  // The same read on a covering index, as sluice's indexes are (they end with the value): the
  // raw driver's best case, so the ratio against it is the strict one.
  raw.exec('CREATE INDEX items_covering ON items (project, n, key, value)');
  const parse = (rows: unknown[]) => rows.map((r) => ({ key: (r as { key: string }).key, value: JSON.parse((r as { value: string }).value) }));
  // A constant LIMIT, as sluice writes it: SQLite plans a literal limit into the index walk.
  const select = raw.prepare(`SELECT key, value FROM items INDEXED BY items_project_n WHERE project = ? ORDER BY n LIMIT ${LIMIT}`);
  const covering = raw.prepare(`SELECT key, value FROM items INDEXED BY items_covering WHERE project = ? ORDER BY n LIMIT ${LIMIT}`);

  const storage = sqliteStorage({ path: path.join(dir, 'sluice.db') });
  await fill(storage);
  const store = storage.open('primary');
  // The public API, in process: collection.query().run() over the same file.
  const node = await createNode({ nodeId: 'bench', storage: sqliteStorage({ path: path.join(dir, 'sluice.db') }) });
  const items = node.collection('items', { indexes: [['project', 'n']] });
  const explain = await items.query({ where: { project: 'p1' }, orderBy: 'n', limit: LIMIT }).explain();
  const [rawP50, coveringP50, portP50, apiP50] = await timed([
    async (q) => parse(select.all(projectFor(q))),
    async (q) => parse(covering.all(projectFor(q))),
    (q) => store.documents.query('items', plan(q)),
    (q) => items.query({ where: { project: projectFor(q) }, orderBy: 'n', limit: LIMIT }).run(),
  ]);
  await node.close();
  await storage.close();
  raw.close();

  console.log(JSON.stringify({ bench: 'query', case: 'indexed', adapter: 'sqlite', docs: DOCS, limit: LIMIT, queries: QUERIES, index: explain.index, raw_p50_ms: round(rawP50!), raw_covering_p50_ms: round(coveringP50!), port_p50_ms: round(portP50!), api_p50_ms: round(apiP50!), ratio_port: round(rawP50! / portP50!), ratio_api: round(rawP50! / apiP50!), ratio_port_covering: round(coveringP50! / portP50!), ratio_api_covering: round(coveringP50! / apiP50!) }));
}

async function dexieCase(): Promise<void> {
  const indexedDB = new IDBFactory();
  const raw = new Dexie('raw', { indexedDB, IDBKeyRange });
  raw.version(1).stores({ items: 'key, [project+n]' });
  await raw.open();
  const rows = Array.from({ length: DOCS }, (_, i) => ({ key: keyOf(i), project: valueOf(i).project, n: i, value: JSON.stringify(valueOf(i)) }));
  for (let i = 0; i < rows.length; i += 5_000) await raw.table('items').bulkPut(rows.slice(i, i + 5_000));
  const storage = dexieStorage({ name: 'sluice', indexedDB, IDBKeyRange });
  await fill(storage);
  const store = storage.open('primary');
  const [rawP50, portP50] = await timed([
    async (q) =>
      (await raw.table('items').where('[project+n]').between([projectFor(q), Dexie.minKey], [projectFor(q), Dexie.maxKey]).limit(LIMIT).toArray()).map((r: { key: string; value: string }) => ({ key: r.key, value: JSON.parse(r.value) })),
    (q) => store.documents.query('items', plan(q)),
  ]);
  raw.close();
  await storage.close();
  console.log(JSON.stringify({ bench: 'query', case: 'indexed', adapter: 'dexie', backend: 'fake-indexeddb', docs: DOCS, limit: LIMIT, queries: QUERIES, raw_p50_ms: round(rawP50!), port_p50_ms: round(portP50!), ratio_port: round(rawP50! / portP50!) }));
}

/** The same read on real IndexedDB in Chromium: raw Dexie against sluice's Dexie adapter, in a page. */
async function chromiumCase(): Promise<void> {
  const pages = await buildPages(['query-bench.html']);
  const server = await serveStatic(pages.dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/query-bench.html`);
    const result: QueryBenchResult = await page.evaluate(([docs, projects, queries, limit]) => window.__queryBench!(docs, projects, queries, limit), [DOCS, PROJECTS, QUERIES, LIMIT] as const);
    console.log(JSON.stringify({ bench: 'query', case: 'indexed', adapter: 'dexie', backend: 'chromium-indexeddb', docs: DOCS, limit: LIMIT, queries: QUERIES, raw_p50_ms: round(result.rawP50), port_p50_ms: round(result.portP50), ratio_port: round(result.rawP50 / result.portP50) }));
  } finally {
    await browser.close();
    await server.close();
    pages.remove();
  }
}

async function liveCase(dir: string): Promise<void> {
  const open = (id: string, peers: ReturnType<typeof websocket>[] = []) => createNode({ nodeId: `live-${id}`, storage: sqliteStorage({ path: path.join(dir, `live-${id}.db`) }), peers });
  const hub = await open('hub');
  const listener = await listen(hub, { port: 0, host: '127.0.0.1' });
  const writer = await open('writer', [websocket(listener.url)]);
  const reader = await open('reader', [websocket(listener.url)]);
  try {
    const seed = Array.from({ length: 2_000 }, (_, i) => ({ key: keyOf(i), value: valueOf(i) }));
    await writer.collection('items').putMany(seed);
    await writer.syncNow();
    await reader.syncNow();
    const items = reader.collection('items', { indexes: [['project', 'n']] });
    let onDelivery: ((keys: string[]) => void) | null = null;
    let onChange: ((key: string) => void) | null = null;
    const stopLive = items.query({ where: { project: 'p7' }, orderBy: { n: 'desc' }, limit: 20 }).subscribe((r) => onDelivery?.(r.documents.map((d) => d.key)));
    const stopChanges = items.subscribe((changes) => {
      for (const c of changes) onChange?.(c.key);
    });
    const liveSamples: number[] = [];
    const changeSamples: number[] = [];
    for (let w = 0; w < WARMUP + LIVE_WRITES; w++) {
      const i = 10_000 + w * PROJECTS + 7; // project p7, newest first: each write tops the live page
      const key = keyOf(i);
      const start = performance.now();
      const live = new Promise<number>((resolve) => (onDelivery = (keys) => keys[0] === key && resolve(performance.now() - start)));
      const change = new Promise<number>((resolve) => (onChange = (k) => k === key && resolve(performance.now() - start)));
      await writer.collection('items').put(key, valueOf(i));
      const [l, c] = await Promise.all([live, change]);
      if (w >= WARMUP) {
        liveSamples.push(l);
        changeSamples.push(c);
      }
    }
    stopLive();
    stopChanges();
    const live = percentiles(liveSamples);
    const change = percentiles(changeSamples);
    console.log(JSON.stringify({ bench: 'query', case: 'live-update', writes: LIVE_WRITES, live_p50_ms: round(live.p50), live_p95_ms: round(live.p95), change_event_p50_ms: round(change.p50), change_event_p95_ms: round(change.p95), ratio_p50: round(live.p50 / change.p50) }));
  } finally {
    await reader.close();
    await writer.close();
    await listener.close();
    await hub.close();
  }
}

async function fill(storage: StorageAdapter): Promise<void> {
  const store = storage.open('primary');
  await store.documents.ensureIndexes('items', INDEXES);
  for (let i = 0; i < DOCS; i += 5_000) {
    const documents: StoredDocument[] = [];
    for (let j = i; j < Math.min(DOCS, i + 5_000); j++) documents.push({ collection: 'items', key: keyOf(j), value: valueOf(j), hlc: { wall: 1, logic: 0, nodeId: 'bench' }, deleted: false });
    await store.documents.applyBatch({ documents, entries: [] });
  }
}

const timed = (candidates: readonly ((q: number) => Promise<unknown>)[]) => timeInterleaved(candidates, QUERIES, WARMUP);

function plan(q: number) {
  return planQuery(normalizeQuery({ where: { project: projectFor(q) }, orderBy: 'n', limit: LIMIT }), INDEXES);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
