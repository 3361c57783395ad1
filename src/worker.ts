// What a dataset worker runs. An app gives a dataset a worker file of its own with
// `worker: () => new Worker(new URL('./logs.worker.ts', import.meta.url), { type: 'module' })`
// and, in that file, calls serveDatasetWorker() with the storage, connectors and resolvers it needs.
export { serveDatasetWorker, type DatasetWorkerOptions } from './runtime/worker/serve-dataset-worker.ts';
export { openByKind } from './runtime/worker/open-by-kind.ts';
export type { StorageDescriptor } from './store/storage-adapter.ts';
export type { ConnectorDescriptor } from './protocol/transport.ts';
