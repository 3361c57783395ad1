import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { DatasetStore, StorageAdapter, StorageDescriptor } from '../../../src/store/storage-adapter.ts';
import { openScoped, type ScopedPorts } from '../../../src/store/dataset-scoped.ts';
import { resolveDexieOptions, type DexieStorageOptions } from './dexie-options.ts';
import { dexieCheckpointStore } from './checkpoints.ts';
import { dexieConfirmationStore } from './confirmations.ts';
import { DexieContext } from './context.ts';
import { DatasetDatabases } from './databases.ts';
import { dexieDocumentStore } from './documents.ts';
import { dexieOplogStore } from './oplog.ts';
import { dexieSnapshotStore } from './snapshots.ts';

export type { DexieLayout } from './databases.ts';
export type { DexieStorageOptions } from './dexie-options.ts';

/** IndexedDB storage through Dexie, for browsers and Web Workers. Databases open on first use. */
export function dexieStorage(options: DexieStorageOptions): StorageAdapter {
  return new DexieStorage(options);
}

class DexieStorage implements StorageAdapter {
  readonly kind = 'dexie';
  private readonly ports: ScopedPorts;
  private readonly stores = new Map<DatasetId, DatasetStore>();
  private readonly ctx: DexieContext;
  private readonly description: StorageDescriptor;

  constructor(options: DexieStorageOptions) {
    const { name, layout, buckets, durability, maxPayloadBytes, description } = resolveDexieOptions(options);
    const databases = new DatasetDatabases({ name, layout, buckets, durability, indexedDB: options.indexedDB, IDBKeyRange: options.IDBKeyRange });
    this.ctx = new DexieContext(databases, maxPayloadBytes, options.hooks ?? {});
    this.description = description;
    this.ports = {
      documents: dexieDocumentStore(this.ctx),
      oplog: dexieOplogStore(this.ctx),
      confirmations: dexieConfirmationStore(this.ctx),
      checkpoints: dexieCheckpointStore(this.ctx),
      snapshots: dexieSnapshotStore(this.ctx),
    };
  }

  open(datasetId: DatasetId): DatasetStore {
    return openScoped(this.ports, this.stores, datasetId);
  }

  describe(): StorageDescriptor {
    return this.description;
  }

  close(): Promise<void> {
    return this.ctx.close();
  }
}
