/*
 * Node's default dataset worker: SQLite through better-sqlite3, memory, and WebSocket peers. An app
 * that needs other storage or connectors writes its own worker file with serveDatasetWorker().
 */
import { parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Endpoint } from 'comlink';
import type { StorageAdapter, StorageDescriptor } from '../../../src/store/storage-adapter.ts';
import { openByKind } from '../../../src/runtime/worker/open-by-kind.ts';
import { serveDatasetWorker } from '../../../src/runtime/worker/serve-dataset-worker.ts';
import { memoryStorage } from '../../storage/memory/index.ts';
import { sqliteStorage } from '../../storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../../transport/websocket/client.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import { lowerThreadPriority } from './thread-priority.ts';

if (!parentPort) throw new SluiceError('invalid_options', 'This is a worker_threads entry: start it with new Worker(), not as a main script.');

serveDatasetWorker(
  {
    openStorage: openByKind<StorageDescriptor, StorageAdapter | Promise<StorageAdapter>>({
      sqlite: (d) => sqliteStorage(d as never),
      memory: (d) => memoryStorage(d as never),
      // Loaded only when a dataset uses it: the postgres client is an optional peer dependency.
      postgres: async (d) => (await import('../../storage/postgres/index.ts')).postgresStorage(d as never),
    }),
    openConnector: openByKind({ websocket: (d) => websocket((d.urls as readonly string[] | undefined) ?? d.url, d as never) }, 'peers'),
    lowerThreadPriority,
  },
  nodeEndpoint(parentPort as unknown as Parameters<typeof nodeEndpoint>[0]) as Endpoint,
);
