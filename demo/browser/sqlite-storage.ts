// Browser stand-in for adapters/storage/sqlite (swapped in by vite.config.ts): a browser worker
// opens dexie or memory storage only, so no SQLite code enters the bundle.
import { SluiceError } from '../../src/core/errors.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';

export function sqliteStorage(_options: unknown): StorageAdapter {
  throw new SluiceError('invalid_options', 'SQLite storage is not available in the browser: use dexieStorage() or memoryStorage().');
}
