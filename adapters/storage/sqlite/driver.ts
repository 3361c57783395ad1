/*
 * The whole surface the shared query code needs from a SQLite binding. It is kept to what every
 * synchronous binding offers (better-sqlite3, bun:sqlite): positional `?` parameters, plain row
 * objects, no named parameters, no user functions or collations, so a new driver stays a thin
 * wrapper.
 */

export type SqliteValue = string | number | bigint | null;

export type SqliteRow = Record<string, SqliteValue>;

export interface SqliteRunResult {
  /** Rows inserted, updated or deleted by the statement. */
  readonly changes: number;
}

export interface SqliteStatement {
  run(...params: SqliteValue[]): SqliteRunResult;
  /** The first row, or undefined when there is none. */
  get(...params: SqliteValue[]): SqliteRow | undefined;
  all(...params: SqliteValue[]): SqliteRow[];
}

export interface SqliteConnection {
  /** Runs one or more statements, ignoring any rows. */
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  /** True between BEGIN and COMMIT/ROLLBACK, and false again after SQLite rolled back on its own. */
  readonly inTransaction: boolean;
  close(): void;
}

export interface SqliteDriver {
  readonly name: string;
  /**
   * Opens (creating if needed) the database at `path`; ':memory:' opens a private in-memory one.
   * Engine errors should surface as SluiceError 'storage_failure' so callers can branch on the code.
   */
  open(path: string): SqliteConnection;
}
