/*
 * Node's default dataset worker: SQLite through better-sqlite3, memory and PostgreSQL (see
 * ../server-worker-storage.ts), and WebSocket peers. An app that needs other storage or connectors
 * writes its own worker file with serveDatasetWorker().
 */
import { parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Endpoint } from 'comlink';
import { openByKind } from '../../../src/runtime/worker/open-by-kind.ts';
import { serverWorkerStorage } from '../server-worker-storage.ts';
import { serveDatasetWorker } from '../../../src/runtime/worker/serve-dataset-worker.ts';
import { sqliteStorage } from '../../storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../../transport/websocket/client.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import { lowerThreadPriority } from './thread-priority.ts';

if (!parentPort) throw new SluiceError('invalid_options', 'This is a worker_threads entry: start it with new Worker(), not as a main script.');

serveDatasetWorker(
  {
    openStorage: serverWorkerStorage(sqliteStorage),
    openConnector: openByKind({ websocket: (d) => websocket((d.urls as readonly string[] | undefined) ?? d.url, d as never) }, 'peers'),
    lowerThreadPriority,
  },
  nodeEndpoint(parentPort as unknown as Parameters<typeof nodeEndpoint>[0]) as Endpoint,
);
