import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { sqliteStorage } from '../../adapters/storage/sqlite/better-sqlite3/index.ts';
import type { DatasetId } from '../../src/core/dataset-id.ts';
import { createEntry, entryByteSize, type OplogEntry } from '../../src/core/oplog-entry.ts';
import { documentsFor } from '../../src/store/contract/fixtures.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';
import type { MaintenanceStorage } from '../../src/sync/confirmation-coverage.ts';

/** Every rule is checked against the in-process adapter and against SQLite in both layouts. */
export const storageCases: { name: string; make: () => StorageAdapter }[] = [
  { name: 'memory', make: () => memoryStorage() },
  { name: 'sqlite (file per dataset)', make: () => sqliteStorage({ path: ':memory:' }) },
  { name: 'sqlite (single file)', make: () => sqliteStorage({ path: ':memory:', layout: 'single-file' }) },
];

/** Stores entries the way sync does: documents and oplog in one batch. */
export async function seed(storage: StorageAdapter, entries: readonly OplogEntry[]): Promise<void> {
  const datasetId = entries[0]!.datasetId;
  await storage.documents.applyBatch(datasetId, { documents: documentsFor(entries), entries });
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

export async function allEntries(storage: MaintenanceStorage, datasetId: DatasetId): Promise<OplogEntry[]> {
  return storage.oplog.entriesAfter(datasetId, null, { limit: 100_000 });
}

export async function hashes(storage: MaintenanceStorage, datasetId: DatasetId): Promise<string[]> {
  return (await allEntries(storage, datasetId)).map((e) => e.hash);
}

export function headOf(e: OplogEntry): { nodeId: string; hlc: OplogEntry['hlc']; hash: string } {
  return { nodeId: e.hlc.nodeId, hlc: e.hlc, hash: e.hash };
}

/** Everything maintenance could possibly change in one dataset. */
export async function datasetState(storage: StorageAdapter, datasetId: DatasetId): Promise<unknown> {
  return {
    entries: await allEntries(storage, datasetId),
    count: await storage.oplog.count(datasetId),
    heads: await storage.oplog.heads(datasetId),
    boundaries: await storage.oplog.boundaries(datasetId),
    peers: await storage.confirmations.listPeers(datasetId),
    confirmations: await storage.confirmations.confirmations(datasetId),
    documents: await storage.documents.list(datasetId, 'todos', { includeDeleted: true, limit: 100_000 }),
  };
}

/** Wraps the two ports so every call's dataset id (always the first argument) is recorded. */
export function recordingDatasets(storage: MaintenanceStorage): { storage: MaintenanceStorage; datasets: Set<unknown> } {
  const datasets = new Set<unknown>();
  const wrap = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          datasets.add(args[0]);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return { storage: { oplog: wrap(storage.oplog), confirmations: wrap(storage.confirmations) }, datasets };
}
