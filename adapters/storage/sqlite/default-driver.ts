import { betterSqlite3Driver } from './better-sqlite3/driver.ts';
import { bunSqliteDriver } from './bun-sqlite/driver.ts';
import type { SqliteDriver } from './driver.ts';
import { nodeSqliteDriver } from './node-sqlite/driver.ts';

/**
 * The SQLite the current runtime has: bun:sqlite in Bun, node:sqlite in Deno (neither can load
 * better-sqlite3's native addon), better-sqlite3 in Node. Each driver loads its module only when
 * called, so importing this file costs nothing in the other runtimes.
 */
export function defaultSqliteDriver(): SqliteDriver {
  if ('Bun' in globalThis) return bunSqliteDriver();
  if ('Deno' in globalThis) return nodeSqliteDriver();
  return betterSqlite3Driver();
}
