/*
 * sluice/dexie as a browser page gets it (the `browser` export condition). In a page, datasets run
 * in workers shared by the origin's tabs, and those workers open IndexedDB: the page only names
 * the database. So this dexieStorage() checks its options and describes them, and loads no Dexie.
 * Code that opens IndexedDB on its own thread (an app's own dataset worker file, or a page with
 * `tabs: 'own'` or `worker: false`) imports the engine: `sluice/dexie/engine`.
 */
import type { DatasetId } from '../../../src/core/dataset-id.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import type { DatasetStore, StorageAdapter, StorageDescriptor } from '../../../src/store/storage-adapter.ts';
import { resolveDexieOptions, type DexieStorageOptions } from './dexie-options.ts';

export type { DexieStorageOptions } from './dexie-options.ts';
export type { DexieLayout } from './databases.ts';
export { deleteDexieStorage } from './delete-storage.ts';

/** IndexedDB storage through Dexie, named for the dataset workers that open it. */
export function dexieStorage(options: DexieStorageOptions): StorageAdapter {
  const { description } = resolveDexieOptions(options);
  return {
    kind: 'dexie',
    describe: (): StorageDescriptor => description,
    open(datasetId: DatasetId): DatasetStore {
      throw new SluiceError(
        'invalid_options',
        `dexieStorage from sluice/dexie in a page only names the database (dataset ${String(datasetId).slice(0, 40)} was opened here): its datasets run in workers. To open IndexedDB on this thread (tabs: 'own', worker: false, or your own worker file), import dexieStorage from 'sluice/dexie/engine'.`,
        { field: 'storage' },
      );
    },
    close: async () => undefined,
  };
}
