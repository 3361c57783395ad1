/*
 * Bun's default dataset worker: SQLite through bun:sqlite, memory and PostgreSQL (see
 * ../server-worker-storage.ts), and WebSocket peers. An app that needs other storage or connectors
 * writes its own worker file with serveDatasetWorker().
 */
import { openByKind } from '../../../src/runtime/worker/open-by-kind.ts';
import { serverWorkerStorage } from '../server-worker-storage.ts';
import { serveDatasetWorker } from '../../../src/runtime/worker/serve-dataset-worker.ts';
import { sqliteStorage } from '../../storage/sqlite/bun-sqlite/index.ts';
import { websocket } from '../../transport/websocket/client.ts';
import { lowerThreadPriority } from '../node/thread-priority.ts';

serveDatasetWorker({
  openStorage: serverWorkerStorage(sqliteStorage),
  openConnector: openByKind({ websocket: (d) => websocket((d.urls as readonly string[] | undefined) ?? d.url, d as never) }, 'peers'),
  lowerThreadPriority,
});
