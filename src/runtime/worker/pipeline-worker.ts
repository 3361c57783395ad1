/*
 * Worker entry: builds one dataset pipeline from plain config and serves it to the node's thread
 * through Comlink. Loaded as a Web Worker (browsers, Deno, Bun) or a worker_threads Worker (Node,
 * through node-worker-bootstrap.mjs).
 */
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import type { Hlc } from '../../core/hlc.ts';
import { PortTransport, type PortLike } from '../../protocol/port-transport.ts';
import { DatasetPipeline } from '../pipeline/dataset-pipeline.ts';
import type { DocumentChange, PeerOp, PipelineApi } from '../pipeline/pipeline-api.ts';
import type { LocalOp } from '../../sync/replica.ts';
import type { DatasetSnapshot, SnapshotImportMode } from '../../store/snapshot-store.ts';
import { openConnector } from './open-connector.ts';
import { openStorage } from './open-storage.ts';
import type { WorkerPipelineConfig } from './worker-config.ts';

export interface WorkerService extends PipelineApi {
  start(config: WorkerPipelineConfig): Promise<void>;
  /** Serve a peer connection relayed by the node thread over `port`. */
  serve(port: PortLike, remote: string, heartbeatMs?: number, token?: string): Promise<void>;
  /** Test hook: crash the worker the hard way, as a bug or an out-of-memory would. */
  crash(): void;
}

let pipeline: DatasetPipeline | undefined;
let storageClose: (() => Promise<void>) | undefined;

function current(): DatasetPipeline {
  if (!pipeline) throw new Error('pipeline not started');
  return pipeline;
}

const service: WorkerService = {
  async start(config) {
    const storage = await openStorage(config.storage);
    storageClose = () => storage.close();
    const connectors = await Promise.all(config.peers.map(openConnector));
    const { token, ...settings } = config.settings;
    pipeline = new DatasetPipeline({ ...settings, ...(token === undefined ? {} : { auth: { token } }) }, storage, connectors);
    await pipeline.start();
  },
  serve: (port: PortLike, remote: string, heartbeatMs?: number, token?: string) => current().serve(new PortTransport(port, remote), heartbeatMs, token),
  write: (ops: LocalOp[]) => current().write(ops),
  ingest: (bytes: Uint8Array, collection: string) => current().ingest(bytes, collection),
  get: (collection: string, key: string) => current().get(collection, key),
  list: (collection: string) => current().list(collection),
  readRecords: (after: Hlc | null, limit: number) => current().readRecords(after, limit),
  syncNow: () => current().syncNow(),
  exportSnapshot: () => current().exportSnapshot(),
  drainSinks: () => current().drainSinks(),
  managePeer: (op: PeerOp, peerId: string) => current().managePeer(op, peerId),
  importSnapshot: (snapshot: DatasetSnapshot, mode: SnapshotImportMode) => current().importSnapshot(snapshot, mode),
  maintainNow: () => current().maintainNow(),
  status: () => current().status(),
  setChangeListener: (listener: ((changes: DocumentChange[]) => void) | null) => current().setChangeListener(listener),
  async close() {
    await pipeline?.close();
    await storageClose?.();
    pipeline = undefined;
  },
  crash() {
    setTimeout(() => {
      throw new Error('crash requested by test');
    }, 0);
  },
};

const nodeParent = await nodeParentPort();
if (nodeParent) {
  const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
  Comlink.expose(service, nodeEndpoint(nodeParent as Parameters<typeof nodeEndpoint>[0]));
} else {
  Comlink.expose(service);
}

/** In a Node worker_threads worker, the port to the parent; undefined in a Web Worker. */
async function nodeParentPort(): Promise<unknown> {
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  const isWebWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
  if (!isNode || isWebWorker) return undefined;
  const specifier = 'node:worker_threads';
  const { parentPort } = (await import(/* @vite-ignore */ specifier)) as { parentPort: unknown };
  return parentPort ?? undefined;
}
