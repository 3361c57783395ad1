import { SluiceError } from '../../core/errors.ts';
import type { StorageAdapter, StorageDescriptor } from '../../store/storage-adapter.ts';

/**
 * Opens storage from its description inside a worker. Each adapter is imported only when used, so
 * a browser worker never loads SQLite code and a Node worker never loads Dexie.
 */
export async function openStorage(d: StorageDescriptor): Promise<StorageAdapter> {
  const maxPayloadBytes = typeof d.maxPayloadBytes === 'number' ? d.maxPayloadBytes : undefined;
  switch (d.kind) {
    case 'memory': {
      const { memoryStorage } = await import('../../../adapters/storage/memory/index.ts');
      return memoryStorage(maxPayloadBytes === undefined ? {} : { maxPayloadBytes });
    }
    case 'sqlite': {
      const { sqliteStorage } = await import('../../../adapters/storage/sqlite/index.ts');
      return sqliteStorage({
        path: String(d.path),
        ...(d.layout === undefined ? {} : { layout: d.layout as 'file-per-dataset' | 'single-file' }),
        ...(d.synchronous === undefined ? {} : { synchronous: d.synchronous as 'normal' | 'full' }),
        ...(typeof d.busyTimeoutMs === 'number' ? { busyTimeoutMs: d.busyTimeoutMs } : {}),
        ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }),
      });
    }
    case 'dexie': {
      const { dexieStorage } = await import('../../../adapters/storage/dexie/index.ts');
      return dexieStorage({
        name: String(d.name),
        ...(d.layout === undefined ? {} : { layout: d.layout as 'database-per-dataset' | 'single-database' }),
        ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }),
      });
    }
    default:
      throw new SluiceError('invalid_options', `A worker cannot open storage of kind "${d.kind}": use memory, sqlite or dexie, or run this dataset with worker: false.`);
  }
}
