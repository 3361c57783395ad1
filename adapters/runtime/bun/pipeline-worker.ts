/*
 * Bun's default dataset worker: SQLite through bun:sqlite, memory, and WebSocket peers. An app that
 * needs other storage or connectors writes its own worker file with serveDatasetWorker().
 */
import type { StorageAdapter, StorageDescriptor } from '../../../src/store/storage-adapter.ts';
import { openByKind } from '../../../src/runtime/worker/open-by-kind.ts';
import { serveDatasetWorker } from '../../../src/runtime/worker/serve-dataset-worker.ts';
import { memoryStorage } from '../../storage/memory/index.ts';
import { sqliteStorage } from '../../storage/sqlite/bun-sqlite/index.ts';
import { websocket } from '../../transport/websocket/client.ts';
import { lowerThreadPriority } from '../node/thread-priority.ts';

serveDatasetWorker({
  openStorage: openByKind<StorageDescriptor, StorageAdapter | Promise<StorageAdapter>>({
    sqlite: (d) => sqliteStorage(d as never),
    memory: (d) => memoryStorage(d as never),
    // Loaded only when a dataset uses it: the postgres client is an optional peer dependency.
    postgres: async (d) => (await import('../../storage/postgres/index.ts')).postgresStorage(d as never),
  }),
  openConnector: openByKind({ websocket: (d) => websocket((d.urls as readonly string[] | undefined) ?? d.url, d as never) }, 'peers'),
  lowerThreadPriority,
});
