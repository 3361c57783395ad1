import type { DatasetId } from '../../src/core/dataset-id.ts';
import type { DatasetStore, StorageAdapter } from '../../src/store/storage-adapter.ts';

/** The same storage, with each dataset's store passed through `wrap` once (for fault injection and observation). */
export function mapStores(storage: StorageAdapter, wrap: (store: DatasetStore) => DatasetStore): StorageAdapter {
  const stores = new Map<DatasetId, DatasetStore>();
  const open = (datasetId: DatasetId): DatasetStore => {
    let store = stores.get(datasetId);
    if (!store) stores.set(datasetId, (store = wrap(storage.open(datasetId))));
    return store;
  };
  return new Proxy(storage, { get: (target, prop, receiver) => (prop === 'open' ? open : Reflect.get(target, prop, receiver)) });
}
