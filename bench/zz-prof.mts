import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { sqliteStorage } from '../adapters/storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { listen } from '../adapters/transport/websocket/node/server.ts';
import { createEntry, type OplogEntry } from '../src/core/oplog-entry.ts';
import { createNode } from '../src/runtime/create-node.ts';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { ChainSigner } from '../src/sync/signatures.ts';
import { documentsFor } from '../src/store/contract/fixtures.ts';
const DOCS = 100_000, BATCH = 1000;
const signer = await ChainSigner.open('writer', 'primary', memoryStorage().checkpoints);
const batches: any[] = []; let prev = '';
for (let i = 0; i < DOCS; i += BATCH) { const entries: OplogEntry[] = []; for (let j = i; j < i + BATCH; j++) { const e = createEntry({ collection: 'tasks', key: `task-${j}`, op: 'put', value: { title: `Task ${j}`, done: j % 3 === 0, priority: j % 5, tags: ['a', 'b'] }, hlc: { wall: 1_700_000_000_000 + j, logic: 0, nodeId: 'writer' }, prevHash: prev }); prev = e.hash; entries.push(e); } entries[entries.length - 1] = await signer.sign(entries[entries.length - 1]!); batches.push({ documents: documentsFor(entries), entries }); }
const session = new Session(); session.connect(); await session.post('Profiler.enable');
for (let run = 0; run < 2; run++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-'));
  const hubStorage = sqliteStorage({ path: path.join(dir, 'hub.db') });
  for (const b of batches) await hubStorage.documents.applyBatch('primary', b);
  const hub = await createNode({ nodeId: 'hub', storage: hubStorage, datasets: { primary: { maxEntriesPerCycle: 5_000, maxBytesPerCycle: 2 * 1024 * 1024 } } });
  const listener = await listen(hub, { port: 0 });
  const client = await createNode({ nodeId: 'fresh', storage: sqliteStorage({ path: path.join(dir, 'client.db') }), peers: [websocket(listener.url)], datasets: { primary: { maxEntriesPerCycle: 5_000, maxBytesPerCycle: 2 * 1024 * 1024 } } });
  if (run === 1) await session.post('Profiler.start');
  const t = performance.now(); await client.syncNow(); const ms = performance.now() - t;
  if (run === 1) { const { profile } = await session.post('Profiler.stop'); fs.mkdirSync('/tmp/prof/zz', { recursive: true }); fs.writeFileSync('/tmp/prof/zz/a.cpuprofile', JSON.stringify(profile)); }
  console.log('run', run, ms.toFixed(0), 'ms');
  await client.close(); await listener.close(); await hub.close(); fs.rmSync(dir, { recursive: true, force: true });
}
