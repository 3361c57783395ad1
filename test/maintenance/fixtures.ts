import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { sqliteStorage } from '../../adapters/storage/sqlite/better-sqlite3/index.ts';
import type { DatasetId } from '../../src/core/dataset-id.ts';
import { createEntry, entryByteSize, type OplogEntry } from '../../src/core/oplog-entry.ts';
import { documentsFor } from '../../src/store/contract/fixtures.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';

/** Every rule is checked against the in-process adapter and against SQLite in both layouts. */
export const storageCases: { name: string; make: () => StorageAdapter }[] = [
  { name: 'memory', make: () => memoryStorage() },
  { name: 'sqlite (file per dataset)', make: () => sqliteStorage({ path: ':memory:' }) },
  { name: 'sqlite (single file)', make: () => sqliteStorage({ path: ':memory:', layout: 'single-file' }) },
];

/** Stores entries the way sync does: documents and oplog in one batch. */
export async function seed(storage: StorageAdapter, entries: readonly OplogEntry[]): Promise<void> {
  const datasetId = entries[0]!.datasetId;
  await storage.open(datasetId).documents.applyBatch({ documents: documentsFor(entries), entries });
}

/** A hash-linked run by one author at explicit (wall, logic) stamps. */
export function chainAt(nodeId: string, stamps: readonly [number, number][], options: { datasetId?: DatasetId; prevHash?: string; key?: string } = {}): OplogEntry[] {
  const out: OplogEntry[] = [];
  let prev = options.prevHash ?? '';
  for (const [i, [wall, logic]] of stamps.entries()) {
    const entry = createEntry({
      datasetId: options.datasetId ?? 'primary',
      collection: 'todos',
      key: `${options.key ?? nodeId}-${wall}-${logic}`,
      op: 'put',
      value: { i },
      hlc: { wall, logic, nodeId },
      prevHash: prev,
    });
    out.push(entry);
    prev = entry.hash;
  }
  return out;
}

export function bytesOf(entries: readonly OplogEntry[]): number {
  return entries.reduce((n, e) => n + entryByteSize(e), 0);
}

export async function allEntries(storage: StorageAdapter, datasetId: DatasetId): Promise<OplogEntry[]> {
  return storage.open(datasetId).oplog.entriesAfter(null, { limit: 100_000 });
}

export async function hashes(storage: StorageAdapter, datasetId: DatasetId): Promise<string[]> {
  return (await allEntries(storage, datasetId)).map((e) => e.hash);
}

export function headOf(e: OplogEntry): { nodeId: string; hlc: OplogEntry['hlc']; hash: string } {
  return { nodeId: e.hlc.nodeId, hlc: e.hlc, hash: e.hash };
}

/** Everything maintenance could possibly change in one dataset. */
export async function datasetState(storage: StorageAdapter, datasetId: DatasetId): Promise<unknown> {
  return {
    entries: await allEntries(storage, datasetId),
    count: await storage.open(datasetId).oplog.count(),
    heads: await storage.open(datasetId).oplog.heads(),
    boundaries: await storage.open(datasetId).oplog.boundaries(),
    peers: await storage.open(datasetId).confirmations.listPeers(),
    confirmations: await storage.open(datasetId).confirmations.confirmations(),
    documents: await storage.open(datasetId).documents.list('todos', { includeDeleted: true, limit: 100_000 }),
  };
}
