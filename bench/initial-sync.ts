/*
 * initial-sync: a fresh node pulls 100k documents from a hub over loopback WebSocket, SQLite on
 * both sides. The baseline, in the same run, is raw better-sqlite3 inserting the same rows in
 * transactions of the same size: apply_ratio = docs_per_s / raw_per_s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sqliteStorage } from '../adapters/storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { listen } from '../adapters/transport/websocket/node/server.ts';
import { createEntry, type OplogEntry } from '../src/core/oplog-entry.ts';
import { createNode } from '../src/runtime/create-node.ts';
import { documentsFor } from '../src/store/contract/fixtures.ts';
import { measureRaw, type ApplyWorkload } from './apply.ts';

const DOCS = 100_000;
const BATCH = 1_000;

function workload(): ApplyWorkload {
  const batches: ApplyWorkload['batches'][number][] = [];
  let prev = '';
  for (let i = 0; i < DOCS; i += BATCH) {
    const entries: OplogEntry[] = [];
    for (let j = i; j < i + BATCH; j++) {
      const e = createEntry({ collection: 'tasks', key: `task-${j}`, op: 'put', value: { title: `Task ${j}`, done: j % 3 === 0, priority: j % 5, tags: ['a', 'b'] }, hlc: { wall: 1_700_000_000_000 + j, logic: 0, nodeId: 'writer' }, prevHash: prev });
      prev = e.hash;
      entries.push(e);
    }
    batches.push({ documents: documentsFor(entries), entries });
  }
  return { batches, entries: DOCS };
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
  try {
    const data = workload();
    const hubStorage = sqliteStorage({ path: path.join(dir, 'hub.db') });
    for (const batch of data.batches) await hubStorage.documents.applyBatch('primary', batch);
    const hub = await createNode({ nodeId: 'hub', storage: hubStorage, datasets: { primary: { maxEntriesPerCycle: 5_000, maxBytesPerCycle: 2 * 1024 * 1024 } } });
    const listener = await listen(hub, { port: 0 });
    const client = await createNode({
      nodeId: 'fresh',
      storage: sqliteStorage({ path: path.join(dir, 'client.db') }),
      peers: [websocket(listener.url)],
      datasets: { primary: { maxEntriesPerCycle: 5_000, maxBytesPerCycle: 2 * 1024 * 1024 } },
    });
    const start = performance.now();
    const [report] = await client.syncNow();
    const seconds = (performance.now() - start) / 1000;
    const pulled = report!.peers[0]!.pulled;
    if (pulled !== DOCS) throw new Error(`expected ${DOCS} documents, pulled ${pulled}: ${JSON.stringify(report)}`);
    await client.close();
    await listener.close();
    await hub.close();

    const raw = measureRaw(path.join(dir, 'raw.db'), data);
    const docsPerS = DOCS / seconds;
    console.log(JSON.stringify({ bench: 'initial-sync', docs: DOCS, docs_per_s: Math.round(docsPerS), raw_per_s: Math.round(raw), apply_ratio: Math.round((docsPerS / raw) * 100) / 100 }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
