// Browser stand-in for adapters/storage/sqlite/index.ts: a browser worker opens memory or dexie
// storage only, so the e2e page build maps the SQLite adapter (better-sqlite3, node:fs) here.
import { SluiceError } from '../../src/core/errors.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';

export function sqliteStorage(_options: unknown): StorageAdapter {
  throw new SluiceError('invalid_options', 'SQLite storage is not available in a browser: use dexieStorage or memoryStorage.');
}
