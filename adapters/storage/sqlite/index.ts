// What every SQLite driver entry shares: the storage over any driver, its options and the driver interface.
export { sqliteStorageOn, type SqliteLayout, type SqliteStorageOptions } from './sqlite-storage.ts';
export type { SynchronousMode } from './session.ts';
export type { SqliteConnection, SqliteDriver, SqliteLimits, SqliteRow, SqliteRunResult, SqliteStatement, SqliteValue } from './driver.ts';
