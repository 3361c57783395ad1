import type { StorageAdapter } from '../../../../src/store/storage-adapter.ts';
import { sqliteStorageOn, type SqliteStorageOptions } from '../sqlite-storage.ts';
import { bunSqliteDriver } from './driver.ts';

export type { SqliteLayout, SqliteStorageOptions } from '../sqlite-storage.ts';
export type { SynchronousMode } from '../session.ts';
export { bunSqliteDriver };

/** Durable storage on SQLite through bun:sqlite (Bun). */
export function sqliteStorage(options: SqliteStorageOptions): StorageAdapter {
  return sqliteStorageOn(bunSqliteDriver(), options);
}
