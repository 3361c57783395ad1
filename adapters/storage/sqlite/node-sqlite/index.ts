import type { StorageAdapter } from '../../../../src/store/storage-adapter.ts';
import { sqliteStorageOn, type SqliteStorageOptions } from '../sqlite-storage.ts';
import { nodeSqliteDriver } from './driver.ts';

export type { SqliteLayout, SqliteStorageOptions } from '../sqlite-storage.ts';
export type { SynchronousMode } from '../session.ts';
export { nodeSqliteDriver };

/** Durable storage on SQLite through node:sqlite (Deno; Node >= 22.13). */
export function sqliteStorage(options: SqliteStorageOptions): StorageAdapter {
  return sqliteStorageOn(nodeSqliteDriver(), options);
}
