import { SluiceError } from '../../../src/core/errors.ts';
import type { StorageTestHooks } from '../../../src/store/storage-adapter.ts';
import type { SqliteConnection, SqliteDriver, SqliteLimits, SqliteStatement } from './driver.ts';
import { MEMORY_PATH } from './paths.ts';
import { migrate } from './schema.ts';

const QUERY_STATEMENTS = 64;

export type SynchronousMode = 'normal' | 'full';

export interface SessionOptions {
  readonly synchronous: SynchronousMode;
  readonly busyTimeoutMs: number;
  readonly hooks: StorageTestHooks;
}

/**
 * One open database: a connection plus its prepared statements and transaction discipline. The
 * query code only talks to sessions, so it is the same for every driver and every layout.
 */
export class SqliteSession {
  private readonly statements = new Map<string, SqliteStatement>();
  /** Query statements, whose text depends on the app's queries: kept, least recently used first, up to a bound. */
  private readonly queries = new Map<string, SqliteStatement>();

  private constructor(
    private readonly connection: SqliteConnection,
    private readonly hooks: StorageTestHooks,
    /** The driver's stricter limits, if any: statements built here must stay within them. */
    readonly limits: SqliteLimits | undefined,
  ) {}

  static open(driver: SqliteDriver, path: string, options: SessionOptions): SqliteSession {
    let connection: SqliteConnection;
    try {
      connection = driver.open(path);
    } catch (error) {
      throw new SluiceError('storage_failure', `Could not open the SQLite database ${JSON.stringify(path)}: ${(error as Error).message}`, { path }, { cause: error });
    }
    const pragmas = driver.pragmas !== false;
    try {
      if (pragmas) {
        if (path !== MEMORY_PATH) {
          // WAL lets readers in other processes run while this one writes; it persists in the file.
          connection.exec('PRAGMA journal_mode = WAL');
        }
        connection.exec(`PRAGMA synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
        connection.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs}`);
      }
      migrate(connection, pragmas ? 'user_version' : 'table');
    } catch (error) {
      connection.close();
      throw error;
    }
    return new SqliteSession(connection, options.hooks, driver.limits);
  }

  /** Prepared once per connection, reused for every later call with the same SQL text. */
  statement(sql: string): SqliteStatement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.connection.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Like statement(), for SQL text built from app queries: at most QUERY_STATEMENTS stay prepared. */
  queryStatement(sql: string): SqliteStatement {
    let stmt = this.queries.get(sql);
    if (stmt === undefined) {
      stmt = this.connection.prepare(sql);
      if (this.queries.size >= QUERY_STATEMENTS) this.queries.delete(this.queries.keys().next().value!);
    } else {
      this.queries.delete(sql);
    }
    this.queries.set(sql, stmt);
    return stmt;
  }

  /** Runs DDL (CREATE INDEX) text. */
  exec(sql: string): void {
    this.connection.exec(sql);
  }

  /**
   * One write transaction. IMMEDIATE takes the write lock up front, so a concurrent writer in
   * another process waits on busy_timeout instead of failing halfway through. The test hook runs
   * after the writes and before COMMIT, so a throw from it rolls everything back.
   */
  write<T>(operation: string, body: () => T): T {
    if (this.connection.transaction) {
      return this.connection.transaction(() => {
        const result = body();
        this.hooks.beforeCommit?.(operation);
        return result;
      });
    }
    this.statement('BEGIN IMMEDIATE').run();
    try {
      const result = body();
      this.hooks.beforeCommit?.(operation);
      this.statement('COMMIT').run();
      return result;
    } catch (error) {
      this.rollback();
      throw error;
    }
  }

  /** Several reads that must see one consistent state, such as an export. */
  read<T>(body: () => T): T {
    if (this.connection.transaction) return this.connection.transaction(body);
    this.statement('BEGIN').run();
    try {
      const result = body();
      this.statement('COMMIT').run();
      return result;
    } catch (error) {
      this.rollback();
      throw error;
    }
  }

  close(): void {
    this.statements.clear();
    this.queries.clear();
    this.connection.close();
  }

  private rollback(): void {
    // SQLite may already have rolled back by itself (e.g. on SQLITE_FULL).
    if (this.connection.inTransaction) this.statement('ROLLBACK').run();
  }
}
