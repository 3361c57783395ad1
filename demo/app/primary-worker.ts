/*
 * The demo's own worker for `primary`: what the default browser worker serves (IndexedDB through
 * Dexie, WebSocket peers) plus the routing demo's sink. Sinks are functions, so they live here,
 * in the worker, and run once for all tabs: in the worker of the tab that leads primary.
 */
import { dexieStorage } from 'sluice/dexie/engine';
import { websocket } from 'sluice/websocket';
import { openByKind, serveDatasetWorker } from 'sluice/worker';
import { chunkIndexSink } from '../sinks/chunk-index-sink.ts';
import { MemoryChunkIndex } from '../sinks/chunk-index.ts';
import { ITEMS } from './collections.ts';

serveDatasetWorker({
  openStorage: openByKind({ dexie: (d) => dexieStorage(d as never) }),
  openConnector: openByKind({ websocket: (d) => websocket((d.urls as readonly string[] | undefined) ?? d.url, d as never) }, 'peers'),
  // The routing demo: item titles indexed by 4 writers, each document always on the same writer.
  sinks: { primary: [chunkIndexSink({ index: new MemoryChunkIndex(), parallelism: 4, textField: 'title', collection: ITEMS })] },
});
