import type { SqliteConnection } from '../driver.ts';

/** The matchers these checks use: vitest's expect and the runtimes' shim both have them. */
type Expect = (actual: unknown) => { toBe(expected: unknown): void; toEqual(expected: unknown): void; toBeUndefined(): void };

/**
 * What every SQLite driver must do alike, whatever engine is under it: report rows changed (not
 * index rows: t has an index), return undefined for a missing row, and bind positional values
 * (unicode text, bigint, real, null) as they are.
 */
export function checkDriverBasics(db: SqliteConnection, expect: Expect): void {
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, n, r REAL, z); CREATE TABLE u (x); CREATE INDEX t_z ON t (z)');
  const insert = db.prepare('INSERT INTO t (k, n, r, z) VALUES (?, ?, ?, ?)');
  expect(insert.run('a', 1, 0.5, null).changes).toBe(1);
  expect(insert.run('Grüße 👋', 2, 1.25, 'x').changes).toBe(1);
  expect(insert.run('c', 5n, -3, null).changes).toBe(1);
  expect(db.prepare('UPDATE t SET z = ?').run('all').changes).toBe(3);
  expect(db.prepare('DELETE FROM t WHERE k = ?').run('missing').changes).toBe(0);
  expect(db.prepare('SELECT * FROM t WHERE k = ?').get('missing')).toBeUndefined();
  expect(db.prepare('SELECT * FROM u').all()).toEqual([]);
  expect({ ...db.prepare('SELECT k, n, r, z FROM t WHERE k = ?').get('Grüße 👋') }).toEqual({ k: 'Grüße 👋', n: 2, r: 1.25, z: 'all' });
  expect(db.prepare('SELECT n FROM t ORDER BY k').all().map((row) => Number(row.n))).toEqual([2, 1, 5]); // 'G' < 'a' < 'c'
}
