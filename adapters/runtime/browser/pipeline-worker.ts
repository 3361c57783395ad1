/*
 * The browser's default dataset worker: IndexedDB through Dexie, memory, and WebSocket or
 * WebTransport peers. An app that needs other storage or connectors writes its own worker file
 * with serveDatasetWorker() from sluice/worker.
 */
import { openByKind } from '../../../src/runtime/worker/open-by-kind.ts';
import { serveDatasetWorker } from '../../../src/runtime/worker/serve-dataset-worker.ts';
import { dexieStorage } from '../../storage/dexie/index.ts';
import { memoryStorage } from '../../storage/memory/index.ts';
import { websocket } from '../../transport/websocket/client.ts';
import { webTransport } from '../../transport/webtransport/client.ts';

serveDatasetWorker({
  openStorage: openByKind({ dexie: (d) => dexieStorage(d as never), memory: (d) => memoryStorage(d as never) }),
  openConnector: openByKind({ websocket: (d) => websocket((d.urls as readonly string[] | undefined) ?? d.url, d as never), webtransport: (d) => webTransport(d.url, d as never) }, 'peers'),
});
