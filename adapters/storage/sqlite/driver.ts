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
  /**
   * For engines that refuse BEGIN/COMMIT statements (a Durable Object's SQLite only offers a
   * callback API): runs `body` in one transaction, committed when it returns and rolled back when
   * it throws. Without it the session issues BEGIN IMMEDIATE, COMMIT and ROLLBACK itself.
   */
  transaction?<T>(body: () => T): T;
  close(): void;
}

/**
 * Per-statement limits of engines stricter than stock SQLite (Durable Objects: 100 bound
 * parameters, 100 KB of SQL text, 2 MB per row). The shared code sizes its multi-row statements
 * by them and refuses, with a typed error, writes and queries that would exceed them.
 */
export interface SqliteLimits {
  readonly parameters: number;
  /** UTF-8 bytes of one statement's text. */
  readonly sqlBytes: number;
  /** UTF-8 bytes of one row, which also bounds any single bound string. */
  readonly rowBytes: number;
}

export interface SqliteDriver {
  readonly name: string;
  /**
   * Opens (creating if needed) the database at `path`; ':memory:' opens a private in-memory one.
   * Engine errors should surface as SluiceError 'storage_failure' so callers can branch on the code.
   */
  open(path: string): SqliteConnection;
  /**
   * False for an engine whose platform owns journaling, syncing and locking and refuses those
   * PRAGMAs and PRAGMA user_version (a Durable Object's SQLite): the session then sets none, and
   * keeps the schema version in a table instead. Default true.
   */
  readonly pragmas?: boolean;
  readonly limits?: SqliteLimits;
}
