import { openByKind } from '../../src/runtime/worker/open-by-kind.ts';
import type { StorageAdapter, StorageDescriptor } from '../../src/store/storage-adapter.ts';
import { memoryStorage } from '../storage/memory/index.ts';

/**
 * What the default dataset worker of a server runtime (Node, Deno, Bun) opens from a descriptor:
 * that runtime's SQLite, memory, and PostgreSQL. The postgres client is an optional peer
 * dependency, so its adapter is loaded only when a dataset uses it.
 */
export function serverWorkerStorage(sqliteStorage: (options: never) => StorageAdapter): (descriptor: StorageDescriptor) => StorageAdapter | Promise<StorageAdapter> {
  return openByKind<StorageDescriptor, StorageAdapter | Promise<StorageAdapter>>({
    sqlite: (d) => sqliteStorage(d as never),
    memory: (d) => memoryStorage(d as never),
    postgres: async (d) => (await import('../storage/postgres/index.ts')).postgresStorage(d as never),
  });
}
