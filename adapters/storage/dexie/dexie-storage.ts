import { SluiceError } from '../../../src/core/errors.ts';
import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { DatasetStore, StorageAdapter, StorageDescriptor, StorageLimits, StorageTestHooks } from '../../../src/store/storage-adapter.ts';
import { openScoped, type ScopedPorts } from '../../../src/store/dataset-scoped.ts';
import { resolveMaxPayloadBytes } from '../../../src/store/validation.ts';
import { dexieCheckpointStore } from './checkpoints.ts';
import { dexieConfirmationStore } from './confirmations.ts';
import { DexieContext } from './context.ts';
import { DatasetDatabases, type DexieDurability, type DexieLayout } from './databases.ts';
import { dexieDocumentStore } from './documents.ts';
import { dexieOplogStore } from './oplog.ts';
import { dexieSnapshotStore } from './snapshots.ts';

export type { DexieLayout } from './databases.ts';

export interface DexieStorageOptions extends StorageLimits {
  /** The IndexedDB database of dataset `primary`; other datasets use `${name}.${datasetId}`. */
  name: string;
  /**
   * database-per-dataset (default): one IndexedDB database per dataset, so one dataset's writes
   * never queue behind another's. single-database: every dataset in `name`, apart by datasetId.
   */
  layout?: DexieLayout;
  /**
   * database-per-dataset only. true (default): where the browser has Storage Buckets, every
   * dataset but primary opens its database in a bucket of its own, with its own backing store, so
   * a telemetry flood does not delay primary's commits. A database already in the default bucket
   * stays there. false: every database in the default bucket.
   */
  buckets?: boolean;
  /**
   * When a write counts as done. 'strict' (default): once it is flushed to the disk, so a write
   * sluice acknowledged survives a power cut too. 'relaxed': once IndexedDB handed it to the
   * operating system (Chromium's own default since 121, and Firefox's and Safari's): it survives a
   * closed or crashed tab or browser, but a power cut in the moment after can lose it. Applies to
   * every dataset's database and bucket. Measured in the browser-isolation bench, relaxed did not
   * lower primary's latency under a telemetry flood (docs/persistence-providers.md).
   */
  durability?: DexieDurability;
  /** Another IndexedDB implementation (e.g. an in-memory one for tests); default: the global one. */
  indexedDB?: IDBFactory;
  /** The IDBKeyRange that belongs to `indexedDB`. */
  IDBKeyRange?: typeof IDBKeyRange;
  hooks?: StorageTestHooks;
}

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
    const { name, layout = 'database-per-dataset' } = options ?? ({} as DexieStorageOptions);
    if (typeof name !== 'string' || name.length === 0) {
      throw new SluiceError('invalid_options', `dexieStorage needs a database name, got ${JSON.stringify(name)}: pass { name: 'my-app' }.`);
    }
    if (layout !== 'database-per-dataset' && layout !== 'single-database') {
      throw new SluiceError('invalid_options', `Unknown layout ${JSON.stringify(layout)}: use "database-per-dataset" or "single-database".`);
    }
    const buckets = options.buckets ?? true;
    if (typeof buckets !== 'boolean') {
      throw new SluiceError('invalid_options', `buckets must be true or false, got ${JSON.stringify(buckets)}.`, { field: 'buckets' });
    }
    const durability = options.durability ?? 'strict';
    if (durability !== 'relaxed' && durability !== 'strict') {
      throw new SluiceError('invalid_options', `durability must be "relaxed" or "strict", got ${JSON.stringify(durability)}.`, { field: 'durability' });
    }
    const databases = new DatasetDatabases({ name, layout, buckets, durability, indexedDB: options.indexedDB, IDBKeyRange: options.IDBKeyRange });
    this.ctx = new DexieContext(databases, resolveMaxPayloadBytes(options), options.hooks ?? {});
    // A custom IndexedDB factory cannot cross a worker boundary; workers use their global indexedDB.
    this.description = { kind: 'dexie', name, layout, buckets, durability, maxPayloadBytes: resolveMaxPayloadBytes(options) };
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
