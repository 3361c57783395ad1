/*
 * initial-sync: a fresh node pulls 100k documents from a real `sluice hub` process over loopback
 * WebSocket, SQLite on both sides, library defaults everywhere (pages of 1,000 entries, 1 MiB). The
 * baseline, in the same run, is raw better-sqlite3 inserting the same rows in transactions of 1,000:
 * apply_ratio = docs_per_s / raw_per_s. The fresh node verifies signatures (the default) or not,
 * and the three measurements alternate, best of 3 each; signing_cost = signed rate / unsigned rate.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sqliteStorage } from '../adapters/storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { createEntry, type OplogEntry } from '../src/core/oplog-entry.ts';
import { createNode } from '../src/runtime/create-node.ts';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { ChainSigner } from '../src/sync/signatures.ts';
import { documentsFor } from '../src/store/contract/fixtures.ts';
import { measureRaw, withParsedValues, type ApplyWorkload } from './apply.ts';
import { startHub, stopHub } from './support/hub-process.ts';

const DOCS = 100_000;
const BATCH = 1_000;
const RUNS = 3;

/** The writer's history as a hub stores it after the writer pushed it: each batch's head signed. */
async function workload(): Promise<ApplyWorkload> {
  const signer = await ChainSigner.open('writer', memoryStorage().open('primary').checkpoints);
  const batches: ApplyWorkload['batches'][number][] = [];
  let prev = '';
  for (let i = 0; i < DOCS; i += BATCH) {
    const entries: OplogEntry[] = [];
    for (let j = i; j < i + BATCH; j++) {
      const e = createEntry({ collection: 'tasks', key: `task-${j}`, op: 'put', value: { title: `Task ${j}`, done: j % 3 === 0, priority: j % 5, tags: ['a', 'b'] }, hlc: { wall: 1_700_000_000_000 + j, logic: 0, nodeId: 'writer' }, prevHash: prev });
      prev = e.hash;
      entries.push(e);
    }
    entries[entries.length - 1] = await signer.sign(entries[entries.length - 1]!);
    batches.push({ documents: withParsedValues(documentsFor(entries)), entries });
  }
  return { batches, entries: DOCS };
}

/** The hub's SQLite file as the author's pushes left it, written once and copied for each run. */
async function prepareHubData(file: string, data: ApplyWorkload): Promise<void> {
  const storage = sqliteStorage({ path: file });
  for (const batch of data.batches) await storage.open('primary').documents.applyBatch(batch);
  await storage.close();
}

/** Seconds for a fresh node to pull everything from a hub process serving a copy of `hubFile`. */
async function timeInitialSync(dir: string, hubFile: string, signing: boolean): Promise<number> {
  fs.mkdirSync(path.join(dir, 'hub'), { recursive: true });
  fs.copyFileSync(hubFile, path.join(dir, 'hub', 'hub.db'));
  const hub = await startHub(path.join(dir, 'hub'), 'primary');
  const client = await createNode({ nodeId: 'fresh', storage: sqliteStorage({ path: path.join(dir, 'client.db') }), peers: [websocket(hub.url)], signing });
  try {
    const start = performance.now();
    const [report] = await client.syncNow();
    const seconds = (performance.now() - start) / 1000;
    const pulled = report!.peers[0]!.pulled;
    if (pulled !== DOCS) throw new Error(`expected ${DOCS} documents, pulled ${pulled}: ${JSON.stringify(report)}`);
    return seconds;
  } finally {
    await client.close();
    await stopHub(hub.child);
  }
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
  try {
    const data = await workload();
    const hubFile = path.join(dir, 'hub-source.db');
    await prepareHubData(hubFile, data);
    // Alternating, best of RUNS each, so disk and GC noise hit all three alike.
    let unsigned = Number.POSITIVE_INFINITY;
    let signed = Number.POSITIVE_INFINITY;
    let raw = 0;
    for (let i = 0; i < RUNS; i++) {
      unsigned = Math.min(unsigned, await timeInitialSync(path.join(dir, `off-${i}`), hubFile, false));
      signed = Math.min(signed, await timeInitialSync(path.join(dir, `on-${i}`), hubFile, true));
      raw = Math.max(raw, measureRaw(path.join(dir, `raw-${i}.db`), data));
    }
    for (const [signing, seconds] of [[true, signed], [false, unsigned]] as const) {
      const docsPerS = DOCS / seconds;
      console.log(JSON.stringify({ bench: 'initial-sync', signing, docs: DOCS, docs_per_s: Math.round(docsPerS), raw_per_s: Math.round(raw), apply_ratio: Math.round((docsPerS / raw) * 100) / 100 }));
    }
    console.log(JSON.stringify({ bench: 'initial-sync', signing_cost: Math.round((unsigned / signed) * 100) / 100 }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
