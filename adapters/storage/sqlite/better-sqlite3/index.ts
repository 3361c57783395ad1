import type { StorageAdapter } from '../../../../src/store/storage-adapter.ts';
import { sqliteStorageOn, type SqliteStorageOptions } from '../sqlite-storage.ts';
import { betterSqlite3Driver } from './driver.ts';

export type { SqliteLayout, SqliteStorageOptions } from '../sqlite-storage.ts';
export type { SynchronousMode } from '../session.ts';
export { betterSqlite3Driver };

/** Durable storage on SQLite through better-sqlite3 (Node). */
export function sqliteStorage(options: SqliteStorageOptions): StorageAdapter {
  return sqliteStorageOn(betterSqlite3Driver(), options);
}
