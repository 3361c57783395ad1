import { assertDatasetId, type DatasetId } from '../core/dataset-id.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import type { ConfirmationStore } from './confirmation-store.ts';
import type { DocumentStore } from './document-store.ts';
import type { OplogStore } from './oplog-store.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import type { CommitNotice, DatasetStore } from './storage-adapter.ts';

/*
 * Adapters that keep many datasets in one backend object (one SQLite connection per file, one
 * Dexie instance, one pool) may write each port once with the dataset as the first argument, and
 * bind it per dataset here. The ports themselves, what the core calls, never see a dataset id.
 */

/** A port whose every method takes the dataset first. */
export type ScopedPort<P> = { [K in keyof P]: P[K] extends (...args: infer A) => infer R ? (datasetId: DatasetId, ...args: A) => R : never };

export interface ScopedPorts {
  readonly documents: ScopedPort<DocumentStore>;
  readonly oplog: ScopedPort<OplogStore>;
  readonly confirmations: ScopedPort<ConfirmationStore>;
  readonly checkpoints: ScopedPort<CheckpointStore>;
  readonly snapshots: ScopedPort<SnapshotStore>;
  watchCommits?(datasetId: DatasetId, listener: (notices: readonly CommitNotice[]) => void): Promise<() => Promise<void>>;
}

function bind<P>(scoped: ScopedPort<P>, datasetId: DatasetId): P {
  const bound: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(scoped as Record<string, (...args: unknown[]) => unknown>)) {
    bound[name] = (...args: unknown[]) => method(datasetId, ...args);
  }
  return bound as P;
}

/**
 * `open(datasetId)` for such an adapter: checks the id, and binds the ports once per dataset
 * (`stores` caches them, so a dataset has one store).
 */
export function openScoped(ports: ScopedPorts, stores: Map<DatasetId, DatasetStore>, datasetId: DatasetId): DatasetStore {
  const found = stores.get(datasetId);
  if (found) return found;
  assertDatasetId(datasetId);
  const watch = ports.watchCommits;
  const store: DatasetStore = {
    datasetId,
    documents: bind(ports.documents, datasetId),
    oplog: bind(ports.oplog, datasetId),
    confirmations: bind(ports.confirmations, datasetId),
    checkpoints: bind(ports.checkpoints, datasetId),
    snapshots: bind(ports.snapshots, datasetId),
    ...(watch ? { watchCommits: (listener: (notices: readonly CommitNotice[]) => void) => watch.call(ports, datasetId, listener) } : {}),
  };
  stores.set(datasetId, store);
  return store;
}
