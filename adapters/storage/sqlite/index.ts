export { sqliteStorage, type SqliteLayout, type SqliteStorageOptions } from './sqlite-storage.ts';
export type { SynchronousMode } from './session.ts';
export type { SqliteConnection, SqliteDriver, SqliteRow, SqliteRunResult, SqliteStatement, SqliteValue } from './driver.ts';
export { betterSqlite3Driver } from './better-sqlite3/driver.ts';
export { nodeSqliteDriver } from './node-sqlite/driver.ts';
export { bunSqliteDriver } from './bun-sqlite/driver.ts';
export { defaultSqliteDriver } from './default-driver.ts';
