import { SluiceError } from '../../src/core/errors.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';

/*
 * Browser stand-in for adapters/storage/sqlite/index.ts, which open-storage.ts imports when a
 * worker is asked for SQLite storage. Browsers use Dexie; this keeps better-sqlite3 and node:
 * modules out of the graph.
 */
export function sqliteStorage(): StorageAdapter {
  throw new SluiceError('invalid_options', 'SQLite storage is not available in the browser build: use dexieStorage from sluice/dexie.');
}
